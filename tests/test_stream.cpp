// settle_stream (settle --sorted): same results as the batch path when the
// input is in settlement order; claims out of order become error rows.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "claimgraph/claimgraph.hpp"
#include "support.hpp"

using namespace claimgraph;
using namespace claimgraph::testing;

TEST_CASE("settle_stream on input in settlement order matches the batch results", "[stream]") {
    const std::string root = CLAIMGRAPH_SOURCE_DIR;
    const Graph g = compile_policy_file(root + "/rules/demo-city-2026.yaml");
    const std::string text = slurp(root + "/tests/golden/demo-city-2026/claims.jsonl");
    auto records = read_claims_jsonl(g, text);
    const auto raw = lines_of(text);
    REQUIRE(raw.size() == records.size());
    std::vector<Claim> claims;
    for (const auto& r : records) claims.push_back(r.claim);
    const auto order = settlement_order(claims);

    // The batch path's line for each claim id.
    MemoryLedger batch_ledger;
    const auto batch = lines_of(settle_records_jsonl(g, records, batch_ledger));
    std::map<std::string, std::string> by_id;
    for (std::size_t i = 0; i < batch.size(); ++i) by_id[records[i].claim.claim_id] = batch[i];

    std::string sorted;
    for (auto i : order) sorted += raw[i] + "\n";
    std::istringstream in(sorted);
    MemoryLedger ledger;
    std::string out;
    const BatchCounts counts = settle_stream(g, in, ledger, ResultFormat{}, [&](std::string_view t) { out += t; });
    CHECK(counts.settled == 53);
    CHECK(counts.errors == 0);
    const auto streamed = lines_of(out);
    REQUIRE(streamed.size() == order.size());
    for (std::size_t k = 0; k < order.size(); ++k) CHECK(streamed[k] == by_id.at(claims[order[k]].claim_id));
}

TEST_CASE("settle_stream refuses a claim out of order or repeated, and goes on", "[stream]") {
    const std::string root = CLAIMGRAPH_SOURCE_DIR;
    const Graph g = compile_policy_file(root + "/rules/demo-city-2026.yaml");
    const std::string claim =
        R"({"claim_id":"%ID%","member_id":"M1","date":"%DATE%","insutype":"employee","med_type":"inpatient","hosp_lv":2,)"
        R"("region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":false,)"
        R"("hmb_preexisting":false,"items":[{"code":"A","category":"A","amount":5000}]})";
    auto make = [&](const std::string& id, const std::string& date) {
        std::string c = claim;
        c.replace(c.find("%ID%"), 4, id);
        c.replace(c.find("%DATE%"), 6, date);
        return c + "\n";
    };
    std::istringstream in(make("A", "2026-03-01") + make("B", "2026-02-01") + make("A", "2026-03-01") + "{broken\n" +
                          make("C", "2026-04-01"));
    MemoryLedger ledger;
    std::string out;
    const BatchCounts counts = settle_stream(g, in, ledger, ResultFormat{}, [&](std::string_view t) { out += t; });
    const auto rows = lines_of(out);
    REQUIRE(rows.size() == 5);
    CHECK(counts.settled == 2);
    CHECK(counts.errors == 3);
    CHECK(rows[0].find("\"hifp_pay\":\"3740.00\"") != std::string::npos);  // first admission: (5000-600)×85%
    CHECK(rows[1].find("out of settlement order") != std::string::npos);
    CHECK(rows[2].find("duplicate claim_id") != std::string::npos);
    CHECK(rows[3].find("\"line\":4") != std::string::npos);
    CHECK(rows[4].find("\"act_pay_dedc\":\"300.00\"") != std::string::npos);  // second admission halves it
}
