// Traces and explanations: on every golden claim the recorded arithmetic adds
// up to the settlement, and each rendering carries every figure.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "claimgraph/claimgraph.hpp"

using namespace claimgraph;

namespace {

struct Settled {
    Claim claim;
    Settlement settlement;
    Trace trace;
};

std::vector<Settled> settle_golden_traced() {
    const Graph g = compile_policy_file(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
    const auto records =
        read_claims_jsonl_file(g, std::string(CLAIMGRAPH_SOURCE_DIR) + "/tests/golden/demo-city-2026/claims.jsonl");
    std::vector<Claim> claims;
    for (const auto& r : records) claims.push_back(r.claim);
    MemoryLedger ledger;
    std::vector<Settled> out;
    for (auto i : settlement_order(claims)) {
        Settled s{claims[i], {}, {}};
        g.settle(s.claim, ledger, s.settlement, s.trace);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

TEST_CASE("Every golden trace adds up to its settlement", "[explain]") {
    const auto all = settle_golden_traced();
    REQUIRE(all.size() == 53);
    for (const auto& s : all) {
        INFO("claim " << s.claim.claim_id);
        const Trace& t = s.trace;
        REQUIRE(t.status == "settled");
        REQUIRE(t.stages.size() == s.settlement.stages.size());
        // Fee lines: the per-line values sum to the claim's totals.
        Money medfee, inscp;
        for (const auto& l : t.lines) {
            medfee += l.amount;
            Money split;
            for (const auto& [name, v] : l.values)
                if (name != "inscp") split += v;
                else inscp += v;
            CHECK(split + l.values.back().second == l.amount);
        }
        for (const auto& [name, v] : t.outputs) {
            if (name == "medfee_sumamt") CHECK(v == medfee);
            if (name == "inscp_scp_amt") CHECK(v == inscp);
        }
        for (std::size_t k = 0; k < t.stages.size(); ++k) {
            const StageTrace& st = t.stages[k];
            INFO("stage " << st.id);
            CHECK(st.pay == s.settlement.stages[k].pay);
            if (!st.applies) {
                CHECK(st.pay.fen() == 0);
                continue;
            }
            // Deductible: nominal × applied multipliers, rounded once.
            if (st.has_deductible) {
                __int128 d = st.nominal.fen();
                std::int64_t den = 1;
                for (const auto& m : st.multipliers)
                    if (m.applied) d *= m.ratio.bp(), den *= 10000;
                CHECK(st.deductible.fen() == static_cast<std::int64_t>((d + den / 2) / den));
            }
            // Bands: pieces cover exactly the payable part; their sum is the exact stage amount.
            std::int64_t exact = 0, covered = 0;
            for (const auto& p : st.pieces) {
                CHECK(p.exact == p.amount.fen() * p.ratio.bp());
                exact += p.exact;
                covered += p.amount.fen();
            }
            CHECK(exact == st.exact);
            CHECK(covered + st.deductible_applied.fen() == st.base.fen());
            CHECK(st.raw.fen() == (st.exact + 5000) / 10000);
            // Caps: each narrows the payment to its room.
            Money pay = st.raw;
            for (const auto& c : st.caps) {
                CHECK(c.pay_before == pay);
                if (c.applies) pay = std::min(pay, c.room);
                CHECK(c.pay_after == pay);
            }
            CHECK(st.pay == pay);
            for (const auto& u : st.updates) CHECK(u.after == u.before + u.delta);
        }
    }
}

TEST_CASE("Explanations show every output and the rules they used", "[explain]") {
    const auto all = settle_golden_traced();
    simdjson::ondemand::parser parser;
    for (const auto& s : all) {
        INFO("claim " << s.claim.claim_id);
        const std::string text = explain(s.trace, ExplainFormat::text);
        const std::string md = explain(s.trace, ExplainFormat::markdown);
        const std::string json = explain(s.trace, ExplainFormat::json);
        for (const auto& [name, v] : s.trace.outputs) {
            CHECK(text.find(name + " = ") != std::string::npos);
            CHECK(text.find(format_money_grouped(v)) != std::string::npos);
            CHECK(md.find(format_money_grouped(v)) != std::string::npos);
            CHECK(json.find("\"" + name + "\":\"" + format_money(v) + "\"") != std::string::npos);
        }
        CHECK(text.find("demo-city-2026.yaml:") != std::string::npos);
        CHECK(text.find("统筹基金支付") != std::string::npos);
        simdjson::padded_string padded(json);
        auto doc = parser.iterate(padded);
        std::string_view id;
        CHECK(doc["claim_id"].get_string().get(id) == simdjson::SUCCESS);
        CHECK(id == s.claim.claim_id);
    }
}

TEST_CASE("The deductible derivation reads like the bureau's arithmetic", "[explain]") {
    const auto all = settle_golden_traced();
    const auto it = std::find_if(all.begin(), all.end(), [](const Settled& s) { return s.claim.claim_id == "G14-2"; });
    REQUIRE(it != all.end());
    const std::string text = explain(it->trace, ExplainFormat::text);
    CHECK(text.find("起付线 deductible[resident, 3] = 1,000.00 × 50% (第二次及以上住院) × 50% (低保/返贫致贫) = 250.00") !=
          std::string::npos);
    CHECK(text.find("band [7,500.00, 107,500.00) 32,125.00 × 65% (from 60%) = 20,881.25") != std::string::npos);
    CHECK(text.find("band [0.00, ∞) 34,368.75 × 70% = 24,058.125") != std::string::npos);
    CHECK(text.find("segmented sum 24,058.125 → 24,058.13") != std::string::npos);
}
