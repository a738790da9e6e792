// The untraced evaluator's fast form (src/engine/fast_program.hpp: the fused
// fee-line shapes, the line columns, the claim code) against the reference
// op loop, which a traced settlement runs: on random claims, with values
// from ordinary to large enough to overflow, every result must be the same,
// to the fen, and so must the ledgers they leave behind.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "claimgraph/claimgraph.hpp"
#include "engine/fast_program.hpp"
#include "engine/program.hpp"
#include "engine/round_fast.hpp"
#include "engine/run_op.hpp"

using namespace claimgraph;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string policy_path(const char* name) { return std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/" + name; }

class RawClaims {
public:
    RawClaims(const Schema& s, std::uint32_t seed) : s_(s), rng_(seed) {}

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    bool chance(int percent) { return pick(100) < percent; }

    // Mostly ordinary amounts; now and then one large enough that a product
    // or a sum overflows, so that the fast form must give the claim back.
    std::int64_t amount() {
        if (wild_ && chance(10)) return std::uniform_int_distribution<std::int64_t>(INT64_MAX / 8, INT64_MAX / 2)(rng_);
        if (wild_ && chance(10)) return std::uniform_int_distribution<std::int64_t>(0, std::int64_t{1} << 40)(rng_);
        static const std::int64_t scales[] = {100, 10000, 100000, 1000000, 10000000, 40000000};
        return std::uniform_int_distribution<std::int64_t>(0, scales[pick(6)])(rng_);
    }

    std::int64_t value(const FieldSpec& f) {
        switch (f.type) {
            case FieldType::money: return amount();
            case FieldType::ratio: return wild_ && chance(5) ? INT64_MAX / 4 : pick(10001);
            case FieldType::count: return wild_ && chance(5) ? INT64_MAX / 3 : pick(12);
            case FieldType::boolean: return pick(2);
            case FieldType::date: return 20454 + pick(700);
            case FieldType::enumeration: return pick(static_cast<int>(s_.enums[f.enum_type].values.size()));
            case FieldType::tags: {
                const int n = static_cast<int>(s_.enums[f.enum_type].values.size());
                return chance(50) ? 0 : pick(1 << std::min(n, 16));
            }
            case FieldType::string: return 0;
        }
        return 0;
    }

    Claim claim(int k, const std::string& member, int day) {
        // One claim in eight has values that may overflow.
        wild_ = chance(12);
        Claim c;
        c.reset(s_);
        c.claim_id = fmt::format("C{}", k);
        c.member_id = member;
        c.date = Date::from_ymd(2026, 1, 1);
        c.date.days += day;
        for (std::size_t i = 0; i < s_.claim_fields.size(); ++i) {
            const auto& f = s_.claim_fields[i];
            const bool given = !f.optional || chance(70);
            c.present[i] = given;
            c.fields[i] = given ? value(f) : f.default_value.value_or(0);
            if (f.type == FieldType::string) c.texts.assign(i, fmt::format("t{}", pick(3)));
        }
        const std::size_t nf = s_.item_fields.size(), w = s_.item_width();
        c.item_count = static_cast<std::size_t>(chance(10) ? pick(45) : pick(12));
        c.items.assign(c.item_count * w, 0);
        c.item_present.assign(c.item_count * nf, 0);
        c.item_texts.resize(c.item_count * nf);
        for (std::size_t r = 0; r < c.item_count; ++r)
            for (std::size_t i = 0; i < nf; ++i) {
                const auto& f = s_.item_fields[i];
                const bool given = !f.optional || chance(50);
                c.item_present[r * nf + i] = given;
                if (const int k = s_.item_column(static_cast<int>(i)); k >= 0)
                    c.items[r * w + static_cast<std::size_t>(k)] = given ? value(f) : f.default_value.value_or(0);
                else if (given)
                    c.item_texts.assign(r * nf + i, fmt::format("t{}", pick(3)));
            }
        return c;
    }

private:
    const Schema& s_;
    std::mt19937_64 rng_;
    bool wild_ = false;
};

void same_settlement(const Settlement& fast, const Settlement& ref) {
    REQUIRE(fast.status == ref.status);
    REQUIRE(fast.message == ref.message);
    REQUIRE(fast.code == ref.code);
    REQUIRE(fast.field == ref.field);
    REQUIRE(fast.outputs.size() == ref.outputs.size());
    for (std::size_t i = 0; i < fast.outputs.size(); ++i) REQUIRE(fast.outputs[i].fen() == ref.outputs[i].fen());
    REQUIRE(fast.stages.size() == ref.stages.size());
    for (std::size_t i = 0; i < fast.stages.size(); ++i) {
        const auto &a = fast.stages[i], &b = ref.stages[i];
        REQUIRE(a.applied == b.applied);
        REQUIRE(a.base.fen() == b.base.fen());
        REQUIRE(a.deductible.fen() == b.deductible.fen());
        REQUIRE(a.raw.fen() == b.raw.fen());
        REQUIRE(a.pay.fen() == b.pay.fen());
        REQUIRE(a.rejection == b.rejection);
    }
}

// Returns how many claims settled (not errors), so a caller can see the
// comparison was not all overflow.
int compare_paths(const Graph& g, std::uint32_t seed, int claims) {
    const detail::Program& p = g.program();
    RawClaims gen(p.schema, seed);
    MemoryLedger fast_ledger, ref_ledger;
    Settlement fast, ref;
    Trace trace;
    int settled = 0;
    for (int k = 0; k < claims; ++k) {
        // A few claims per member, in date order, so accumulators move and
        // caps are reached.
        const std::string member = fmt::format("M{:04}", k / 5);
        const Claim c = gen.claim(k, member, (k % 5) * 60 + gen.pick(50));
        g.settle(c, fast_ledger, fast);
        g.settle(c, ref_ledger, ref, trace);
        INFO("claim " << k << " seed " << seed);
        same_settlement(fast, ref);
        settled += fast.status == SettleStatus::settled;
    }
    for (int m = 0; m <= claims / 5; ++m)
        for (std::uint32_t a = 0; a < p.accumulators.size(); ++a)
            for (std::int32_t year : {2025, 2026, 2027}) {
                const std::string member = fmt::format("M{:04}", m);
                REQUIRE(fast_ledger.get(member, a, year) == ref_ledger.get(member, a, year));
            }
    return settled;
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("Fast form: the reference policies' fee lines run fused, and agree with the reference loop", "[fast]") {
    for (const char* name : {"demo-city-2026.yaml", "qinzhou-ci-example.yaml"}) {
        INFO(name);
        const Graph g = compile_policy_file(policy_path(name));
        REQUIRE(g.program().fast);
        CHECK(g.program().fast->lines.kernel.shape >= 0);
        CHECK(g.program().fast->claim_ok);
        if (std::string(name) == "demo-city-2026.yaml") CHECK(g.program().fast->claim_shape >= 0);
        CHECK(compare_paths(g, 7, 3000) > 1000);
    }
}

TEST_CASE("Fast form: Demo City's claim program is its claim shape", "[fast]") {
    const Graph g = compile_policy_file(policy_path("demo-city-2026.yaml"));
    INFO("if the lowering has changed, this is kDemoCity (src/engine/claim_shapes.cpp) now, then its results:\n"
         << detail::claim_shape_source(g.program()));
    CHECK(g.program().fast->claim_shape == 0);
}

TEST_CASE("Fast form: a claim shape binds other constants, and another claim program runs in the interpreter", "[fast]") {
    const std::string demo = read_text(policy_path("demo-city-2026.yaml"));
    // A variant of the reference policy that keeps the claim shape, or leaves
    // it for the interpreter, and agrees with the reference path either way.
    auto keeps_shape = [](const std::string& text, std::uint32_t seed) {
        const Graph g = compile_policy_text(text, "variant.yaml");
        CHECK(g.program().fast->claim_shape >= 0);
        CHECK(compare_paths(g, seed, 1500) > 500);
    };
    auto leaves_shape = [](const std::string& text, std::uint32_t seed) {
        const Graph g = compile_policy_text(text, "variant.yaml");
        CHECK(g.program().fast->claim_ok);
        CHECK(g.program().fast->claim_shape < 0);
        CHECK(compare_paths(g, seed, 1500) > 500);
    };
    SECTION("other constants and tables in the same shape: still the shape") {
        std::string text = replace_once(demo, "{label: 退休人员, when: claim.insutype == employee and claim.retired, add: 5%}",
                                        "{label: 退休人员, when: claim.insutype == employee and claim.retired, add: 7%}");
        text = replace_once(text, "rows: {resident: 250000, employee: 400000}", "rows: {resident: 150000, employee: 300000}");
        keeps_shape(text, 23);
    }
    // The shape writes outputs and deltas from its own values (Shape::outputs,
    // deltas): the same ops with a result bound to another op's value must not
    // match, or the shape would report the wrong amount.
    SECTION("the same ops, an output bound to another stage's pay: the interpreter") {
        const std::string text = replace_once(demo, "hifp_pay: {value: hifp.pay,", "hifp_pay: {value: hifmi.pay,");
        leaves_shape(text, 31);
    }
    SECTION("the same ops, an update bound to another value: the interpreter") {
        const std::string text = replace_once(demo, "      hifp_ytd: pay\n", "      hifp_ytd: base\n");
        leaves_shape(text, 33);
    }
    SECTION("an update read from a claim field: still the shape, and a negative one is the reference's error") {
        // The shape tests the deltas' signs itself (ShapeResults::negative);
        // Demo City's own updates are never negative, a claim field can be.
        std::string text = replace_once(demo, "    hmb_preexisting: bool\n", "    hmb_preexisting: bool\n    visits: count\n");
        text = replace_once(text, "      admissions: 1\n", "      admissions: claim.visits\n");
        const Graph g = compile_policy_text(text, "variant.yaml");
        REQUIRE(g.program().fast->claim_shape >= 0);
        const auto& fields = g.program().schema.claim_fields;
        const auto visits = static_cast<std::size_t>(
            std::find_if(fields.begin(), fields.end(), [](const auto& f) { return f.name == "visits"; }) - fields.begin());
        REQUIRE(visits < fields.size());
        RawClaims gen(g.program().schema, 43);
        MemoryLedger fast_ledger, ref_ledger;
        Settlement fast, ref;
        Trace trace;
        int negative = 0, settled = 0;
        for (int k = 0; k < 400; ++k) {
            Claim c = gen.claim(k, fmt::format("M{:04}", k / 4), (k % 4) * 60);
            c.fields[visits] = k % 2 ? -1 : 2;  // not from a claim file, whose reader would refuse -1
            g.settle(c, fast_ledger, fast);
            g.settle(c, ref_ledger, ref, trace);
            INFO("claim " << k);
            same_settlement(fast, ref);
            negative += fast.status == SettleStatus::error && fast.field == "admissions";
            settled += fast.status == SettleStatus::settled;
        }
        CHECK(negative > 50);
        CHECK(settled > 50);
    }
    // The shape keeps the inputs of tables, bands and product_round as values;
    // the two paths that hand such an op to the reference's code (which reads
    // the slot array) must store them first.
    SECTION("a deductible whose product with its multipliers leaves 64 bits: still the shape") {
        const std::string text = replace_once(demo, "employee: {1: 300, 2: 600, 3: 1200}", "employee: {1: 300, 2: 600, 3: 200000}");
        keeps_shape(text, 47);
    }
    SECTION("whole-amount bands: still the shape") {
        const std::string text = replace_once(demo,
                                              "    bands:\n      - {from: 0, to: 100000, ratio: 60%}\n      - {from: 100000, ratio: 70%}\n",
                                              "    bands:\n      method: whole_amount\n      list:\n        - {from: 0, to: 100000, ratio: 60%}\n"
                                              "        - {from: 100000, ratio: 70%}\n");
        keeps_shape(text, 53);
    }
    SECTION("one more op: the interpreter") {
        const std::string text = replace_once(demo, "psn_part_amt: {value: medfee - (hifp.pay + hifmi.pay + maf.pay + hmb.pay)",
                                              "psn_part_amt: {value: \"max(0, medfee - (hifp.pay + hifmi.pay + maf.pay + hmb.pay))\"");  // quoted: a bare comma ends a flow mapping's value
        leaves_shape(text, 29);
    }
}

TEST_CASE("Fast form: a fee-line shape binds other fields' constants, and another shape runs in columns", "[fast]") {
    const std::string demo = read_text(policy_path("demo-city-2026.yaml"));
    SECTION("other constants in the same shape: still fused") {
        // The class compared against is a role of the shape, not a value.
        std::string text = replace_once(demo, "if(item.category == B, (item.amount", "if(item.category == A, (item.amount");
        const Graph g = compile_policy_text(text, "variant.yaml");
        CHECK(g.program().fast->lines.kernel.shape >= 0);
        CHECK(compare_paths(g, 11, 1500) > 500);
    }
    SECTION("Demo City's fee lines: the few-constants loop, fields read through one pointer") {
        const Graph g = compile_policy_text(demo, "demo.yaml");  // held: the kernel is the graph's
        const auto& k = g.program().fast->lines.kernel;
        CHECK(k.shape == 0);  // kCappedShareFew
        CHECK(k.adjacent);
    }
    SECTION("a \"nothing\" that is not 0: the seven-constant loop") {
        const std::string text = replace_once(demo, "if(item.category == C, item.amount, 0)", "if(item.category == C, item.amount, 7)");
        const Graph g = compile_policy_text(text, "variant.yaml");
        CHECK(g.program().fast->lines.kernel.shape == 1);  // kCappedShare
        CHECK(compare_paths(g, 37, 1500) > 500);
    }
    SECTION("the shape's item fields not side by side: one pointer per field") {
        const std::string text = replace_once(demo, "    qty: {type: count, default: 1, min: 1}\n",
                                              "    qty: {type: count, default: 1, min: 1}\n    batch: {type: count, default: 3}\n");
        const Graph g = compile_policy_text(text, "variant.yaml");
        CHECK(g.program().fast->lines.kernel.shape == 0);
        CHECK(!g.program().fast->lines.kernel.adjacent);
        CHECK(compare_paths(g, 41, 1500) > 500);
    }
    SECTION("a different shape: the columns") {
        std::string text = replace_once(demo, "max(0, item.amount - item.price_cap * item.qty)",
                                        "max(0, item.amount - item.price_cap * item.qty - 1)");
        const Graph g = compile_policy_text(text, "variant.yaml");
        CHECK(g.program().fast->lines.kernel.shape < 0);
        CHECK(g.program().fast->lines.ok);
        CHECK(compare_paths(g, 13, 1500) > 500);
    }
    SECTION("rounding other than fen half up") {
        for (const char* rounding : {"{unit: fen, mode: half_even}", "{unit: fen, mode: down}"}) {
            INFO(rounding);
            const Graph g = compile_policy_text(replace_once(demo, "{unit: fen, mode: half_up}", rounding), "variant.yaml");
            CHECK(g.program().fast->lines.kernel.shape >= 0);
            CHECK(!g.program().fast->lines.kernel.fen);
            CHECK(compare_paths(g, 17, 1500) > 500);
        }
        // Rounded to jiao, every line value is rounded: another shape.
        const Graph g = compile_policy_text(replace_once(demo, "{unit: fen, mode: half_up}", "{unit: jiao, mode: half_even}"),
                                            "variant.yaml");
        CHECK(compare_paths(g, 19, 1500) > 500);
    }
}

TEST_CASE("Fast form: rounding by a constant power of ten agrees with divide_round", "[fast][round]") {
    std::mt19937_64 rng(5);
    std::vector<std::int64_t> values = {0, 1, -1, 4999, 5000, 5001, -4999, -5000, -5001, 14999, 15000, 25000, -25000,
                                        INT64_MAX, INT64_MAX - 1, INT64_MIN, INT64_MIN + 1, INT64_MAX / 2, -(INT64_MAX / 2)};
    for (int i = 0; i < 20000; ++i) {
        const auto v = static_cast<std::int64_t>(rng());
        values.push_back(v);
        values.push_back(v >> (rng() % 63));
    }
    for (const std::int64_t v : values)
        for (const std::int64_t d : {10, 100, 1000, 10000, 100000, 1000000, 7, 10001})
            for (const RoundMode m : {RoundMode::half_up, RoundMode::half_even, RoundMode::down}) {
                INFO(v << " / " << d << " mode " << static_cast<int>(m));
                REQUIRE(detail::round_fast(v, d, 1, m) == divide_round(v, d, m));
            }
}

TEST_CASE("Fast form: a skip taken claim after claim zeroes its stage's slots once (flag), and agrees", "[fast][skip]") {
    // Claims in a row alternate between stages that apply and not, in the
    // one slot array a thread reuses; a flag left set after the stage ran
    // (or a slot left unzeroed) shows as a stage result or payment that
    // differs from the reference.
    const Graph g = compile_policy_file(policy_path("demo-city-2026.yaml"));
    const auto& f = *g.program().fast;
    int flagged = 0;
    for (const auto& x : f.code) flagged += x.code == detail::XCode::skip && x.mode;
    CHECK(flagged >= 1);
    CHECK(f.slots > static_cast<std::int32_t>(g.program().slot_init.size()));
    CHECK(f.acc_first >= 0);
    CHECK(f.stage_slots.size() == 5 * g.program().stages.size());
    for (std::uint32_t seed : {23u, 29u, 31u}) CHECK(compare_paths(g, seed, 2000) > 700);
}

TEST_CASE("Fast form: segmented bands in 64 bits agree with exec_bands or give the claim back", "[fast][bands]") {
    // One bands op over random positions, thresholds, amounts and band
    // ratios, ordinary and large enough to overflow: whatever run_fast
    // settles must equal exec_bands, and it must settle nothing exec_bands
    // throws on.
    std::mt19937_64 rng(41);
    const auto value = [&](int kind) -> std::int64_t {
        switch (kind) {
            case 0: return static_cast<std::int64_t>(rng() % 2000000);
            case 1: return static_cast<std::int64_t>(rng() % 20001);
            case 2: return static_cast<std::int64_t>(rng() >> 1);
            default: return INT64_MAX / 4 + static_cast<std::int64_t>(rng() % 3);
        }
    };
    int settled = 0, refused = 0;
    for (int round = 0; round < 20000; ++round) {
        detail::Program p;
        const int bands = 1 + static_cast<int>(rng() % 3);
        p.slot_init.assign(static_cast<std::size_t>(5 + 3 * bands), 0);
        detail::Op op{};
        op.code = detail::OpCode::bands;
        op.mode = static_cast<std::uint8_t>(rng() % 3);
        op.dst = 0;
        op.c = 1;
        op.n = bands;
        op.extra = 0;
        for (int k = 0; k < 3 + 3 * bands; ++k) p.args.push_back(2 + k);
        const bool wild = rng() % 4 == 0;
        std::vector<std::int64_t> s(p.slot_init.size(), 0);
        s[2] = value(wild ? static_cast<int>(rng() % 4) : 0);
        s[3] = value(wild ? static_cast<int>(rng() % 4) : 0);
        s[4] = value(wild ? static_cast<int>(rng() % 4) : 0);
        std::int64_t from = 0;
        for (int b = 0; b < bands; ++b) {
            // Summed in 128 bits and held in int64: wild values may not overflow the test itself.
            const std::int64_t to = b + 1 == bands && rng() % 2
                                        ? INT64_MAX / 4
                                        : static_cast<std::int64_t>(std::clamp<__int128>(
                                              static_cast<__int128>(from) + value(wild ? static_cast<int>(rng() % 4) : 0), INT64_MIN, INT64_MAX));
            s[static_cast<std::size_t>(5 + 3 * b)] = from;
            s[static_cast<std::size_t>(6 + 3 * b)] = to;
            s[static_cast<std::size_t>(7 + 3 * b)] = wild && rng() % 2 ? value(2) : value(1);
            from = to;
        }
        p.ops.push_back(op);
        detail::FastProgram f;
        detail::build_claim_code(p, f);
        REQUIRE(f.claim_ok);
        std::vector<std::int64_t> ref = s, fast = s;
        bool ref_ok = true;
        try {
            detail::exec_bands(p, p.ops[0], ref.data());
        } catch (const OverflowError&) {
            ref_ok = false;
        }
        const Claim c;
        const bool fast_ok = detail::run_fast(p, f, c, fast.data());
        INFO("round " << round);
        if (fast_ok) {
            REQUIRE(ref_ok);
            REQUIRE(fast[0] == ref[0]);
            REQUIRE(fast[1] == ref[1]);
            ++settled;
        } else {
            ++refused;
        }
    }
    CHECK(settled > 15000);
    CHECK(refused > 100);
}
