// Embedding claimgraph: compile a policy once, build claims in code, settle
// them against a ledger that carries the member's year-to-date accumulators.
//
//   example_embed [POLICY.yaml]     (default: rules/demo-city-2026.yaml)

#include <claimgraph/claimgraph.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include <fmt/format.h>

#ifndef CLAIMGRAPH_DEMO_POLICY
#define CLAIMGRAPH_DEMO_POLICY "rules/demo-city-2026.yaml"
#endif

using namespace claimgraph;

namespace {

// One inpatient admission of resident R-1001 at a level-3 hospital, referred,
// on dibao (低保). Field names and enum labels are the ones the policy's
// `claim:` section declares; a wrong name or value throws ClaimError.
Claim admission(const Graph& g, std::string claim_id, std::string_view date) {
    ClaimBuilder b(g.schema());
    b.id(std::move(claim_id), "R-1001", date)
        .set("insutype", "resident")
        .set("med_type", "inpatient")
        .set("hosp_lv", "3")  // enum label, as the policy writes it
        .set("region", "local")
        .set("referred", "true")
        .set("emergency", "false")
        .set("retired", "false")
        .set_tags("tags", {"dibao"})
        .set("hmb_enrolled", "false")
        .set("hmb_preexisting", "false");

    // Fee lines: category A (甲类), B (乙类, 10% pre-self-pay by default) and
    // C (丙类, own-pay). Amounts are exact Money in fen; no floating point.
    b.add_item().item_set("code", "A-SURGERY").item_set("category", "A")
        .item_set("amount", Money::from_yuan(18000));
    b.add_item().item_set("code", "A-BED").item_set("category", "A")
        .item_set("amount", Money::from_fen(240050));  // 2400.50 yuan
    b.add_item().item_set("code", "B-IMPLANT").item_set("category", "B")
        .item_set("amount", Money::from_yuan(9000))
        .item_set("selfpay_prop", std::int64_t{2000});  // 20%, in basis points
    b.add_item().item_set("code", "B-DRUGS").item_set("category", "B")
        .item_set("amount", Money::from_fen(315075));
    b.add_item().item_set("code", "C-SINGLE-ROOM").item_set("category", "C")
        .item_set("amount", Money::from_yuan(800));
    return b.build();  // applies defaults (qty 1, selfpay_prop 10%), checks required fields
}

void print(const Graph& g, const Settlement& s) {
    fmt::print("claim {}:\n", s.claim_id);
    if (s.status != SettleStatus::settled) {
        fmt::print("  not settled: {} {}\n", s.code, s.message);
        return;
    }
    // Outputs come in Graph::output_names() order (NHSA settlement names).
    for (std::size_t i = 0; i < s.outputs.size(); ++i)
        fmt::print("  {:<18} {:>12}\n", g.output_names()[i], format_money(s.outputs[i]));
    // Each payer stage: applied or not, and what it paid.
    fmt::print("  stages:");
    for (std::size_t i = 0; i < s.stages.size(); ++i)
        fmt::print(" {}={}", g.stage_ids()[i], s.stages[i].applied ? format_money(s.stages[i].pay) : "n/a");
    fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
    const char* policy = argc > 1 ? argv[1] : CLAIMGRAPH_DEMO_POLICY;
    try {
        // Compile once (load → check → lower); the Graph is immutable and can
        // settle any number of claims.
        const Graph g = compile_policy_file(policy);

        // The ledger holds accumulators per member and calendar year. A host
        // system would plug in its own Ledger; MemoryLedger keeps them in RAM.
        MemoryLedger ledger;

        // First admission of the year: full deductible (halved for dibao),
        // critical-illness threshold not yet reached.
        print(g, g.settle(admission(g, "R-1001-1", "2026-03-14"), ledger));

        // Second admission: the ledger now knows of one admission and of the
        // year-to-date bases, so the deductible halves again and the
        // critical-illness insurance pays on the cumulative amount.
        print(g, g.settle(admission(g, "R-1001-2", "2026-09-02"), ledger));

        // The accumulators after both claims, for the year 2026.
        fmt::print("ledger for R-1001, 2026:\n");
        for (std::uint32_t a = 0; a < g.accumulator_names().size(); ++a) {
            const std::int64_t v = ledger.get("R-1001", a, 2026);
            fmt::print("  {:<14} {}\n", g.accumulator_names()[a],
                       g.accumulator_names()[a] == "admissions" ? std::to_string(v)
                                                                : format_money(Money::from_fen(v)));
        }
    } catch (const CompileError& e) {
        for (const auto& d : e.diagnostics()) fmt::print(stderr, "{}\n", d.str());
        return 1;
    } catch (const ClaimError& e) {
        fmt::print(stderr, "bad claim field {}: {}\n", e.field(), e.what());
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
