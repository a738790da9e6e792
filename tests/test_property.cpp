// Thousands of random claims through the engine (decoded from JSON text, like
// the CLI), checked two ways on every claim: the invariants of spec §8, and
// agreement to the fen with bench/handwritten_demo_city.hpp, an independent
// straight-line implementation of the spec.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include "../bench/handwritten_demo_city.hpp"
#include "claimgraph/claimgraph.hpp"

using namespace claimgraph;

namespace {

struct Generated {
    std::string json;
    handwritten::Claim hw;
    std::string member, id, date;
};

std::string yuan(std::int64_t fen) { return fmt::format("{}.{:02}", fen / 100, fen % 100); }

class ClaimGen {
public:
    explicit ClaimGen(std::uint32_t seed) : rng_(seed) {}

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    bool chance(int percent) { return pick(100) < percent; }

    // Amounts spread over orders of magnitude, so thresholds, band edges and
    // caps are all crossed; often with odd fen so rounding is exercised.
    std::int64_t amount() {
        static const std::int64_t scales[] = {100, 10000, 100000, 1000000, 10000000, 40000000};
        const std::int64_t top = scales[pick(6)];
        std::int64_t v = std::uniform_int_distribution<std::int64_t>(1, top)(rng_);
        if (chance(30)) v -= v % 100;  // whole yuan
        return v;
    }

    Generated claim(const std::string& member, const std::string& id, const std::string& date) {
        Generated g;
        g.member = member;
        g.id = id;
        g.date = date;
        auto& c = g.hw;
        c.resident = chance(55);
        c.hosp_lv = 1 + pick(3);
        c.region = pick(3);
        c.referred = chance(40);
        c.emergency = chance(15);
        c.retired = !c.resident && chance(40);
        static const char* tag_names[] = {"tekun", "dibao", "fanpin", "dibian"};
        std::string tags;
        if (chance(45)) {
            for (int t = 0; t < 4; ++t) {
                if (chance(30)) {
                    c.tags |= 1u << t;
                    tags += fmt::format("{}\"{}\"", tags.empty() ? "" : ",", tag_names[t]);
                }
            }
        }
        c.hmb_enrolled = chance(40);
        c.hmb_preexisting = chance(25);
        std::string items;
        const int n = 1 + pick(chance(10) ? 40 : 8);
        for (int i = 0; i < n; ++i) {
            handwritten::Item it;
            it.category = "AABBC"[pick(5)];
            it.amount = amount();
            std::string extra;
            if (it.category == 'B' && chance(50)) {
                static const std::int64_t props[] = {0, 500, 1000, 1500, 2000, 3000, 10000, 3333};
                it.selfpay_bp = props[pick(8)];
                extra += fmt::format(",\"selfpay_prop\":{}", it.selfpay_bp);
            }
            if (chance(25)) {
                it.qty = 1 + pick(5);
                it.has_cap = it.category != 'C';
                it.price_cap = std::max<std::int64_t>(1, it.amount / it.qty - 50 + pick(100) * (chance(50) ? 1 : 100));
                extra += fmt::format(",\"qty\":{},\"price_cap\":{}", it.qty, yuan(it.price_cap));
            }
            items += fmt::format("{}{{\"code\":\"X{}\",\"category\":\"{}\",\"amount\":{}{}}}", i ? "," : "", i,
                                 it.category, yuan(it.amount), extra);
            c.items.push_back(it);
        }
        static const char* regions[] = {"local", "in_province", "out_of_province"};
        g.json = fmt::format(
            "{{\"claim_id\":\"{}\",\"member_id\":\"{}\",\"date\":\"{}\",\"insutype\":\"{}\",\"med_type\":\"inpatient\","
            "\"hosp_lv\":{},\"region\":\"{}\",\"referred\":{},\"emergency\":{},\"retired\":{},\"tags\":[{}],"
            "\"hmb_enrolled\":{},\"hmb_preexisting\":{},\"items\":[{}]}}",
            id, member, date, c.resident ? "resident" : "employee", c.hosp_lv, regions[c.region], c.referred,
            c.emergency, c.retired, tags, c.hmb_enrolled, c.hmb_preexisting, items);
        return g;
    }

private:
    std::mt19937 rng_;
};

}  // namespace

