// Settlement in memory: the engine against the same policy written by hand,
// on one seeded corpus, in one binary, so their ratio is measured in one run.
//
//   bench_settle [google-benchmark flags]
//   CLAIMGRAPH_BENCH_CLAIMS=50000 (corpus size), CLAIMGRAPH_BENCH_SEED=20260101
//
// Before any benchmark runs, every claim is settled by both and all 12 outputs
// of every claim are compared; on any difference the binary prints the claim
// and aborts (a benchmark of two programs that disagree is worthless).
//
// Benchmarks (items = claims, so "items_per_second" is claims/s):
//   BM_EngineSettle               Graph::settle per claim in settlement order, one
//                                 reused Settlement, a fresh MemoryLedger per pass.
//   BM_HandwrittenSettle          handwritten::settle per claim, same order, the
//                                 accumulators in a dense array indexed by
//                                 (member, year) resolved up front: the bare arithmetic.
//   BM_EngineOverHandwritten      the two above in pairs, back to back, each iteration
//                                 one pass of each (which goes first alternates):
//                                 their ratio under one state of the machine.
//   BM_HandwrittenSettleHashLedger  the same with accumulators found through a
//                                 hash map keyed by member_id (one lookup per claim):
//                                 what a hand-written service would really pay.
//   BM_EngineSettleColumns        BM_EngineSettle on the policy with one fee-line value
//                                 written another way: no fused fee-line kernel.
//   BM_EngineSettleInterpreted    the same with one claim-level condition also
//                                 written another way: neither the fee lines nor the
//                                 claim program match a compiled-in shape, so the
//                                 interpreter runs everything (any other policy's cost).
//   BM_EngineSettleNullLedger     Graph::settle with a ledger that reads 0 and keeps
//                                 nothing: the evaluator's own cost, without the store.
//   BM_LedgerOnly                 just the MemoryLedger traffic the engine makes
//                                 (one member's 8 cells of one year read, then added).
//   BM_EngineSettleBatch          settle_batch(): ordering + duplicate check +
//                                 a Settlement per claim (public batch API).
//   BM_SettleRecordsJsonl         settle_records_jsonl() on decoded records: the
//                                 CLI's work minus decode and file I/O.
//   BM_SettleRecordsThreads/T     settle_records(g, records, ledgers, ...) with T
//                                 MemoryLedgers: the engine's own multi-threaded
//                                 batch API (members partitioned by hash), JSONL
//                                 out, input order. Wall time, and CPU of the process.
//   BM_EngineSettleThreads/T      T std::threads over settlement_order, members
//                                 partitioned by hand into T contiguous ranges, one
//                                 MemoryLedger each, Graph::settle only (no writer):
//                                 the scaling of settlement alone. Wall time.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "claimgraph/claimgraph.hpp"
#include "corpus.hpp"
#include "engine/fast_program.hpp"  // which fee lines run fused (BM_EngineSettleColumns)
#include "handwritten_demo_city.hpp"

using namespace claimgraph;

namespace {

std::size_t env_size(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "\n*** bench_settle: %s\n*** ABORTING: the engine and the hand-written settlement disagree.\n",
                 msg.c_str());
    std::fflush(stderr);
    std::abort();
}

// The hand-written Result order, by output name.
constexpr std::array<const char*, 12> kHwOrder = {
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
    "hifp_pay",      "hifmi_pay",         "maf_pay",         "oth_pay",        "fund_pay_sumamt", "psn_part_amt"};

struct Fixture {
    Graph graph;
    bench::Corpus corpus;
    std::vector<ClaimRecord> records;
    std::vector<Claim> claims;             // decoded, input order
    std::vector<std::uint32_t> order;      // settlement order
    std::vector<std::uint32_t> acc_slot;   // per claim: dense (member, year) index
    std::size_t slots = 0;
    std::vector<std::string_view> hw_key;  // per claim: member_id (for the hash-ledger variant)
    std::array<std::size_t, 12> out_idx{};  // engine output index of kHwOrder[f]
    // The same policy with one fee-line value written another way (the same
    // arithmetic): its line program matches no fused line kernel, so its fee
    // lines run in columns, as a policy of a shape the engine has no kernel
    // for would (BM_EngineSettleColumns).
    Graph columns_graph;
    // ... and with one claim-level condition written another way too: neither
    // fee lines nor claim program of a compiled-in shape (BM_EngineSettleInterpreted).
    Graph interpreted_graph;

