// Internal: the shape checks shared by the YAML loaders (policy files and policy
// test files). Each reports a Diagnostic at the node's position and carries on,
// so a file's problems are reported together.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "claimgraph/error.hpp"

namespace claimgraph::detail {

class YamlSource {
public:
    YamlSource(std::shared_ptr<const std::string> file, std::vector<Diagnostic>& diags)
        : file_(std::move(file)), diags_(diags) {}

    // 1-based; a node without a mark (yaml-cpp gives -1) is placed at 1:1.
    SourcePos pos(const YAML::Node& n) const {
        const YAML::Mark m = n.Mark();
        return SourcePos{file_, std::max(1, m.line + 1), std::max(1, m.column + 1)};
    }

    void error(const SourcePos& p, std::string msg) { diags_.push_back({p, std::move(msg)}); }

    static const char* kind_name(const YAML::Node& n) {
        switch (n.Type()) {
            case YAML::NodeType::Map: return "a mapping";
            case YAML::NodeType::Sequence: return "a list";
            case YAML::NodeType::Scalar: return "a scalar";
            case YAML::NodeType::Null: return "nothing";
            default: return "an undefined node";
        }
    }

    bool expect_map(const YAML::Node& n, const char* what) {
        if (n.IsMap()) return true;
        error(pos(n), fmt::format("expected {} (a mapping), found {}", what, kind_name(n)));
        return false;
    }

    bool expect_list(const YAML::Node& n, const char* what) {
        if (n.IsSequence()) return true;
        error(pos(n), fmt::format("expected {} (a list), found {}", what, kind_name(n)));
        return false;
    }

    bool expect_scalar(const YAML::Node& n, const char* what) {
        if (n.IsScalar()) return true;
        error(pos(n), fmt::format("expected {} (a single value), found {}", what, kind_name(n)));
        return false;
    }

    // Rejects non-scalar and duplicate keys, and keys outside `allowed` (any key
    // is allowed when it is empty), naming what is allowed.
    void check_keys(const YAML::Node& n, std::initializer_list<const char*> allowed, const char* what) {
        std::set<std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const YAML::Node k = it->first;
            if (!k.IsScalar()) {
                error(pos(k), fmt::format("expected a key of {}, found {}", what, kind_name(k)));
                continue;
            }
            const std::string key = k.Scalar();
            if (!seen.insert(key).second) error(pos(k), fmt::format("duplicate key '{}' in {}", key, what));
            if (allowed.size() == 0) continue;
            bool ok = false;
            for (const char* a : allowed) ok = ok || key == a;
            if (!ok) {
                std::string list;
                for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                error(pos(k), fmt::format("unknown key '{}' in {}: expected one of {}", key, what, list));
            }
        }
    }

protected:
    std::shared_ptr<const std::string> file_;
    std::vector<Diagnostic>& diags_;
};

}  // namespace claimgraph::detail
