// Decoding JSON Lines claims on the bench corpus: read_claims_jsonl (all
// records at once), the reused ClaimDecoder (the streaming paths), and writing.
//
//   bench_decode [google-benchmark flags]
//   CLAIMGRAPH_BENCH_CLAIMS=20000 (corpus size), CLAIMGRAPH_BENCH_SEED=20260101
//
// bytes_per_second is input MB/s; items_per_second is claims/s. The records
// vector is built and destroyed inside the timed loop, as the CLI does once.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "claimgraph/claimgraph.hpp"
#include "corpus.hpp"

using namespace claimgraph;

namespace {

std::size_t env_size(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

struct Fixture {
    Graph graph;
    bench::Corpus corpus;
};

const Fixture& fixture() {
    static const Fixture* f = [] {
        const std::size_t n = env_size("CLAIMGRAPH_BENCH_CLAIMS", 20000);
        const auto seed = static_cast<std::uint32_t>(env_size("CLAIMGRAPH_BENCH_SEED", 20260101));
        auto* fx = new Fixture{compile_policy_file(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml"),
                               bench::make_corpus(n, seed)};
        const auto recs = read_claims_jsonl(fx->graph, fx->corpus.jsonl);
        std::size_t bad = 0;
        for (const auto& r : recs) bad += !r.ok;
        if (recs.size() != n || bad != 0) {
            std::fprintf(stderr, "bench_decode: %zu records, %zu bad (expected %zu good)\n", recs.size(), bad, n);
            std::abort();
        }
        std::fprintf(stderr, "corpus: %zu claims, %.2f lines/claim, %.1f MB\n", n, fx->corpus.stats.mean_lines(),
                     static_cast<double>(fx->corpus.stats.bytes) / 1e6);
        return fx;
    }();
    return *f;
}

void BM_DecodeJsonl(benchmark::State& state) {
    const Fixture& f = fixture();
    for (auto _ : state) {
        auto recs = read_claims_jsonl(f.graph, f.corpus.jsonl);
        benchmark::DoNotOptimize(recs.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.corpus.jsonl.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.corpus.claims.size()));
    state.counters["per_claim"] =
        benchmark::Counter(static_cast<double>(f.corpus.claims.size()),
                           benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// The streaming decoder: one ClaimDecoder and one ClaimRecord reused, line by
// line in place (the bench corpus is padded by its own text), as settle_file
// and settle_stream do. Also checks that the full simdjson decoder alone
// (fast_path = false) is the slower one, for the report.
void decode_lines(benchmark::State& state, bool fast_path) {
    const Fixture& f = fixture();
    std::string text = f.corpus.jsonl;
    const std::size_t size = text.size();
    text.append(ClaimDecoder::padding, ' ');
    ClaimDecoder decoder(f.graph, fast_path);
    ClaimRecord rec;
    std::size_t bad = 0;
    for (auto _ : state) {
        for (std::size_t pos = 0; pos < size;) {
            std::size_t end = text.find('\n', pos);
            if (end == std::string::npos || end > size) end = size;
            decoder.decode(std::string_view(text).substr(pos, end - pos), text.size() - pos, rec);
            bad += !rec.ok;
            pos = end + 1;
        }
        benchmark::DoNotOptimize(rec.claim.items.data());
    }
    if (bad != 0) state.SkipWithError("a corpus line failed to decode");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.corpus.claims.size()));
    state.counters["per_claim"] =
        benchmark::Counter(static_cast<double>(f.corpus.claims.size()),
                           benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
void BM_ClaimDecoder(benchmark::State& state) { decode_lines(state, true); }
void BM_ClaimDecoderSimdjsonOnly(benchmark::State& state) { decode_lines(state, false); }

// Writing results (no detail): write_result_json for every claim, settled once.
void BM_WriteResultsJsonl(benchmark::State& state) {
    const Fixture& f = fixture();
    const auto recs = read_claims_jsonl(f.graph, f.corpus.jsonl);
    std::vector<Claim> claims;
    claims.reserve(recs.size());
    for (const auto& r : recs) claims.push_back(r.claim);
    MemoryLedger ledger;
    const auto results = settle_batch(f.graph, claims, ledger);
    std::string out;
    for (auto _ : state) {
        out.clear();
        for (const auto& s : results) {
            write_result_json(f.graph, s, out);
            out.push_back('\n');
        }
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * results.size()));
}

}  // namespace

BENCHMARK(BM_DecodeJsonl)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ClaimDecoder)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ClaimDecoderSimdjsonOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WriteResultsJsonl)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