    Fixture(Graph g, Graph columns, Graph interpreted)
        : graph(std::move(g)), columns_graph(std::move(columns)), interpreted_graph(std::move(interpreted)) {}
};

// rules/demo-city-2026.yaml with `preselfpay` as (amount - overlmt) × (B ?
// selfpay_prop : 0%) instead of B ? (amount - overlmt) × selfpay_prop : 0:
// equal for every line, a different program.
void rewrite(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    if (at == std::string::npos) die(fmt::format("rules/demo-city-2026.yaml no longer has `{}` as bench_settle expects", from));
    text.replace(at, from.size(), to);
}

// `claim_too`: also referral_penalty's condition with the two sides of its
// `or` swapped (the same truth value, another op sequence).
Graph columns_policy(bool claim_too) {
    std::ifstream in(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    rewrite(text, "value: if(item.category == B, (item.amount - item.overlmt) * item.selfpay_prop, 0)",
            "value: (item.amount - item.overlmt) * if(item.category == B, item.selfpay_prop, 0%)");
    if (claim_too)
        rewrite(text, "value: (claim.region != local or claim.hosp_lv == 3) and not claim.referred",
                "value: (claim.hosp_lv == 3 or claim.region != local) and not claim.referred");
    Graph g = compile_policy_text(text, claim_too ? "demo-city-2026 (rewritten twice)" : "demo-city-2026 (preselfpay rewritten)");
    if (g.program().fast == nullptr || g.program().fast->lines.kernel.shape >= 0)
        die("the rewritten policy's fee lines match a fused kernel: BM_EngineSettleColumns would not measure columns");
    if (claim_too && g.program().fast->claim_shape >= 0)
        die("the rewritten policy's claim program matches a claim shape: BM_EngineSettleInterpreted would not measure the interpreter");
    return g;
}

std::string line_of(const Fixture& f, std::size_t i) {
    std::size_t at = 0;
    for (std::size_t k = 0; k < i; ++k) at = f.corpus.jsonl.find('\n', at) + 1;
    return f.corpus.jsonl.substr(at, f.corpus.jsonl.find('\n', at) - at);
}

// Partitions `order` (settlement order, so grouped by member) into `t`
// contiguous chunks that never split a member.
std::vector<std::pair<std::size_t, std::size_t>> partition(const Fixture& f, std::size_t t) {
    std::vector<std::pair<std::size_t, std::size_t>> parts;
    const std::size_t n = f.order.size();
    std::size_t begin = 0;
    for (std::size_t k = 1; k <= t; ++k) {
        std::size_t end = k == t ? n : std::max(begin, n * k / t);
        while (end < n && end > 0 && f.claims[f.order[end]].member_id == f.claims[f.order[end - 1]].member_id) ++end;
        parts.emplace_back(begin, end);
        begin = end;
    }
    return parts;
}

void settle_threads(const Fixture& f, std::size_t t, std::vector<Settlement>& results) {
    const auto parts = partition(f, t);
    std::vector<std::thread> pool;
    pool.reserve(t);
    for (const auto& [b, e] : parts) {
        pool.emplace_back([&, b = b, e = e] {
            MemoryLedger ledger;
            for (std::size_t k = b; k < e; ++k) {
                const std::uint32_t i = f.order[k];
                f.graph.settle(f.claims[i], ledger, results[i]);
            }
        });
    }
    for (auto& th : pool) th.join();
}

struct SvHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using HashLedgerT = std::unordered_map<std::string, std::array<handwritten::Accumulators, 2>, SvHash, std::equal_to<>>;

handwritten::Accumulators& hash_acc(HashLedgerT& m, std::string_view member, int year) {
    auto it = m.find(member);
    if (it == m.end()) it = m.emplace(std::string(member), std::array<handwritten::Accumulators, 2>{}).first;
    return it->second[static_cast<std::size_t>(year - 2026)];
}

void check(const Fixture& f) {
    const std::size_t n = f.claims.size();
    // Engine, one thread.
    MemoryLedger ledger;
    std::vector<Settlement> eng(n);
    for (const std::uint32_t i : f.order) f.graph.settle(f.claims[i], ledger, eng[i]);
    // The rewritten policies (fee lines in columns; the interpreter throughout), the same results.
    for (const auto& [g, what] : {std::pair{&f.columns_graph, "with fee lines in columns"},
                                  std::pair{&f.interpreted_graph, "run by the interpreter"}}) {
        MemoryLedger l;
        Settlement s;
        for (const std::uint32_t i : f.order) {
            g->settle(f.claims[i], l, s);
            if (s.outputs != eng[i].outputs || s.status != eng[i].status)
                die(fmt::format("claim {}: the policy {} differs", f.claims[i].claim_id, what));
        }
    }
    {
        // With the `next` hint, the same results.
        MemoryLedger l;
        Settlement s;
        for (std::size_t k = 0; k < n; ++k) {
            f.graph.settle(f.claims[f.order[k]], l, s, k + 1 < n ? &f.claims[f.order[k + 1]] : nullptr);
            if (s.outputs != eng[f.order[k]].outputs || s.status != eng[f.order[k]].status)
                die(fmt::format("claim {}: settle with a next claim differs from settle", f.claims[f.order[k]].claim_id));
        }
    }
    // Hand-written, dense accumulators and hash-map accumulators.
    std::vector<handwritten::Accumulators> acc(f.slots);
    HashLedgerT hacc;
    std::vector<handwritten::Result> hw(n);
    for (const std::uint32_t i : f.order) {
        const auto& c = f.corpus.claims[i];
        hw[i] = handwritten::settle(c.hw, acc[f.acc_slot[i]]);
        const auto h = handwritten::settle(c.hw, hash_acc(hacc, f.hw_key[i], c.year));
        if (h != hw[i]) die(fmt::format("claim {}: hand-written dense and hash-map ledgers disagree", c.id));
    }
    std::size_t capped = 0, paid[4] = {};
    for (std::size_t i = 0; i < n; ++i) {
        const Settlement& s = eng[i];
        if (s.status != SettleStatus::settled)
            die(fmt::format("claim {} (input line {}): engine status {} ({}), expected settled\n{}", f.claims[i].claim_id,
                            i + 1, static_cast<int>(s.status), s.message, line_of(f, i)));
        for (std::size_t k = 0; k < 12; ++k) {
            const std::int64_t e = s.outputs[f.out_idx[k]].fen(), h = hw[i][k];
            if (e != h)
                die(fmt::format("claim {} (input line {}): {} engine {} fen, hand-written {} fen\n{}",
                                f.claims[i].claim_id, i + 1, kHwOrder[k], e, h, line_of(f, i)));
        }
        capped += s.stages[0].pay < s.stages[0].raw;
        for (int k = 0; k < 4; ++k) paid[k] += hw[i][6 + k] > 0;
    }
    // The public batch API and the partitioned 2-thread run must agree too.
    {
        MemoryLedger l2;
        const auto batch = settle_batch(f.graph, f.claims, l2);
        std::vector<Settlement> two(n);
        settle_threads(f, 2, two);
        BatchCounts c1, c2;
        MemoryLedger l3, l4, l5;
        const std::string one = settle_records_jsonl(f.graph, f.records, l3, c1);
        std::array<Ledger*, 2> ledgers = {&l4, &l5};
        const std::string par = settle_records(f.graph, f.records, ledgers, c2, ResultFormat{});
        if (one != par) die("settle_records on 2 threads wrote different text from settle_records_jsonl");
        if (c1.settled != n) die(fmt::format("settle_records_jsonl settled {} of {} claims", c1.settled, n));
        for (std::size_t i = 0; i < n; ++i) {
            if (batch[i].outputs != eng[i].outputs || batch[i].status != eng[i].status)
                die(fmt::format("claim {}: settle_batch differs from per-claim settle", f.claims[i].claim_id));
            if (two[i].outputs != eng[i].outputs || two[i].status != eng[i].status)
                die(fmt::format("claim {}: 2-thread partitioned run differs from 1 thread", f.claims[i].claim_id));
        }
    }
    std::fprintf(stderr,
                 "check: %zu claims, all 12 outputs identical (engine == hand-written == settle_batch == 2 threads; "
                 "settle_records 1 == 2 threads); "
                 "hifp capped %zu, paid by hifp %zu hifmi %zu maf %zu hmb %zu\n",
                 n, capped, paid[0], paid[1], paid[2], paid[3]);
}

Fixture& fixture() {
    static Fixture* f = [] {
        const std::size_t n = env_size("CLAIMGRAPH_BENCH_CLAIMS", 50000);
        const auto seed = static_cast<std::uint32_t>(env_size("CLAIMGRAPH_BENCH_SEED", 20260101));
        auto* fx = new Fixture(compile_policy_file(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml"),
                               columns_policy(false), columns_policy(true));
        if (fx->graph.program().fast == nullptr || fx->graph.program().fast->lines.kernel.shape < 0)
            std::fprintf(stderr, "note: the reference policy's fee lines match no fused kernel\n");
        fx->corpus = bench::make_corpus(n, seed);
        const auto& st = fx->corpus.stats;
        std::fprintf(stderr,
                     "corpus: %zu claims, %zu members (%.2f claims/member), %.2f lines/claim (max %zu), %.1f MB JSONL, "
                     "seed %u\n",
                     st.claims, st.members, static_cast<double>(st.claims) / static_cast<double>(st.members),
                     st.mean_lines(), st.max_lines, static_cast<double>(st.bytes) / 1e6, seed);
        fx->records = read_claims_jsonl(fx->graph, fx->corpus.jsonl);
        if (fx->records.size() != n) die(fmt::format("decoded {} records, generated {}", fx->records.size(), n));
        fx->claims.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            if (!fx->records[i].ok)
                die(fmt::format("line {} did not decode: {}: {}\n{}", i + 1, fx->records[i].error_field,
                                fx->records[i].error_message, line_of(*fx, i)));
            fx->claims.push_back(fx->records[i].claim);
        }
        fx->order = settlement_order(fx->claims);
        std::unordered_map<std::string, std::uint32_t> slot;
        fx->acc_slot.resize(n);
        fx->hw_key.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& c = fx->corpus.claims[i];
            const auto [it, fresh] =
                slot.emplace(c.member + "/" + std::to_string(c.year), static_cast<std::uint32_t>(slot.size()));
            fx->acc_slot[i] = it->second;
            fx->hw_key[i] = fx->claims[i].member_id;
        }
        fx->slots = slot.size();
        const auto& names = fx->graph.output_names();
        for (std::size_t k = 0; k < 12; ++k) {
            const auto it = std::find(names.begin(), names.end(), kHwOrder[k]);
            if (it == names.end()) die(fmt::format("the policy has no output {}", kHwOrder[k]));
            fx->out_idx[k] = static_cast<std::size_t>(it - names.begin());
        }
        check(*fx);
        return fx;
    }();
    return *f;
}

