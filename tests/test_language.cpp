// The policy language, one construct at a time: each test compiles a minimal
// inline policy and settles hand-built claims on a MemoryLedger. Every amount
// asserted below was worked out by hand; the arithmetic is in the comments.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "claimgraph/claimgraph.hpp"

using namespace claimgraph;

namespace {

// Compiles or fails the test with every diagnostic.
Graph compile(const std::string& yaml) {
    try {
        return compile_policy_text(yaml, "<language-test>");
    } catch (const CompileError& e) {
        std::string all;
        for (const auto& d : e.diagnostics()) all += d.str() + "\n";
        FAIL("policy did not compile:\n" << all << "\n--- policy ---\n" << yaml);
        throw;
    }
}

// "12.34" yuan → fen, through the exact decimal parser.
std::int64_t fen(std::string_view yuan) {
    const auto m = parse_money(yuan, true);
    REQUIRE(m.status == ParseStatus::ok);
    return m.value.fen();
}

std::size_t index_of(const std::vector<std::string>& names, std::string_view name) {
    const auto it = std::find(names.begin(), names.end(), name);
    REQUIRE(it != names.end());
    return static_cast<std::size_t>(it - names.begin());
}

// An output of a settled claim, in fen.
std::int64_t out(const Graph& g, const Settlement& s, std::string_view name) {
    INFO("claim " << s.claim_id << " status " << static_cast<int>(s.status) << " message " << s.message);
    REQUIRE(s.status == SettleStatus::settled);
    REQUIRE(s.outputs.size() == g.output_names().size());
    return s.outputs[index_of(g.output_names(), name)].fen();
}

const StageResult& stage(const Graph& g, const Settlement& s, std::string_view id) {
    REQUIRE(s.stages.size() == g.stage_ids().size());
    return s.stages[index_of(g.stage_ids(), id)];
}

std::uint32_t acc(const Graph& g, std::string_view name) {
    return static_cast<std::uint32_t>(index_of(g.accumulator_names(), name));
}

// Every test policy starts like this.
const std::string kHead = "claimgraph: 1\npolicy: {id: language-test}\n";

// A claim with only an amount (for policies whose claim has `amount: money`).
Claim amount_claim(const Graph& g, const std::string& id, const std::string& amount,
                   const std::string& date = "2026-03-01", const std::string& member = "M1") {
    return ClaimBuilder(g.schema()).id(id, member, date).set("amount", std::string_view(amount)).build();
}

}  // namespace

// ---------------------------------------------------------------- fee lines

TEST_CASE("fee-line values: A/B/C split, B self-pay rounded per line, price cap x qty", "[language]") {
    const Graph g = compile(kHead + R"(
enums:
  category: [A, B, C]
claim:
  items:
    category: category
    amount: money
    selfpay_prop: {type: ratio, default: 10%}
    qty: {type: count, default: 1, min: 1}
    price_cap: {type: money, optional: true}
lines:
  overlmt: if(item.category != C and present(item.price_cap), max(0, item.amount - item.price_cap * item.qty), 0)
  fulamt: if(item.category == C, item.amount, 0)
  preselfpay: if(item.category == B, (item.amount - item.overlmt) * item.selfpay_prop, 0)
  inscp: item.amount - item.fulamt - item.overlmt - item.preselfpay
stages:
  - id: s
    base: sum(item.inscp)
    bands: [{from: 0, ratio: 100%}]
outputs:
  medfee: sum(item.amount)
  overlmt: sum(item.overlmt)
  fulamt: sum(item.fulamt)
  preselfpay: sum(item.preselfpay)
  inscp: sum(item.inscp)
)");
    ClaimBuilder b(g.schema());
    b.id("L1", "M1", "2026-03-01");
    // 1. A 1000.00, no cap:                          inscp 1000.00
    b.add_item().item_set("category", "A").item_set("amount", "1000");
    // 2. B 100.05 at the default 10%: 10.005 → 10.01; inscp 90.04
    b.add_item().item_set("category", "B").item_set("amount", "100.05");
    // 3. B 33.33 at 15%: 4.9995 → 5.00;               inscp 28.33
    b.add_item().item_set("category", "B").item_set("amount", "33.33").item_set("selfpay_prop", std::int64_t{1500});
    // 4. B 0.15 at 10%: 0.015 → 0.02;                  inscp 0.13
    b.add_item().item_set("category", "B").item_set("amount", "0.15");
    // 5. C 300 with a cap of 100: the cap is ignored on C; fulamt 300
    b.add_item().item_set("category", "C").item_set("amount", "300").item_set("price_cap", "100");
    // 6. A 1200, qty 10 × cap 100 = 1000: overlmt 200; inscp 1000
    b.add_item().item_set("category", "A").item_set("amount", "1200").item_set("qty", std::int64_t{10}).item_set(
        "price_cap", "100");
    // 7. B 900, qty 3 × cap 250 = 750: overlmt 150; self-pay 750 × 10% = 75; inscp 675
    b.add_item().item_set("category", "B").item_set("amount", "900").item_set("qty", std::int64_t{3}).item_set(
        "price_cap", "250");
    // 8. B 500, qty 2 × cap 300 = 600 > 500: overlmt 0; self-pay 50; inscp 450
    b.add_item().item_set("category", "B").item_set("amount", "500").item_set("qty", std::int64_t{2}).item_set(
        "price_cap", "300");
    MemoryLedger ledger;
    const Settlement s = g.settle(b.build(), ledger);
    // medfee 1000 + 100.05 + 33.33 + 0.15 + 300 + 1200 + 900 + 500 = 4033.53
    CHECK(out(g, s, "medfee") == fen("4033.53"));
    CHECK(out(g, s, "overlmt") == fen("350.00"));  // 200 + 150
    CHECK(out(g, s, "fulamt") == fen("300.00"));
    // per line: 10.01 + 5.00 + 0.02 + 75 + 50 = 140.03 (rounded once over the claim it would be 140.02)
    CHECK(out(g, s, "preselfpay") == fen("140.03"));
    // 1000 + 90.04 + 28.33 + 0.13 + 0 + 1000 + 675 + 450 = 3243.50
    CHECK(out(g, s, "inscp") == fen("3243.50"));
    CHECK(stage(g, s, "s").pay.fen() == fen("3243.50"));
}

TEST_CASE("fee-line values: a per-day bed-fee limit", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  items:
    kind: {type: enum, values: [bed, drug]}
    amount: money
    days: {type: count, default: 1, min: 1}
define:
  bed_limit: {type: money, value: 80}
lines:
  bed_over: if(item.kind == bed, max(0, item.amount - bed_limit * item.days), 0)
stages:
  - id: s
    base: sum(item.amount) - sum(item.bed_over)
    bands: [{from: 0, ratio: 100%}]
outputs:
  bed_over: sum(item.bed_over)
  pay: s.pay
)");
    ClaimBuilder b(g.schema());
    b.id("BED", "M1", "2026-03-01");
    b.add_item().item_set("kind", "bed").item_set("amount", "500").item_set("days", std::int64_t{5});  // 500 - 400 = 100
    b.add_item().item_set("kind", "bed").item_set("amount", "150").item_set("days", std::int64_t{2});  // under 160: 0
    b.add_item().item_set("kind", "drug").item_set("amount", "300");                                  // not a bed: 0
    b.add_item().item_set("kind", "bed").item_set("amount", "80");     // exactly the limit: 0
    b.add_item().item_set("kind", "bed").item_set("amount", "80.01");  // 0.01 over
    MemoryLedger ledger;
    const Settlement s = g.settle(b.build(), ledger);
    CHECK(out(g, s, "bed_over") == fen("100.01"));
    // 500 + 150 + 300 + 80 + 80.01 = 1110.01, minus 100.01 = 1010.00
    CHECK(out(g, s, "pay") == fen("1010.00"));
}

