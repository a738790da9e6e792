// Compiling policies: load (YAML) → check → lower, via compile_policy_text.
//
//   BM_CompileReference   rules/demo-city-2026.yaml (text read once, outside the loop)
//   BM_CompileTable/N     the reference policy plus an enum of N hospital codes,
//                         a claim field of that enum, a ratio table with N rows
//                         keyed by it, and a stage paying by that table (N = 10,000
//                         by default; 1,000 too, to show how compile time grows)
//
// The generated policy is also settled once on one claim before timing, so a
// policy that compiles but cannot settle is caught.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

#include "claimgraph/claimgraph.hpp"

using namespace claimgraph;

namespace {

const std::string& reference_text() {
    static const std::string text = [] {
        std::ifstream in(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml", std::ios::binary);
        if (!in) throw std::runtime_error("cannot read rules/demo-city-2026.yaml");
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }();
    return text;
}

void insert_after(std::string& text, const std::string& marker, const std::string& what) {
    const auto at = text.find(marker);
    if (at == std::string::npos) {
        std::fprintf(stderr, "bench_compile: marker '%s' not found in the reference policy\n", marker.c_str());
        std::abort();
    }
    text.insert(at + marker.size(), what);
}

// The reference policy with a `hospital` enum of n codes, a table keyed by it
// and a stage that uses it.
std::string table_policy(std::size_t n) {
    std::string text = reference_text();
    std::string codes, rows;
    for (std::size_t i = 0; i < n; ++i) {
        fmt::format_to(std::back_inserter(codes), "{}H{:05}", i ? ", " : "", i);
        fmt::format_to(std::back_inserter(rows), "      H{:05}: {}%\n", i, 5 + i % 20);
    }
    insert_after(text, "\nenums:\n", fmt::format("  hospital: [{}]\n", codes));
    insert_after(text, "\nclaim:\n  fields:\n", "    hospital: hospital\n");
    insert_after(text, "\ntables:\n",
                 fmt::format("  hospital_ratio:\n    label: 医院补助比例\n    keys: [hospital]\n    type: ratio\n"
                             "    rows:\n{}",
                             rows));
    insert_after(text, "\nstages:\n",
                 "  - id: hosp\n    label: 医院补助\n    base: sum(item.inscp)\n    bands:\n"
                 "      - from: 0\n        ratio: hospital_ratio[claim.hospital]\n");
    insert_after(text, "\noutputs:\n", "  hosp_pay: {value: hosp.pay, label: 医院补助}\n");
    return text;
}

void sanity_settle(const Graph& g, std::size_t n) {
    Claim c = ClaimBuilder(g.schema())
                  .id("C1", "M1", "2026-03-01")
                  .set("insutype", std::string_view("resident"))
                  .set("med_type", std::string_view("inpatient"))
                  .set("hosp_lv", std::string_view("2"))
                  .set("region", std::string_view("local"))
                  .set("referred", std::string_view("false"))
                  .set("emergency", std::string_view("false"))
                  .set("retired", std::string_view("false"))
                  .set_tags("tags", {})
                  .set("hmb_enrolled", std::string_view("false"))
                  .set("hmb_preexisting", std::string_view("false"))
                  .set("hospital", fmt::format("H{:05}", n - 1))
                  .add_item()
                  .item_set("code", std::string_view("A1"))
                  .item_set("category", std::string_view("A"))
                  .item_set("amount", Money::from_yuan(10000))
                  .build();
    MemoryLedger ledger;
    const Settlement s = g.settle(c, ledger);
    const auto& names = g.output_names();
    const auto at = std::find(names.begin(), names.end(), "hosp_pay") - names.begin();
    // inscp 10000 yuan × (5 + (n-1) % 20)%.
    const std::int64_t want = 1000000 * static_cast<std::int64_t>(5 + (n - 1) % 20) / 100;
    if (s.status != SettleStatus::settled || s.outputs.at(static_cast<std::size_t>(at)).fen() != want) {
        std::fprintf(stderr, "bench_compile: the %zu-row policy settled wrongly (status %d, hosp_pay %lld, want %lld)\n",
                     n, static_cast<int>(s.status),
                     static_cast<long long>(s.outputs.empty() ? -1 : s.outputs[static_cast<std::size_t>(at)].fen()),
                     static_cast<long long>(want));
        std::abort();
    }
}

void BM_CompileReference(benchmark::State& state) {
    const std::string& text = reference_text();
    std::size_t nodes = 0;
    for (auto _ : state) {
        const Graph g = compile_policy_text(text, "demo-city-2026.yaml");
        nodes = g.node_count();
        benchmark::DoNotOptimize(nodes);
    }
    state.counters["nodes"] = static_cast<double>(nodes);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_CompileTable(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::string text = table_policy(n);
    try {
        sanity_settle(compile_policy_text(text, "table.yaml"), n);
    } catch (const CompileError& e) {
        for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.str().c_str());
        std::abort();
    }
    for (auto _ : state) {
        const Graph g = compile_policy_text(text, "table.yaml");
        benchmark::DoNotOptimize(g.node_count());
    }
    state.counters["rows"] = static_cast<double>(n);
    state.counters["yaml_KB"] = static_cast<double>(text.size()) / 1e3;
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

}  // namespace

BENCHMARK(BM_CompileReference)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompileTable)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