void set_counters(benchmark::State& state, std::size_t n) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
    state.counters["per_claim"] = benchmark::Counter(static_cast<double>(n),
                                                        benchmark::Counter::kIsIterationInvariantRate |
                                                            benchmark::Counter::kInvert);
}

// One pass of Graph::settle over every claim in settlement order, a fresh
// ledger, over `g` (the reference policy or a rewritten variant).
void engine_pass(const Fixture& f, const Graph& g, Settlement& s) {
    MemoryLedger ledger;
    for (const std::uint32_t i : f.order) {
        g.settle(f.claims[i], ledger, s);
        benchmark::DoNotOptimize(s.outputs.data());
    }
    benchmark::ClobberMemory();
}

// One pass of the hand-written function, the same claims in the same order,
// its accumulators zeroed first.
void hand_pass(const Fixture& f, std::vector<handwritten::Accumulators>& acc) {
    std::fill(acc.begin(), acc.end(), handwritten::Accumulators{});
    for (const std::uint32_t i : f.order) {
        auto r = handwritten::settle(f.corpus.claims[i].hw, acc[f.acc_slot[i]]);
        benchmark::DoNotOptimize(r);
    }
    benchmark::ClobberMemory();
}

void engine_settle_loop(benchmark::State& state, const Graph& g) {
    const Fixture& f = fixture();
    Settlement s;
    for (auto _ : state) engine_pass(f, g, s);
    set_counters(state, f.claims.size());
}