// ---------------------------------------------------------------- fields

TEST_CASE("fields: defaults, optional fields and present()", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    extra: {type: money, optional: true}
    bonus: {type: money, default: 12.5}
    rate: {type: ratio, default: 50%}
    visits: {type: count, default: 2}
stages:
  - id: s
    base: claim.bonus
    bands: [{from: 0, ratio: 100%}]
outputs:
  extra_or_7: if(present(claim.extra), claim.extra, 7)
  extra_raw: claim.extra
  bonus: claim.bonus
  bonus_rate: claim.bonus * claim.rate
  bonus_visits: claim.bonus * claim.visits
)");
    MemoryLedger ledger;
    SECTION("all defaults, the optional field absent") {
        const Settlement s = g.settle(ClaimBuilder(g.schema()).id("F1", "M1", "2026-01-01").build(), ledger);
        CHECK(out(g, s, "extra_or_7") == fen("7"));
        CHECK(out(g, s, "extra_raw") == 0);  // an absent optional money field reads 0
        CHECK(out(g, s, "bonus") == fen("12.50"));
        CHECK(out(g, s, "bonus_rate") == fen("6.25"));    // 12.50 × 50%
        CHECK(out(g, s, "bonus_visits") == fen("25.00"));  // 12.50 × 2
    }
    SECTION("everything given") {
        const Claim c = ClaimBuilder(g.schema())
                            .id("F2", "M1", "2026-01-01")
                            .set("extra", "3.21")
                            .set("bonus", "20")
                            .set("rate", std::int64_t{2500})
                            .set("visits", std::int64_t{3})
                            .build();
        const Settlement s = g.settle(c, ledger);
        CHECK(out(g, s, "extra_or_7") == fen("3.21"));
        CHECK(out(g, s, "extra_raw") == fen("3.21"));
        CHECK(out(g, s, "bonus") == fen("20"));
        CHECK(out(g, s, "bonus_rate") == fen("5.00"));     // 20 × 25%
        CHECK(out(g, s, "bonus_visits") == fen("60.00"));  // 20 × 3
    }
    SECTION("an optional field given as zero is still present") {
        const Settlement s =
            g.settle(ClaimBuilder(g.schema()).id("F3", "M1", "2026-01-01").set("extra", "0").build(), ledger);
        CHECK(out(g, s, "extra_or_7") == 0);
    }
}

// ---------------------------------------------------------------- tables

TEST_CASE("tables: one key, two keys and default", "[language]") {
    const Graph g = compile(kHead + R"(
enums:
  lv: [1, 2, 3]
  kind: [employee, resident, other]
claim:
  fields:
    lv: lv
    kind: kind
    amount: money
tables:
  one:
    keys: [lv]
    type: money
    rows: {1: 100, default: 300}
  two:
    keys: [kind, lv]
    type: ratio
    rows:
      employee: {1: 90%, 2: 85%, default: 80%}
      resident: {3: 60%, default: 70%}
      default: {default: 50%}
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
outputs:
  one: one[claim.lv]
  two: claim.amount * two[claim.kind, claim.lv]
  lit: one[2] + one[1]
)");
    MemoryLedger ledger;
    struct Case { const char* kind; const char* lv; const char* one; const char* two; };
    // amount 1000 × the ratio from `two`
    const Case cases[] = {
        {"employee", "1", "100", "900"},  // explicit cells
        {"employee", "2", "300", "850"},
        {"employee", "3", "300", "800"},  // employee.default
        {"resident", "3", "300", "600"},  // explicit beats the row's default
        {"resident", "1", "100", "700"},  // resident.default
        {"other", "2", "300", "500"},     // default.default
    };
    for (const auto& c : cases) {
        const Claim cl = ClaimBuilder(g.schema())
                             .id(std::string("T-") + c.kind + c.lv, "M1", "2026-01-01")
                             .set("kind", c.kind)
                             .set("lv", c.lv)
                             .set("amount", "1000")
                             .build();
        const Settlement s = g.settle(cl, ledger);
        INFO(c.kind << " " << c.lv);
        CHECK(out(g, s, "one") == fen(c.one));
        CHECK(out(g, s, "two") == fen(c.two));
        CHECK(out(g, s, "lit") == fen("400"));  // one[2] = 300 (default) + one[1] = 100
    }
}

// ---------------------------------------------------------------- enums, in, tags

TEST_CASE("enums: labels (numeric ones too), ordering by declaration, in (...)", "[language]") {
    const Graph g = compile(kHead + R"(
enums:
  hosp_lv: [1, 2, 3]
  grade: [30, 10, 20]
  region: [local, in_province, out_of_province]
claim:
  fields:
    hosp_lv: hosp_lv
    grade: grade
    region: region
stages:
  - id: s
    base: 0
    bands: [{from: 0, ratio: 100%}]
outputs:
  lv_eq3: if(claim.hosp_lv == 3, 1, 0)
  lv_ge2: if(claim.hosp_lv >= 2, 1, 0)
  lv_lt2: if(claim.hosp_lv < 2, 1, 0)
  lv_in13: if(claim.hosp_lv in (1, 3), 1, 0)
  grade_eq20: if(claim.grade == 20, 1, 0)
  grade_gt10: if(claim.grade > 10, 1, 0)
  region_away: if(claim.region in (in_province, out_of_province), 1, 0)
  region_ne: if(claim.region != local, 1, 0)
  region_le: if(claim.region <= in_province, 1, 0)
)");
    MemoryLedger ledger;
    auto settle = [&](const char* lv, const char* grade, const char* region) {
        return g.settle(ClaimBuilder(g.schema())
                            .id("E", "M1", "2026-01-01")
                            .set("hosp_lv", lv)
                            .set("grade", grade)
                            .set("region", region)
                            .build(),
                        ledger);
    };
    const std::int64_t yes = fen("1"), no = 0;
    SECTION("level 3, grade 30 (declared first), out of province") {
        const auto s = settle("3", "30", "out_of_province");
        CHECK(out(g, s, "lv_eq3") == yes);  // the label 3, not the index 3
        CHECK(out(g, s, "lv_ge2") == yes);
        CHECK(out(g, s, "lv_lt2") == no);
        CHECK(out(g, s, "lv_in13") == yes);
        CHECK(out(g, s, "grade_eq20") == no);
        CHECK(out(g, s, "grade_gt10") == no);  // 30 is declared before 10: ordering follows the declaration
        CHECK(out(g, s, "region_away") == yes);
        CHECK(out(g, s, "region_ne") == yes);
        CHECK(out(g, s, "region_le") == no);
    }
    SECTION("level 2, grade 20, in province") {
        const auto s = settle("2", "20", "in_province");
        CHECK(out(g, s, "lv_eq3") == no);
        CHECK(out(g, s, "lv_ge2") == yes);
        CHECK(out(g, s, "lv_lt2") == no);
        CHECK(out(g, s, "lv_in13") == no);
        CHECK(out(g, s, "grade_eq20") == yes);
        CHECK(out(g, s, "grade_gt10") == yes);  // 20 is declared after 10
        CHECK(out(g, s, "region_away") == yes);
        CHECK(out(g, s, "region_le") == yes);
    }
    SECTION("level 1, grade 10, local") {
        const auto s = settle("1", "10", "local");
        CHECK(out(g, s, "lv_eq3") == no);
        CHECK(out(g, s, "lv_ge2") == no);
        CHECK(out(g, s, "lv_lt2") == yes);
        CHECK(out(g, s, "lv_in13") == yes);
        CHECK(out(g, s, "grade_gt10") == no);
        CHECK(out(g, s, "region_away") == no);
        CHECK(out(g, s, "region_ne") == no);
        CHECK(out(g, s, "region_le") == yes);
    }
}