TEST_CASE("Random claims: spec invariants hold and the engine agrees with a hand-written settlement", "[property]") {
    const Graph g = compile_policy_file(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
    ClaimGen gen(20261122);
    std::vector<Generated> claims;
    for (int m = 0; m < 3000; ++m) {
        const std::string member = fmt::format("M{:04}", m);
        const int n = 1 + gen.pick(8);
        for (int k = 0; k < n; ++k) {
            // Dates around a year end, several on one day, so ordering and the
            // yearly reset are exercised.
            const int year = gen.chance(70) ? 2026 : 2027;
            const std::string date = fmt::format("{}-{:02}-{:02}", year, 1 + gen.pick(12), 1 + gen.pick(28));
            claims.push_back(gen.claim(member, fmt::format("{}-{}", member, k), date));
        }
    }
    std::string text;
    for (const auto& c : claims) text += c.json + "\n";
    const auto records = read_claims_jsonl(g, text);
    REQUIRE(records.size() == claims.size());

    // Settlement order: member, then (date, claim_id).
    std::vector<std::size_t> order(claims.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::tie(claims[a].member, claims[a].date, claims[a].id) <
               std::tie(claims[b].member, claims[b].date, claims[b].id);
    });

    MemoryLedger ledger;
    std::map<std::pair<std::string, int>, handwritten::Accumulators> hw_acc;
    const auto& names = g.output_names();
    REQUIRE(names.size() == 12);
    const auto idx = [&](const char* n) {
        return static_cast<std::size_t>(std::find(names.begin(), names.end(), n) - names.begin());
    };
    const std::size_t medfee = idx("medfee_sumamt"), fund = idx("fund_pay_sumamt"), psn = idx("psn_part_amt"),
                      own = idx("fulamt_ownpay_amt"), over = idx("overlmt_selfpay"), pre = idx("preselfpay_amt"),
                      inscp = idx("inscp_scp_amt"), hifp = idx("hifp_pay"), hifmi = idx("hifmi_pay"),
                      maf = idx("maf_pay"), oth = idx("oth_pay");
    std::size_t checked = 0, capped = 0, straddled = 0;
    for (std::size_t i : order) {
        const auto& r = records[i];
        INFO("claim " << claims[i].json);
        REQUIRE(r.ok);
        const int year = r.claim.date.year();
        std::vector<std::int64_t> before(g.accumulator_names().size());
        for (std::size_t a = 0; a < before.size(); ++a)
            before[a] = ledger.get(r.claim.member_id, static_cast<std::uint32_t>(a), year);

        const Settlement s = g.settle(r.claim, ledger);
        REQUIRE(s.status == SettleStatus::settled);
        const auto& o = s.outputs;

        // §8 invariants.
        for (const Money& m : o) CHECK(m.fen() >= 0);
        CHECK(o[fund] + o[psn] == o[medfee]);
        CHECK(o[own] + o[over] + o[pre] + o[inscp] == o[medfee]);
        CHECK(o[fund] == o[hifp] + o[hifmi] + o[maf] + o[oth]);
        for (const auto& st : s.stages) {
            CHECK(st.pay <= st.base);
            CHECK(st.pay <= st.raw);
            CHECK(st.deductible <= st.base);
        }
        for (std::size_t a = 0; a < before.size(); ++a)
            CHECK(ledger.get(r.claim.member_id, static_cast<std::uint32_t>(a), year) >= before[a]);

        // Agreement with the hand-written settlement, every field.
        const auto want = handwritten::settle(claims[i].hw, hw_acc[{claims[i].member, year}]);
        static const char* order_names[] = {"medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
                                            "inscp_scp_amt", "act_pay_dedc",      "hifp_pay",        "hifmi_pay",
                                            "maf_pay",       "oth_pay",           "fund_pay_sumamt", "psn_part_amt"};
        for (int f = 0; f < 12; ++f) {
            INFO("field " << order_names[f]);
            CHECK(o[idx(order_names[f])].fen() == want[f]);
        }
        capped += s.stages[0].pay < s.stages[0].raw;
        straddled += s.stages[1].pay.fen() > 0 && s.stages[1].deductible.fen() > 0;
        ++checked;
    }
    CHECK(checked == claims.size());
    CHECK(checked > 10000);
    // The corpus must actually reach the interesting regions.
    CHECK(capped > 10);
    CHECK(straddled > 10);
}