void BM_EngineSettle(benchmark::State& state) { engine_settle_loop(state, fixture().graph); }

// The same loop, telling the engine which claim comes next (Graph::settle's
// `next`), as the engine's own batch paths do: the claim after this one is
// fetched from memory while this one is settled.
void BM_EngineSettleNext(benchmark::State& state) {
    const Fixture& f = fixture();
    Settlement s;
    const std::size_t n = f.order.size();
    for (auto _ : state) {
        MemoryLedger ledger;
        for (std::size_t k = 0; k < n; ++k) {
            const Claim* next = k + 1 < n ? &f.claims[f.order[k + 1]] : nullptr;
            f.graph.settle(f.claims[f.order[k]], ledger, s, next);
            benchmark::DoNotOptimize(s.outputs.data());
        }
        benchmark::ClobberMemory();
    }
    set_counters(state, f.claims.size());
}

// BM_EngineSettle on the policy whose fee lines run in columns: what a policy
// of a line shape with no fused kernel costs.
void BM_EngineSettleColumns(benchmark::State& state) { engine_settle_loop(state, fixture().columns_graph); }

// ... and a claim program of no compiled-in shape: the interpreter throughout.
void BM_EngineSettleInterpreted(benchmark::State& state) { engine_settle_loop(state, fixture().interpreted_graph); }