TEST_CASE("tags: has, has any, has all", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    tags: {type: tags, values: [a, b, c]}
stages:
  - id: s
    base: 0
    bands: [{from: 0, ratio: 100%}]
outputs:
  has_a: if(claim.tags has a, 1, 0)
  any_bc: if(claim.tags has any(b, c), 1, 0)
  all_ab: if(claim.tags has all(a, b), 1, 0)
  not_c: if(not (claim.tags has c), 1, 0)
)");
    MemoryLedger ledger;
    struct Case { std::vector<std::string> tags; int has_a, any_bc, all_ab, not_c; };
    const Case cases[] = {
        {{}, 0, 0, 0, 1},
        {{"a"}, 1, 0, 0, 1},
        {{"c"}, 0, 1, 0, 0},
        {{"b", "c"}, 0, 1, 0, 0},
        {{"a", "b"}, 1, 1, 1, 1},
        {{"c", "b", "a"}, 1, 1, 1, 0},
    };
    for (const auto& c : cases) {
        const Settlement s =
            g.settle(ClaimBuilder(g.schema()).id("TG", "M1", "2026-01-01").set_tags("tags", c.tags).build(), ledger);
        INFO("tags: " << c.tags.size());
        CHECK(out(g, s, "has_a") == c.has_a * 100);
        CHECK(out(g, s, "any_bc") == c.any_bc * 100);
        CHECK(out(g, s, "all_ab") == c.all_ab * 100);
        CHECK(out(g, s, "not_c") == c.not_c * 100);
    }
}

// ---------------------------------------------------------------- functions and arithmetic

TEST_CASE("functions: if, min, max, round", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    x: money
    y: money
stages:
  - id: s
    base: 0
    bands: [{from: 0, ratio: 100%}]
outputs:
  mn: min(claim.x, claim.y, 5)
  mx: max(claim.x, claim.y)
  diff: if(claim.x > claim.y, claim.x - claim.y, 0)
  round_each: round(claim.x * 50%) + round(claim.y * 50%)
  round_once: claim.x * 50% + claim.y * 50%
  round_one: round(claim.x * 33%)
)");
    MemoryLedger ledger;
    auto settle = [&](const char* x, const char* y) {
        return g.settle(ClaimBuilder(g.schema()).id("FN", "M1", "2026-01-01").set("x", x).set("y", y).build(), ledger);
    };
    SECTION("x = 0.01, y = 0.01") {
        const auto s = settle("0.01", "0.01");
        CHECK(out(g, s, "mn") == 1);
        CHECK(out(g, s, "mx") == 1);
        CHECK(out(g, s, "diff") == 0);
        CHECK(out(g, s, "round_each") == 2);  // 0.005 → 0.01, twice
        CHECK(out(g, s, "round_once") == 1);  // 0.01 exact
        CHECK(out(g, s, "round_one") == 0);   // 0.0033 → 0.00
    }
    SECTION("x = 10.05, y = 3") {
        const auto s = settle("10.05", "3");
        CHECK(out(g, s, "mn") == fen("3"));
        CHECK(out(g, s, "mx") == fen("10.05"));
        CHECK(out(g, s, "diff") == fen("7.05"));
        CHECK(out(g, s, "round_each") == fen("6.53"));  // 5.025 → 5.03, + 1.50
        CHECK(out(g, s, "round_once") == fen("6.53"));  // 6.525 → 6.53
        CHECK(out(g, s, "round_one") == fen("3.32"));   // 3.3165 → 3.32
    }
    SECTION("x = 20, y = 30: the literal 5 is the minimum") {
        const auto s = settle("20", "30");
        CHECK(out(g, s, "mn") == fen("5"));
        CHECK(out(g, s, "mx") == fen("30"));
        CHECK(out(g, s, "diff") == 0);
    }
}

TEST_CASE("arithmetic: money x ratio x ratio is exact and rounded once", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    x: money
stages:
  - id: s
    base: 0
    bands: [{from: 0, ratio: 100%}]
outputs:
  twice: claim.x * 50% * 50%
  grouped: claim.x * (50% * 50%)
  times3: claim.x * 30% * 3
  rounded_first: round(claim.x * 30%) * 3
  bp: claim.x * 1bp
  minus: claim.x - claim.x * 12.5%
)");
    MemoryLedger ledger;
    auto settle = [&](const char* x) {
        return g.settle(ClaimBuilder(g.schema()).id("AR", "M1", "2026-01-01").set("x", x).build(), ledger);
    };
    SECTION("333.33") {
        const auto s = settle("333.33");
        CHECK(out(g, s, "twice") == fen("83.33"));    // 83.3325 (rounding 166.665 first would give 83.34)
        CHECK(out(g, s, "grouped") == fen("83.33"));
        CHECK(out(g, s, "times3") == fen("300.00"));  // 99.999 × 3 = 299.997 → 300.00
        CHECK(out(g, s, "rounded_first") == fen("300.00"));  // 100.00 × 3
        CHECK(out(g, s, "bp") == fen("0.03"));        // 0.033333
        CHECK(out(g, s, "minus") == fen("291.66"));   // 333.33 - 41.66625 = 291.66375
    }
    SECTION("0.01") {
        const auto s = settle("0.01");
        CHECK(out(g, s, "twice") == 0);          // 0.0025 (0.005 → 0.01 → 0.005 → 0.01 if rounded per step)
        CHECK(out(g, s, "times3") == 1);         // 0.009 → 0.01
        CHECK(out(g, s, "rounded_first") == 0);  // round(0.003) = 0
    }
    SECTION("1.01") {
        const auto s = settle("1.01");
        CHECK(out(g, s, "twice") == fen("0.25"));  // 0.2525
        CHECK(out(g, s, "minus") == fen("0.88"));  // 1.01 - 0.12625 = 0.88375
    }
}

// ---------------------------------------------------------------- definitions

