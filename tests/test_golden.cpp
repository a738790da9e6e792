// The golden set: every field of every claim, to the fen, through the same
// path the CLI takes (JSON Lines in, JSON Lines out).
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "claimgraph/claimgraph.hpp"
#include "support.hpp"

using namespace claimgraph;
using namespace claimgraph::testing;

TEST_CASE("Demo City 2026 golden set: every field of every claim to the fen", "[golden]") {
    const std::string dir = std::string(CLAIMGRAPH_SOURCE_DIR) + "/tests/golden/demo-city-2026/";
    const Graph g = compile_policy_file(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
    const auto records = read_claims_jsonl(g, slurp(dir + "claims.jsonl"));
    for (const auto& r : records) {
        INFO(r.error_field << ": " << r.error_message);
        REQUIRE(r.ok);
    }

    MemoryLedger ledger;
    std::size_t errors = 0;
    const auto got = parse_jsonl(settle_records_jsonl(g, records, ledger, &errors));
    const auto want = parse_jsonl(slurp(dir + "expected.jsonl"));
    CHECK(errors == 0);
    REQUIRE(got.size() == want.size());
    REQUIRE(want.size() == 53);
    std::size_t compared = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("claim " << want[i].first);
        REQUIRE(got[i].first == want[i].first);
        for (const auto& [field, value] : want[i].second) {
            INFO("field " << field);
            REQUIRE(got[i].second.count(field) == 1);
            CHECK(got[i].second.at(field) == value);
            ++compared;
        }
        CHECK(got[i].second.size() == want[i].second.size());
    }
    CHECK(compared == 53 * 12);
}

TEST_CASE("Golden claims settle the same whatever the input order", "[golden]") {
    const std::string dir = std::string(CLAIMGRAPH_SOURCE_DIR) + "/tests/golden/demo-city-2026/";
    const Graph g = compile_policy_file(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
    std::vector<std::string> lines;
    {
        std::istringstream in(slurp(dir + "claims.jsonl"));
        std::string l;
        while (std::getline(in, l)) lines.push_back(l);
    }
    std::vector<std::string> reversed(lines.rbegin(), lines.rend());
    std::string text;
    for (const auto& l : reversed) text += l + "\n";
    MemoryLedger ledger;
    const auto got = parse_jsonl(settle_records_jsonl(g, read_claims_jsonl(g, text), ledger));
    const auto want = parse_jsonl(slurp(dir + "expected.jsonl"));
    std::map<std::string, std::map<std::string, std::string>> by_id(want.begin(), want.end());
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("claim " << got[i].first);
        CHECK(got[i].second == by_id.at(got[i].first));
    }
    // Output order is input order: the first line is the last golden claim.
    CHECK(got.front().first == want.back().first);
}

TEST_CASE("Golden claims settle identically on 1, 2 and 4 threads", "[golden][parallel]") {
    const std::string dir = std::string(CLAIMGRAPH_SOURCE_DIR) + "/tests/golden/demo-city-2026/";
    const Graph g = compile_policy_file(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
    // Ten copies of the golden set under distinct member and claim ids, and one
    // broken line, so members spread over the workers and errors keep their place.
    std::string text;
    {
        std::istringstream in(slurp(dir + "claims.jsonl"));
        std::vector<std::string> lines;
        for (std::string l; std::getline(in, l);) lines.push_back(l);
        for (int copy = 0; copy < 10; ++copy) {
            for (auto l : lines) {
                for (const char* key : {"\"claim_id\": \"", "\"member_id\": \""}) {
                    const auto at = l.find(key);
                    REQUIRE(at != std::string::npos);
                    l.insert(at + std::strlen(key), std::string("K") + std::to_string(copy) + "-");
                }
                text += l + "\n";
            }
            if (copy == 3) text += "{not json\n";
        }
    }
    const auto records = read_claims_jsonl(g, text);
    BatchCounts one_counts;
    MemoryLedger single;
    const std::string one = settle_records(g, records, single, one_counts, ResultFormat{});
    CHECK(one_counts.settled == 530);
    CHECK(one_counts.errors == 1);
    for (std::size_t threads : {2u, 4u}) {
        Ledgers ledgers(threads);
        BatchCounts counts;
        const std::string many = settle_records(g, records, ledgers.ptrs, counts, ResultFormat{});
        INFO(threads << " threads");
        CHECK(many == one);
        CHECK(counts.settled == one_counts.settled);
        CHECK(counts.errors == one_counts.errors);
        std::size_t used = 0;
        for (const auto& l : ledgers.owned) used += l.member_count() > 0;
        CHECK(used == threads);
    }
}

TEST_CASE("Every rules/NAME.claims.jsonl settles to its NAME.expected.jsonl", "[golden]") {
    namespace fs = std::filesystem;
    std::size_t pairs = 0;
    for (const auto& entry : fs::directory_iterator(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules")) {
        const std::string name = entry.path().filename().string();
        const std::string suffix = ".claims.jsonl";
        if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        const std::string stem = entry.path().string().substr(0, entry.path().string().size() - suffix.size());
        INFO("policy " << stem << ".yaml");
        const Graph g = compile_policy_file(stem + ".yaml");
        MemoryLedger ledger;
        const auto got = parse_jsonl(settle_records_jsonl(g, read_claims_jsonl(g, slurp(entry.path().string())), ledger));
        const auto want = parse_jsonl(slurp(stem + ".expected.jsonl"));
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            INFO("claim " << want[i].first);
            CHECK(got[i] == want[i]);
        }
        ++pairs;
    }
    CHECK(pairs >= 1);
}