// Every cell reads 0 and adds are dropped, so this is the evaluator alone
// (setup, ops, lines, outputs); BM_EngineSettle minus this is the ledger.
class NullLedger final : public Ledger {
public:
    void read(std::span<const Cell>, std::span<std::int64_t> out) override { std::fill(out.begin(), out.end(), 0); }
    void add(std::span<const Cell>, std::span<const std::int64_t>) override {}
};

void BM_EngineSettleNullLedger(benchmark::State& state) {
    const Fixture& f = fixture();
    Settlement s;
    NullLedger ledger;
    for (auto _ : state) {
        for (const std::uint32_t i : f.order) {
            f.graph.settle(f.claims[i], ledger, s);
            benchmark::DoNotOptimize(s.outputs.data());
        }
        benchmark::ClobberMemory();
    }
    set_counters(state, f.claims.size());
}

// Tracing on: every claim's Trace is recorded (not rendered). The cost of
// tracing *off* is measured by building with -DCLAIMGRAPH_TRACING=OFF and
// comparing BM_EngineSettle across the two builds (docs/performance.md).
void BM_EngineSettleTraced(benchmark::State& state) {
    const Fixture& f = fixture();
    Settlement s;
    Trace trace;
    for (auto _ : state) {
        MemoryLedger ledger;
        for (const std::uint32_t i : f.order) {
            f.graph.settle(f.claims[i], ledger, s, trace);
            benchmark::DoNotOptimize(trace.stages.data());
        }
        benchmark::ClobberMemory();
    }
    set_counters(state, f.claims.size());
}

void BM_HandwrittenSettle(benchmark::State& state) {
    const Fixture& f = fixture();
    std::vector<handwritten::Accumulators> acc(f.slots);
    for (auto _ : state) hand_pass(f, acc);
    set_counters(state, f.claims.size());
}

// The hand-written loop given the same head start as BM_EngineSettleNext: the
// next claim and then its fee lines are fetched while one is settled. Not the
// yardstick the issue names (a plain per-claim function), but the like-for-like
// comparison for the engine's batch paths.
void BM_HandwrittenSettleNext(benchmark::State& state) {
    const Fixture& f = fixture();
    std::vector<handwritten::Accumulators> acc(f.slots);
    const std::size_t n = f.order.size();
    for (auto _ : state) {
        std::fill(acc.begin(), acc.end(), handwritten::Accumulators{});
        for (std::size_t k = 0; k < n; ++k) {
            const handwritten::Claim* next = k + 1 < n ? &f.corpus.claims[f.order[k + 1]].hw : nullptr;
            if (next != nullptr) __builtin_prefetch(next);
            const std::uint32_t i = f.order[k];
            auto r = handwritten::settle(f.corpus.claims[i].hw, acc[f.acc_slot[i]]);
            if (next != nullptr) {
                const char* b = reinterpret_cast<const char*>(next->items.data());
                for (std::size_t at = 0; at < next->items.size() * sizeof(handwritten::Item); at += 64) {
                    __builtin_prefetch(b + at);
                    asm volatile("");
                }
            }
            benchmark::DoNotOptimize(r);
        }
        benchmark::ClobberMemory();
    }
    set_counters(state, f.claims.size());
}

// BM_EngineSettle and BM_HandwrittenSettle in pairs: each iteration times
// one pass of each over the corpus, back to back (which goes first
// alternates), so that both meet the same state of the machine. This
// machine's memory is shared with other tenants, and the time per claim of
// either moves by a third from one minute to the next: the ratio of two
// medians taken minutes apart moved with it (1.4-1.9x in session 15), the
// ratio of paired passes much less. Wall time, steady clock.
void BM_EngineOverHandwritten(benchmark::State& state) {
    using Clock = std::chrono::steady_clock;
    const Fixture& f = fixture();
    Settlement s;
    std::vector<handwritten::Accumulators> acc(f.slots);
    double engine_s = 0, hand_s = 0;
    bool engine_first = true;
    auto timed_engine = [&] {
        const auto t0 = Clock::now();
        engine_pass(f, f.graph, s);
        engine_s += std::chrono::duration<double>(Clock::now() - t0).count();
    };
    auto timed_hand = [&] {
        const auto t0 = Clock::now();
        hand_pass(f, acc);
        hand_s += std::chrono::duration<double>(Clock::now() - t0).count();
    };
    for (auto _ : state) {
        if (engine_first) {
            timed_engine();
            timed_hand();
        } else {
            timed_hand();
            timed_engine();
        }
        engine_first = !engine_first;
    }
    const double claims = static_cast<double>(state.iterations()) * static_cast<double>(f.claims.size());
    state.counters["engine_ns"] = engine_s / claims * 1e9;
    state.counters["hand_ns"] = hand_s / claims * 1e9;
    state.counters["ratio"] = engine_s / hand_s;
}