TEST_CASE("definitions and first: choices", "[language]") {
    const Graph g = compile(kHead + R"(
enums:
  cls: [gold, silver, none]
claim:
  fields:
    tags: {type: tags, values: [vip, member]}
    amount: money
define:
  base_amt: claim.amount
  cls:
    label: membership class
    type: cls
    first:
      - {when: claim.tags has vip, value: gold}
      - {when: claim.tags has member, value: silver}
    otherwise: none
  rate:
    type: ratio
    first:
      - {when: cls == gold, value: 90%}
      - {when: cls == silver, value: 60%}
    otherwise: 10%
  payable: base_amt * rate
stages:
  - id: s
    base: payable
    bands: [{from: 0, ratio: 100%}]
outputs:
  pay: s.pay
  is_gold: if(cls == gold, 1, 0)
)");
    MemoryLedger ledger;
    auto settle = [&](std::vector<std::string> tags, const char* amount) {
        return g.settle(
            ClaimBuilder(g.schema()).id("D", "M1", "2026-01-01").set_tags("tags", tags).set("amount", amount).build(),
            ledger);
    };
    // the first matching case wins: vip before member
    CHECK(out(g, settle({"member", "vip"}, "100"), "pay") == fen("90"));
    CHECK(out(g, settle({"member", "vip"}, "100"), "is_gold") == fen("1"));
    CHECK(out(g, settle({"member"}, "100"), "pay") == fen("60"));
    CHECK(out(g, settle({}, "100"), "pay") == fen("10"));
    CHECK(out(g, settle({}, "100"), "is_gold") == 0);
    // a money definition is rounded where it is defined: 0.05 × 10% = 0.005 → 0.01
    CHECK(out(g, settle({}, "0.05"), "pay") == 1);
}

// ---------------------------------------------------------------- stages

TEST_CASE("stage when: a stage that does not apply pays nothing", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
    eligible: bool
stages:
  - id: s
    when: claim.eligible
    base: claim.amount
    bands: [{from: 0, ratio: 80%}]
outputs:
  pay: s.pay
  base: s.base
  applied: if(s.applies, 1, 0)
)");
    MemoryLedger ledger;
    auto settle = [&](bool eligible) {
        return g.settle(ClaimBuilder(g.schema())
                            .id("W", "M1", "2026-01-01")
                            .set("amount", "1000")
                            .set("eligible", eligible ? "true" : "false")
                            .build(),
                        ledger);
    };
    const auto yes = settle(true);
    CHECK(out(g, yes, "pay") == fen("800"));
    CHECK(out(g, yes, "base") == fen("1000"));
    CHECK(out(g, yes, "applied") == fen("1"));
    CHECK(stage(g, yes, "s").applied);
    const auto no = settle(false);
    CHECK(out(g, no, "pay") == 0);
    CHECK(out(g, no, "base") == 0);
    CHECK(out(g, no, "applied") == 0);
    CHECK_FALSE(stage(g, no, "s").applied);
    CHECK(stage(g, no, "s").pay.fen() == 0);
}

TEST_CASE("deductible: per-claim, with multipliers multiplied then rounded once", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
    ded: money
    m1: bool
    m2: bool
    waived: bool
stages:
  - id: s
    base: claim.amount
    deductible:
      label: per-claim deductible
      amount: claim.ded
      multipliers:
        - {when: claim.m1, ratio: 50%}
        - {when: claim.m2, ratio: 50%}
        - {when: claim.waived, ratio: 0%}
    bands: [{from: 0, ratio: 100%}]
outputs:
  ded: s.deductible
  pay: s.pay
)");
    MemoryLedger ledger;
    auto settle = [&](const char* amount, bool m1, bool m2, bool waived) {
        return g.settle(ClaimBuilder(g.schema())
                            .id("DED", "M1", "2026-01-01")
                            .set("amount", amount)
                            .set("ded", "333.33")
                            .set("m1", m1 ? "true" : "false")
                            .set("m2", m2 ? "true" : "false")
                            .set("waived", waived ? "true" : "false")
                            .build(),
                        ledger);
    };
    SECTION("no multiplier: 333.33") {
        const auto s = settle("1000", false, false, false);
        CHECK(out(g, s, "ded") == fen("333.33"));
        CHECK(out(g, s, "pay") == fen("666.67"));
    }
    SECTION("one: 333.33 × 50% = 166.665 → 166.67") {
        const auto s = settle("1000", true, false, false);
        CHECK(out(g, s, "ded") == fen("166.67"));
        CHECK(out(g, s, "pay") == fen("833.33"));
    }
    SECTION("two: 333.33 × 50% × 50% = 83.3325 → 83.33 (not 83.34 from rounding 166.665 first)") {
        const auto s = settle("1000", true, true, false);
        CHECK(out(g, s, "ded") == fen("83.33"));
        CHECK(out(g, s, "pay") == fen("916.67"));
    }
    SECTION("waived: × 0%") {
        const auto s = settle("1000", true, true, true);
        CHECK(out(g, s, "ded") == 0);
        CHECK(out(g, s, "pay") == fen("1000"));
    }
    SECTION("a base below the deductible: only the base is deducted") {
        const auto s = settle("50", true, true, false);
        CHECK(out(g, s, "ded") == fen("50"));  // the part of the base below the threshold
        CHECK(out(g, s, "pay") == 0);
    }
}

TEST_CASE("deductible: a cumulative threshold straddled across two claims", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
accumulators:
  base_ytd: money
stages:
  - id: s
    base: claim.amount
    deductible:
      amount: 1000
      cumulative: acc.base_ytd
    bands: [{from: 0, ratio: 50%}]
    update:
      base_ytd: base
outputs:
  ded: s.deductible
  pay: s.pay
)");
    MemoryLedger ledger;
    // claim 1: 600, all of it below the 1000 threshold
    const auto s1 = g.settle(amount_claim(g, "C1", "600", "2026-02-01"), ledger);
    CHECK(out(g, s1, "ded") == fen("600"));
    CHECK(out(g, s1, "pay") == 0);
    CHECK(ledger.get("M1", acc(g, "base_ytd"), 2026) == fen("600"));
    // claim 2: 1000 on [600, 1600): 400 below the threshold, 600 × 50% = 300 above it
    const auto s2 = g.settle(amount_claim(g, "C2", "1000", "2026-03-01"), ledger);
    CHECK(out(g, s2, "ded") == fen("400"));
    CHECK(out(g, s2, "pay") == fen("300"));
    CHECK(ledger.get("M1", acc(g, "base_ytd"), 2026) == fen("1600"));
    // claim 3: 200, the threshold is met: 100
    const auto s3 = g.settle(amount_claim(g, "C3", "200", "2026-04-01"), ledger);
    CHECK(out(g, s3, "ded") == 0);
    CHECK(out(g, s3, "pay") == fen("100"));
    // another member starts from zero
    const auto other = g.settle(amount_claim(g, "C4", "1200", "2026-04-01", "M2"), ledger);
    CHECK(out(g, other, "ded") == fen("1000"));
    CHECK(out(g, other, "pay") == fen("100"));
    // the next year starts from zero again
    const auto next = g.settle(amount_claim(g, "C5", "1200", "2027-01-01"), ledger);
    CHECK(out(g, next, "ded") == fen("1000"));
    CHECK(out(g, next, "pay") == fen("100"));
}

