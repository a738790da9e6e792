// The compiler's front door: load → check → lower.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "claimgraph/graph.hpp"
#include "policy/check.hpp"
#include "policy/load.hpp"
#include "policy/lower.hpp"

namespace claimgraph {

Graph compile_policy_text(std::string_view yaml, const std::string& file_name) {
    std::vector<Diagnostic> diags;
    ast::Policy tree = load_policy(yaml, file_name, diags);
    const bool yaml_ok = tree.pos.line > 0 && (diags.empty() || diags.front().message.rfind("expected valid YAML", 0) != 0);
    // Check what did load, so one run reports shape and meaning errors together;
    // a file that is not YAML at all has nothing to check.
    if (yaml_ok) {
        std::vector<Diagnostic> more;
        ir::Policy checked = check_policy(tree, more);
        diags.insert(diags.end(), more.begin(), more.end());
        if (diags.empty()) return Graph(std::make_shared<const detail::Program>(lower_policy(checked)));
    }
    throw CompileError(std::move(diags));
}

Graph compile_policy_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw CompileError({Diagnostic{SourcePos{std::make_shared<const std::string>(path.string()), 0, 0},
                                       "cannot read the policy file"}});
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return compile_policy_text(ss.str(), path.string());
}

}  // namespace claimgraph