void BM_HandwrittenSettleHashLedger(benchmark::State& state) {
    const Fixture& f = fixture();
    for (auto _ : state) {
        HashLedgerT acc;
        for (const std::uint32_t i : f.order) {
            const auto& c = f.corpus.claims[i];
            auto r = handwritten::settle(c.hw, hash_acc(acc, f.hw_key[i], c.year));
            benchmark::DoNotOptimize(r);
        }
        benchmark::ClobberMemory();
    }
    set_counters(state, f.claims.size());
}

void BM_LedgerOnly(benchmark::State& state) {
    const Fixture& f = fixture();
    const std::size_t na = f.graph.accumulator_names().size();
    std::vector<std::int64_t> v(na), d(na, 1);
    for (auto _ : state) {
        MemoryLedger ledger;
        for (const std::uint32_t i : f.order) {
            const Claim& c = f.claims[i];
            // As Graph::settle calls it for this policy (unkeyed calendar-year accumulators).
            ledger.read_period(c.member_id, c.date.year(), v);
            ledger.add_period(c.member_id, c.date.year(), d);
            benchmark::DoNotOptimize(v.data());
        }
    }
    set_counters(state, f.claims.size());
}

void BM_EngineSettleBatch(benchmark::State& state) {
    const Fixture& f = fixture();
    for (auto _ : state) {
        MemoryLedger ledger;
        auto results = settle_batch(f.graph, f.claims, ledger);
        benchmark::DoNotOptimize(results.data());
    }
    set_counters(state, f.claims.size());
}

void BM_SettleRecordsJsonl(benchmark::State& state) {
    const Fixture& f = fixture();
    std::size_t bytes = 0;
    for (auto _ : state) {
        MemoryLedger ledger;
        BatchCounts counts;
        const std::string out = settle_records_jsonl(f.graph, f.records, ledger, counts);
        bytes = out.size();
        benchmark::DoNotOptimize(out.data());
    }
    set_counters(state, f.claims.size());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.corpus.stats.bytes));
    state.counters["out_MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_SettleRecordsThreads(benchmark::State& state) {
    const Fixture& f = fixture();
    const auto t = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        std::vector<MemoryLedger> ledgers(t);
        std::vector<Ledger*> ptrs;
        for (auto& l : ledgers) ptrs.push_back(&l);
        BatchCounts counts;
        const std::string out = settle_records(f.graph, f.records, ptrs, counts, ResultFormat{});
        benchmark::DoNotOptimize(out.data());
    }
    set_counters(state, f.claims.size());
}

void BM_EngineSettleThreads(benchmark::State& state) {
    const Fixture& f = fixture();
    const auto t = static_cast<std::size_t>(state.range(0));
    std::vector<Settlement> results(f.claims.size());
    for (auto _ : state) {
        settle_threads(f, t, results);
        benchmark::DoNotOptimize(results.data());
    }
    set_counters(state, f.claims.size());
}

}  // namespace

BENCHMARK(BM_EngineSettle)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineSettleNext)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineSettleColumns)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineSettleInterpreted)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineSettleNullLedger)->Unit(benchmark::kMillisecond);
#if CLAIMGRAPH_BENCH_TRACING
BENCHMARK(BM_EngineSettleTraced)->Unit(benchmark::kMillisecond);
#endif
BENCHMARK(BM_HandwrittenSettle)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HandwrittenSettleNext)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineOverHandwritten)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HandwrittenSettleHashLedger)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LedgerOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineSettleBatch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SettleRecordsJsonl)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SettleRecordsThreads)->Arg(1)->Arg(2)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineSettleThreads)->Arg(1)->Arg(2)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    fixture();  // builds the corpus and runs the identical-results check, or aborts
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