TEST_CASE("bands: segmented bands straddled in one claim", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
accumulators:
  base_ytd: money
stages:
  - id: per_claim
    base: claim.amount
    deductible: {amount: 200}
    bands:
      - {from: 0, to: 1000, ratio: 50%}
      - {from: 1000, to: 3000, ratio: 80%}
      - {from: 3000, ratio: 90%}
  - id: yearly
    base: claim.amount
    deductible: {amount: 100, cumulative: acc.base_ytd}
    bands:
      - {from: 0, to: 1000, ratio: 50%}
      - {from: 1000, ratio: 100%}
    update: {base_ytd: base}
outputs:
  per_claim: per_claim.pay
  yearly: yearly.pay
)");
    MemoryLedger ledger;
    // per claim: 5000 - 200 = 4800 = 1000 × 50% + 2000 × 80% + 1800 × 90% = 500 + 1600 + 1620 = 3720
    // yearly: 100 deducted; 4900 above: 1000 × 50% + 3900 × 100% = 4400
    const auto a = g.settle(amount_claim(g, "B1", "5000", "2026-01-01", "MA"), ledger);
    CHECK(out(g, a, "per_claim") == fen("3720"));
    CHECK(out(g, a, "yearly") == fen("4400"));
    // per claim: 1100.01 - 200 = 900.01 × 50% = 450.005 → 450.01
    const auto b = g.settle(amount_claim(g, "B2", "1100.01", "2026-01-01", "MB"), ledger);
    CHECK(out(g, b, "per_claim") == fen("450.01"));
    // exactly at an edge: 1200 - 200 = 1000 all at 50%
    const auto c = g.settle(amount_claim(g, "B3", "1200", "2026-01-01", "MC"), ledger);
    CHECK(out(g, c, "per_claim") == fen("500"));
    // yearly, straddling across claims: 600 first (100 deducted, 500 × 50% = 250),
    // then 1000 on [600, 1600): relative to the threshold [500, 1500): 500 × 50% + 500 × 100% = 750
    const auto d1 = g.settle(amount_claim(g, "B4", "600", "2026-01-01", "MD"), ledger);
    CHECK(out(g, d1, "yearly") == fen("250"));
    const auto d2 = g.settle(amount_claim(g, "B5", "1000", "2026-02-01", "MD"), ledger);
    CHECK(out(g, d2, "yearly") == fen("750"));
}

TEST_CASE("bands: whole_amount with lower_inclusive and upper_inclusive edges", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
stages:
  - id: lower
    base: claim.amount
    bands:
      method: whole_amount
      edges: lower_inclusive
      list:
        - {from: 0, to: 1000, ratio: 50%}
        - {from: 1000, ratio: 80%}
  - id: upper
    base: claim.amount
    bands:
      method: whole_amount
      edges: upper_inclusive
      list:
        - {from: 0, to: 1000, ratio: 50%}
        - {from: 1000, ratio: 80%}
  - id: dflt
    base: claim.amount
    bands:
      method: whole_amount
      list:
        - {from: 0, to: 1000, ratio: 50%}
        - {from: 1000, ratio: 80%}
outputs:
  lower: lower.pay
  upper: upper.pay
  dflt: dflt.pay
)");
    MemoryLedger ledger;
    SECTION("exactly at the edge 1000") {
        const auto s = g.settle(amount_claim(g, "W1", "1000"), ledger);
        CHECK(out(g, s, "lower") == fen("800"));  // [1000, ∞) holds 1000: 80% of all of it
        CHECK(out(g, s, "upper") == fen("500"));  // (0, 1000] holds 1000: 50%
        CHECK(out(g, s, "dflt") == fen("800"));   // lower_inclusive is the default
    }
    SECTION("just below: 999.99") {
        const auto s = g.settle(amount_claim(g, "W2", "999.99"), ledger);
        CHECK(out(g, s, "lower") == fen("500"));  // 499.995 → 500.00
        CHECK(out(g, s, "upper") == fen("500"));
    }
    SECTION("just above: 1000.01") {
        const auto s = g.settle(amount_claim(g, "W3", "1000.01"), ledger);
        CHECK(out(g, s, "lower") == fen("800.01"));  // 800.008 → 800.01
        CHECK(out(g, s, "upper") == fen("800.01"));
    }
    SECTION("the bottom edge 0.01") {
        const auto s = g.settle(amount_claim(g, "W4", "0.01"), ledger);
        CHECK(out(g, s, "lower") == fen("0.01"));  // 0.005 → 0.01
        CHECK(out(g, s, "upper") == fen("0.01"));
    }
}

TEST_CASE("bands: choose with conditions", "[language]") {
    SECTION("every value covered, a choice without 'when' as the fallback") {
        const Graph g = compile(kHead + R"(
claim:
  fields:
    kind: {type: enum, values: [a, b, c]}
    amount: money
stages:
  - id: s
    base: claim.amount
    bands:
      choose:
        - when: claim.kind == a
          bands: [{from: 0, ratio: 70%}]
        - when: claim.kind == b
          bands:
            - {from: 0, to: 100, ratio: 40%}
            - {from: 100, ratio: 60%}
        - bands: [{from: 0, ratio: 10%}]
outputs:
  pay: s.pay
)");
        MemoryLedger ledger;
        auto settle = [&](const char* kind) {
            return g.settle(ClaimBuilder(g.schema()).id("CH", "M1", "2026-01-01").set("kind", kind).set("amount", "1000").build(),
                            ledger);
        };
        CHECK(out(g, settle("a"), "pay") == fen("700"));
        CHECK(out(g, settle("b"), "pay") == fen("580"));  // 100 × 40% + 900 × 60% = 40 + 540
        CHECK(out(g, settle("c"), "pay") == fen("100"));
    }
    SECTION("no choice matches: the claim is an error, not a silent zero") {
        const Graph g = compile(kHead + R"(
claim:
  fields:
    kind: {type: enum, values: [a, b, c]}
    amount: money
stages:
  - id: s
    base: claim.amount
    bands:
      choose:
        - when: claim.kind == a
          bands: [{from: 0, ratio: 70%}]
        - when: claim.kind == b
          bands: [{from: 0, ratio: 40%}]
outputs:
  pay: s.pay
)");
        MemoryLedger ledger;
        const auto s =
            g.settle(ClaimBuilder(g.schema()).id("CH", "M1", "2026-01-01").set("kind", "c").set("amount", "1000").build(),
                     ledger);
        CHECK(s.status == SettleStatus::error);
        CHECK_THAT(s.message, Catch::Matchers::Contains("no band choice matches"));
    }
}

TEST_CASE("adjustments: add and set in order, clamped to [0, 100%] or a custom clamp", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
    p1: bool
    p2: bool
    s: bool
    p3: bool
stages:
  - id: std
    base: claim.amount
    bands: [{from: 0, ratio: 80%}]
    adjustments:
      - {when: claim.p1, add: 15%}
      - {when: claim.p2, add: 15%}
      - {when: claim.s, set: 50%}
      - {when: claim.p3, add: -60%}
  - id: clamped
    base: claim.amount
    bands: [{from: 0, ratio: 80%}]
    adjustments:
      - {when: claim.p1, add: 15%}
      - {when: claim.p3, add: -70%}
    clamp: [20%, 90%]
outputs:
  std: std.pay
  clamped: clamped.pay
)");
    MemoryLedger ledger;
    auto settle = [&](bool p1, bool p2, bool s, bool p3) {
        auto b = [](bool v) { return v ? "true" : "false"; };
        return g.settle(ClaimBuilder(g.schema())
                            .id("ADJ", "M1", "2026-01-01")
                            .set("amount", "1000")
                            .set("p1", b(p1))
                            .set("p2", b(p2))
                            .set("s", b(s))
                            .set("p3", b(p3))
                            .build(),
                        ledger);
    };
    struct Case { bool p1, p2, s, p3; const char* std_pay; const char* clamped_pay; };
    const Case cases[] = {
        {false, false, false, false, "800", "800"},
        {true, false, false, false, "950", "900"},    // 95%; clamped at 90%
        {true, true, false, false, "1000", "900"},   // 110% → 100%
        {true, true, true, false, "500", "900"},     // set 50% after the adds
        {false, false, true, true, "0", "200"},      // 50% - 60% = -10% → 0%; 80% - 70% = 10% → 20%
        {true, false, false, true, "350", "250"},    // 80 + 15 - 60 = 35%; 80 + 15 - 70 = 25%
        {true, true, false, true, "500", "250"},     // 80 + 15 + 15 - 60 = 50%: clamped once, at the end
    };
    for (const auto& c : cases) {
        INFO(c.p1 << c.p2 << c.s << c.p3);
        const auto st = settle(c.p1, c.p2, c.s, c.p3);
        CHECK(out(g, st, "std") == fen(c.std_pay));
        CHECK(out(g, st, "clamped") == fen(c.clamped_pay));
    }
}

