// Small helpers the test files share: the compiled demo policy, reading
// files, splitting lines, and parsing result lines field by field.
#pragma once

#include <catch2/catch.hpp>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "claimgraph/claimgraph.hpp"

namespace claimgraph::testing {

// rules/demo-city-2026.yaml, compiled once per test binary.
inline const Graph& demo() {
    static const Graph g = compile_policy_file(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
    return g;
}

// N in-memory ledgers and the pointers the batch and stream APIs take.
struct Ledgers {
    explicit Ledgers(std::size_t n) : owned(n) {
        for (auto& l : owned) ptrs.push_back(&l);
    }
    std::vector<MemoryLedger> owned;
    std::vector<Ledger*> ptrs;
};

// A file holding `text` under the source tree, named `stem` and a number
// unique to this call and process (ctest runs test cases in parallel), removed
// when this goes, a failed test too.
class TextFile {
public:
    TextFile(const std::string& stem, const std::string& text) {
        static int calls = 0;
        path_ = std::string(CLAIMGRAPH_SOURCE_DIR) + "/build-test-" + stem + "-" + std::to_string(::getpid()) + "-" +
                std::to_string(++calls) + ".jsonl";
        std::ofstream out(path_, std::ios::binary);
        out << text;
    }
    ~TextFile() { std::remove(path_.c_str()); }
    TextFile(const TextFile&) = delete;
    TextFile& operator=(const TextFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Every line of `text`, empty ones included.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// Each JSON line as claim_id → (field → value), values kept as their text;
// blank lines are skipped.
inline std::vector<std::pair<std::string, std::map<std::string, std::string>>> parse_jsonl(const std::string& text) {
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> out;
    simdjson::ondemand::parser parser;
    for (const std::string& line : lines_of(text)) {
        if (line.empty()) continue;
        simdjson::padded_string padded(line);
        auto doc = parser.iterate(padded);
        std::map<std::string, std::string> fields;
        std::string id;
        for (auto field : doc.get_object()) {
            std::string key(std::string_view(field.unescaped_key()));
            auto v = field.value();
            std::string value;
            if (v.type() == simdjson::ondemand::json_type::string) value = std::string(std::string_view(v.get_string()));
            else value = std::string(std::string_view(v.raw_json_token()));
            if (key == "claim_id") id = value;
            else fields[key] = value;
        }
        out.emplace_back(id, fields);
    }
    return out;
}

}  // namespace claimgraph::testing