TEST_CASE("caps: per claim, annual on an accumulator, unless, when", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
    small: bool
    vip: bool
accumulators:
  paid: money
stages:
  - id: a
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
    caps:
      - {label: per claim, amount: 500}
      - {label: annual, amount: 800, used: acc.paid}
    update: {paid: pay}
  - id: b
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
    caps:
      - {amount: 100, when: claim.small}
      - {amount: 200, unless: claim.vip}
outputs:
  a: a.pay
  a_raw: a.raw
  b: b.pay
)");
    MemoryLedger ledger;
    auto settle = [&](const char* id, const char* amount, bool small, bool vip) {
        return g.settle(ClaimBuilder(g.schema())
                            .id(id, "M1", "2026-05-01")
                            .set("amount", amount)
                            .set("small", small ? "true" : "false")
                            .set("vip", vip ? "true" : "false")
                            .build(),
                        ledger);
    };
    const auto c1 = settle("K1", "600", false, true);
    CHECK(out(g, c1, "a_raw") == fen("600"));
    CHECK(out(g, c1, "a") == fen("500"));  // per-claim cap
    CHECK(out(g, c1, "b") == fen("600"));  // not small, vip: no cap applies
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == fen("500"));
    const auto c2 = settle("K2", "400", true, true);
    CHECK(out(g, c2, "a") == fen("300"));  // 800 - 500 left this year
    CHECK(out(g, c2, "b") == fen("100"));  // small
    const auto c3 = settle("K3", "100", false, false);
    CHECK(out(g, c3, "a") == 0);           // the annual cap is used up
    CHECK(out(g, c3, "b") == fen("100"));  // under the 200 cap that applies unless vip
    const auto c4 = settle("K4", "600", false, false);
    CHECK(out(g, c4, "b") == fen("200"));
    const auto c5 = settle("K5", "600", true, false);
    CHECK(out(g, c5, "b") == fen("100"));  // both caps: the lower wins
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == fen("800"));
}

TEST_CASE("stage rounding: modes half_up, half_even, down and units fen, jiao, yuan", "[language]") {
    std::string stages;
    for (const char* unit : {"fen", "jiao", "yuan"})
        for (const char* mode : {"half_up", "half_even", "down"})
            stages += std::string("  - id: ") + unit + "_" + mode +
                      "\n    base: claim.amount\n    bands: [{from: 0, ratio: 50%}]\n    rounding: {unit: " + unit +
                      ", mode: " + mode + "}\n";
    std::string outputs;
    for (const char* unit : {"fen", "jiao", "yuan"})
        for (const char* mode : {"half_up", "half_even", "down"}) outputs += std::string("  ") + unit + "_" + mode + ": " + unit + "_" + mode + ".pay\n";
    const Graph g = compile(kHead + "claim:\n  fields:\n    amount: money\nstages:\n" + stages + "outputs:\n" + outputs);
    MemoryLedger ledger;
    struct Case {
        const char* amount;
        const char* v[9];  // fen up/even/down, jiao up/even/down, yuan up/even/down; nullptr: not checked here
    };
    // Each unit is checked on bases that are whole units of it (bases that are
    // not: see the next case).
    const Case cases[] = {
        // 50% of 0.07 = 0.035
        {"0.07", {"0.04", "0.04", "0.03", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}},
        // 50% of 0.05 = 0.025
        {"0.05", {"0.03", "0.02", "0.02", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}},
        // 50% of 0.03 = 0.015
        {"0.03", {"0.02", "0.02", "0.01", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}},
        // 50% of 1.50 = 0.75: jiao 0.8 / 0.8 (7 is odd) / 0.7
        {"1.50", {"0.75", "0.75", "0.75", "0.80", "0.80", "0.70", nullptr, nullptr, nullptr}},
        // 50% of 1.30 = 0.65: jiao 0.7 / 0.6 (6 is even) / 0.6
        {"1.30", {"0.65", "0.65", "0.65", "0.70", "0.60", "0.60", nullptr, nullptr, nullptr}},
        // 50% of 1.00 = 0.50: yuan 1 / 0 (0 is even) / 0
        {"1.00", {"0.50", "0.50", "0.50", "0.50", "0.50", "0.50", "1", "0", "0"}},
        // 50% of 3.00 = 1.50: yuan 2 / 2 / 1
        {"3.00", {"1.50", "1.50", "1.50", "1.50", "1.50", "1.50", "2", "2", "1"}},
        // 50% of 5.00 = 2.50: yuan 3 / 2 / 2
        {"5.00", {"2.50", "2.50", "2.50", "2.50", "2.50", "2.50", "3", "2", "2"}},
        // 50% of 7.00 = 3.50: yuan 4 / 4 / 3
        {"7.00", {"3.50", "3.50", "3.50", "3.50", "3.50", "3.50", "4", "4", "3"}},
        // 50% of 9.90 = 4.95: jiao 5.0 / 5.0 / 4.9
        {"9.90", {"4.95", "4.95", "4.95", "5.00", "5.00", "4.90", nullptr, nullptr, nullptr}},
    };
    const char* names[9] = {"fen_half_up",  "fen_half_even",  "fen_down",  "jiao_half_up", "jiao_half_even",
                            "jiao_down",    "yuan_half_up",   "yuan_half_even", "yuan_down"};
    for (const auto& c : cases) {
        const auto s = g.settle(amount_claim(g, "R", c.amount), ledger);
        for (int i = 0; i < 9; ++i) {
            if (c.v[i] == nullptr) continue;
            INFO(c.amount << " " << names[i]);
            CHECK(out(g, s, names[i]) == fen(c.v[i]));
        }
    }
}

// A stage's rounding unit applies to its payment only: the base is not rounded
// to jiao/yuan first (that would round twice). Was a reported bug, now fixed.
TEST_CASE("stage rounding: a jiao/yuan stage rounds its payment once, not its base first", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
stages:
  - id: jiao
    base: claim.amount
    bands: [{from: 0, ratio: 50%}]
    rounding: {unit: jiao, mode: half_up}
  - id: yuan
    base: claim.amount
    bands: [{from: 0, ratio: 50%}]
    rounding: {unit: yuan, mode: half_even}
outputs:
  jiao: jiao.pay
  jiao_base: jiao.base
  yuan: yuan.pay
)");
    MemoryLedger ledger;
    // 0.07 × 50% = 0.035 → 0.0 jiao (rounding the base 0.07 to 0.10 first would pay 0.10)
    const auto a = g.settle(amount_claim(g, "J", "0.07"), ledger);
    CHECK(out(g, a, "jiao_base") == fen("0.07"));
    CHECK(out(g, a, "jiao") == 0);
    // 1.30 × 50% = 0.65 → 1 yuan (rounding the base to 1.00 first would pay 0.50 → 0)
    const auto b = g.settle(amount_claim(g, "Y", "1.30"), ledger);
    CHECK(out(g, b, "yuan") == fen("1"));
}

TEST_CASE("stage reject: the stage pays 0 and names the rejection", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
    fraud: bool
accumulators:
  paid: money
  count: count
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
    reject:
      - {code: S-FRAUD, when: claim.fraud, message: suspected fraud}
    update: {paid: pay, count: 1}
  - id: t
    base: claim.amount - s.pay
    bands: [{from: 0, ratio: 10%}]
outputs:
  s: s.pay
  t: t.pay
)");
    MemoryLedger ledger;
    auto settle = [&](bool fraud) {
        return g.settle(ClaimBuilder(g.schema())
                            .id("SR", "M1", "2026-01-01")
                            .set("amount", "1000")
                            .set("fraud", fraud ? "true" : "false")
                            .build(),
                        ledger);
    };
    const auto r = settle(true);
    CHECK(r.status == SettleStatus::settled);  // a stage rejection does not reject the claim
    CHECK(out(g, r, "s") == 0);
    CHECK(out(g, r, "t") == fen("100"));  // the next stage sees s.pay = 0: 1000 × 10%
    CHECK(stage(g, r, "s").rejection == "S-FRAUD");
    CHECK_FALSE(stage(g, r, "s").applied);
    CHECK(stage(g, r, "t").rejection.empty());
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == 0);
    CHECK(ledger.get("M1", acc(g, "count"), 2026) == 0);
    const auto ok = settle(false);
    CHECK(out(g, ok, "s") == fen("1000"));
    CHECK(out(g, ok, "t") == 0);
    CHECK(stage(g, ok, "s").rejection.empty());
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == fen("1000"));
    CHECK(ledger.get("M1", acc(g, "count"), 2026) == 1);
}

TEST_CASE("claim-level rejections: status rejected, the code, the ledger untouched", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
    kind: {type: enum, values: [inpatient, outpatient]}
accumulators:
  paid: money
rejections:
  - code: R-KIND
    label: not inpatient
    when: claim.kind != inpatient
    message: inpatient claims only
  - code: R-ZERO
    label: nothing to settle
    when: claim.amount == 0
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
    update: {paid: pay}
outputs:
  pay: s.pay
)");
    MemoryLedger ledger;
    auto claim = [&](const char* kind, const char* amount) {
        return ClaimBuilder(g.schema()).id("RJ", "M1", "2026-01-01").set("kind", kind).set("amount", amount).build();
    };
    const auto r1 = g.settle(claim("outpatient", "100"), ledger);
    CHECK(r1.status == SettleStatus::rejected);
    CHECK(r1.code == "R-KIND");
    CHECK(r1.message == "inpatient claims only");
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == 0);
    CHECK(ledger.member_count() == 0);
    const auto r2 = g.settle(claim("inpatient", "0"), ledger);
    CHECK(r2.status == SettleStatus::rejected);
    CHECK(r2.code == "R-ZERO");
    CHECK(r2.message == "nothing to settle");  // no message: the label
    CHECK(ledger.member_count() == 0);
    const auto ok = g.settle(claim("inpatient", "100"), ledger);
    CHECK(out(g, ok, "pay") == fen("100"));
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == fen("100"));
}

TEST_CASE("accumulators: updated only when the stage applies", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
    eligible: bool
accumulators:
  visits: count
  paid: money
  seen: money
stages:
  - id: s
    when: claim.eligible
    base: claim.amount
    bands: [{from: 0, ratio: 50%}]
    update:
      visits: 1
      paid: pay
      seen: claim.amount
outputs:
  pay: s.pay
  before: acc.paid
)");
    MemoryLedger ledger;
    auto settle = [&](const char* id, bool eligible) {
        return g.settle(ClaimBuilder(g.schema())
                            .id(id, "M1", "2026-01-01")
                            .set("amount", "100")
                            .set("eligible", eligible ? "true" : "false")
                            .build(),
                        ledger);
    };
    settle("U1", false);
    CHECK(ledger.get("M1", acc(g, "visits"), 2026) == 0);
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == 0);
    CHECK(ledger.get("M1", acc(g, "seen"), 2026) == 0);  // even an update not tied to pay
    const auto s2 = settle("U2", true);
    CHECK(out(g, s2, "before") == 0);
    CHECK(ledger.get("M1", acc(g, "visits"), 2026) == 1);
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == fen("50"));
    CHECK(ledger.get("M1", acc(g, "seen"), 2026) == fen("100"));
    const auto s3 = settle("U3", true);
    CHECK(out(g, s3, "before") == fen("50"));
    settle("U4", false);
    CHECK(ledger.get("M1", acc(g, "visits"), 2026) == 2);
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == fen("100"));
    CHECK(ledger.get("M1", acc(g, "seen"), 2026) == fen("200"));
}

TEST_CASE("accumulators: policy_year periods split at the start day", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
accumulators:
  paid: {type: money, period: policy_year, starts: 07-01}
  cal: money
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
    caps:
      - {amount: 100, used: acc.paid}
    update: {paid: pay, cal: pay}
outputs:
  pay: s.pay
)");
    MemoryLedger ledger;
    const Claim june = amount_claim(g, "P1", "150", "2026-06-30");
    const Claim july = amount_claim(g, "P2", "150", "2026-07-01");
    const Claim later = amount_claim(g, "P3", "150", "2027-06-30");
    CHECK(g.period_of(june, acc(g, "paid")) == 2025);
    CHECK(g.period_of(july, acc(g, "paid")) == 2026);
    CHECK(g.period_of(later, acc(g, "paid")) == 2026);
    CHECK(g.period_of(june, acc(g, "cal")) == 2026);
    CHECK(g.period_of(july, acc(g, "cal")) == 2026);
    CHECK(out(g, g.settle(june, ledger), "pay") == fen("100"));
    CHECK(out(g, g.settle(july, ledger), "pay") == fen("100"));  // a new policy year: the cap is fresh
    CHECK(out(g, g.settle(later, ledger), "pay") == 0);          // still the 2026 policy year
    CHECK(ledger.get("M1", acc(g, "paid"), 2025) == fen("100"));
    CHECK(ledger.get("M1", acc(g, "paid"), 2026) == fen("100"));
    CHECK(ledger.get("M1", acc(g, "cal"), 2026) == fen("200"));  // calendar 2026: June and July
    CHECK(ledger.get("M1", acc(g, "cal"), 2027) == 0);
}

TEST_CASE("accumulators: policy-wide policy_year", "[language]") {
    const Graph g = compile(R"(claimgraph: 1
policy: {id: py, period: policy_year, starts: 04-01}
claim:
  fields:
    amount: money
accumulators:
  paid: money
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
    update: {paid: pay}
outputs:
  pay: s.pay
)");
    CHECK(g.period_of(amount_claim(g, "A", "1", "2026-03-31"), 0) == 2025);
    CHECK(g.period_of(amount_claim(g, "B", "1", "2026-04-01"), 0) == 2026);
}

TEST_CASE("accumulators: keyed per disease, each key its own cap", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
    disease: {type: enum, values: [diabetes, hypertension]}
accumulators:
  disease_paid: {type: money, key: claim.disease, label: per-disease annual total}
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
    caps:
      - {label: per-disease cap, amount: 1000, used: acc.disease_paid}
    update: {disease_paid: pay}
outputs:
  pay: s.pay
)");
    MemoryLedger ledger;
    auto settle = [&](const char* id, const char* disease, const char* amount) {
        return g.settle(
            ClaimBuilder(g.schema()).id(id, "M1", "2026-02-01").set("disease", disease).set("amount", amount).build(),
            ledger);
    };
    CHECK(out(g, settle("K1", "diabetes", "800"), "pay") == fen("800"));
    CHECK(out(g, settle("K2", "hypertension", "800"), "pay") == fen("800"));  // not sharing diabetes' cap
    CHECK(out(g, settle("K3", "diabetes", "500"), "pay") == fen("200"));      // 1000 - 800
    CHECK(out(g, settle("K4", "hypertension", "500"), "pay") == fen("200"));
    const auto a = acc(g, "disease_paid");
    CHECK(ledger.get("M1", a, 2026, "diabetes") == fen("1000"));
    CHECK(ledger.get("M1", a, 2026, "hypertension") == fen("1000"));
    CHECK(ledger.get("M1", a, 2026) == 0);
}

TEST_CASE("stages: a later stage reads an earlier stage's results", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
stages:
  - id: first
    base: claim.amount
    deductible: {amount: 100}
    bands: [{from: 0, ratio: 60%}]
    caps: [{amount: 300}]
  - id: second
    when: first.applies
    base: claim.amount - first.pay - first.deductible
    bands: [{from: 0, ratio: 50%}]
  - id: third
    base: first.raw - first.pay + second.base * 0
    bands: [{from: 0, ratio: 100%}]
outputs:
  first: first.pay
  second: second.pay
  third: third.pay
  total: first.pay + second.pay
)");
    MemoryLedger ledger;
    // first: 1000 - 100 = 900 × 60% = 540, capped at 300
    // second: 1000 - 300 - 100 = 600 × 50% = 300
    // third: what the cap took: 540 - 300 = 240
    const auto s = g.settle(amount_claim(g, "ST", "1000"), ledger);
    CHECK(out(g, s, "first") == fen("300"));
    CHECK(out(g, s, "second") == fen("300"));
    CHECK(out(g, s, "third") == fen("240"));
    CHECK(out(g, s, "total") == fen("600"));
    CHECK(stage(g, s, "first").raw.fen() == fen("540"));
    CHECK(stage(g, s, "first").deductible.fen() == fen("100"));
    CHECK(stage(g, s, "second").base.fen() == fen("600"));
}

TEST_CASE("outputs: emitted in declaration order", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    amount: money
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
outputs:
  zeta: claim.amount
  alpha: claim.amount * 2
  mid: 3
  beta: s.pay + 1
)");
    REQUIRE(g.output_names() == std::vector<std::string>{"zeta", "alpha", "mid", "beta"});
    MemoryLedger ledger;
    const auto s = g.settle(amount_claim(g, "O", "10"), ledger);
    REQUIRE(s.outputs.size() == 4);
    CHECK(s.outputs[0].fen() == fen("10"));
    CHECK(s.outputs[1].fen() == fen("20"));
    CHECK(s.outputs[2].fen() == fen("3"));
    CHECK(s.outputs[3].fen() == fen("11"));
    std::string json;
    write_result_json(g, s, json);
    CHECK(json.find("zeta") < json.find("alpha"));
    CHECK(json.find("alpha") < json.find("mid"));
    CHECK(json.find("mid") < json.find("beta"));
}

TEST_CASE("overflow: huge amounts give an error status, not a crash", "[language]") {
    const Graph g = compile(kHead + R"(
claim:
  fields:
    x: money
  items:
    amount: money
accumulators:
  paid: money
stages:
  - id: s
    base: sum(item.amount)
    bands: [{from: 0, ratio: 100%}]
    update: {paid: pay}
outputs:
  pay: s.pay
  scaled: claim.x * 3
)");
    MemoryLedger ledger;
    SECTION("the sum of two lines overflows int64 fen") {
        ClaimBuilder b(g.schema());
        b.id("OV1", "M1", "2026-01-01").set("x", "1");
        b.add_item().item_set("amount", "90000000000000000");  // 9e18 fen
        b.add_item().item_set("amount", "90000000000000000");
        Settlement s;
        REQUIRE_NOTHROW(s = g.settle(b.build(), ledger));
        CHECK(s.status == SettleStatus::error);
        CHECK_FALSE(s.message.empty());
        CHECK(ledger.member_count() == 0);
    }
    SECTION("a product overflows") {
        ClaimBuilder b(g.schema());
        b.id("OV2", "M1", "2026-01-01").set("x", "50000000000000000");  // × 3 > INT64_MAX fen
        b.add_item().item_set("amount", "1");
        Settlement s;
        REQUIRE_NOTHROW(s = g.settle(b.build(), ledger));
        CHECK(s.status == SettleStatus::error);
        CHECK(ledger.member_count() == 0);
    }
    SECTION("the band payment overflows (fen x bp)") {
        ClaimBuilder b(g.schema());
        b.id("OV3", "M1", "2026-01-01").set("x", "1");
        b.add_item().item_set("amount", "90000000000000000");
        Settlement s;
        REQUIRE_NOTHROW(s = g.settle(b.build(), ledger));
        // 9e18 fen × 10000 bp does not fit the exact fen·bp product: an error, never a wrapped payment
        CHECK(s.status == SettleStatus::error);
        CHECK_THAT(s.message, Catch::Matchers::Contains("overflow"));
        CHECK(ledger.member_count() == 0);
    }
    SECTION("settle_batch also reports an error row") {
        ClaimBuilder b(g.schema());
        b.id("OV4", "M1", "2026-01-01").set("x", "50000000000000000");
        b.add_item().item_set("amount", "1");
        const auto results = settle_batch(g, {b.build()}, ledger);
        REQUIRE(results.size() == 1);
        CHECK(results[0].status == SettleStatus::error);
    }
}

// Reported bug: constant folding at compile time overflows outside the checks.
// `a + b` of two constants is folded by the lowerer, whose OverflowError escapes
// compile_policy_text instead of becoming a CompileError with a position.
TEST_CASE("overflow: constant arithmetic that overflows is a compile error", "[language]") {
    const std::string policy = kHead + R"(
claim:
  fields:
    amount: money
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
outputs:
  big: 90000000000000000 + 90000000000000000
)";
    CHECK_THROWS_AS(compile_policy_text(policy), CompileError);
}

// Reported bug: the checker multiplies two constants with plain int64 `*`, so
// the product wraps silently (signed overflow) and the policy compiles to a
// wrong amount instead of failing.
TEST_CASE("overflow: a constant product never wraps into a wrong amount", "[language]") {
    const std::string policy = kHead + R"(
claim:
  fields:
    amount: money
define:
  big: {type: money, value: 90000000000000000}
stages:
  - id: s
    base: claim.amount
    bands: [{from: 0, ratio: 100%}]
outputs:
  big3: big * 3
)";
    try {
        const Graph g = compile_policy_text(policy);
        MemoryLedger ledger;
        const auto s = g.settle(amount_claim(g, "OVC", "1"), ledger);
        // 2.7e19 fen does not fit int64: anything but a settled (wrapped) amount
        CHECK(s.status == SettleStatus::error);
    } catch (const CompileError&) {
        SUCCEED("rejected at compile time");
    }
}
