// Where an end-to-end run's time goes: settle_file (what `claimgraph settle`
// runs on a claim file) once, with the wall time of each pass and the
// process's CPU time. scripts/bench.sh runs it beside the end-to-end runs.
//
//   bench_file_phases POLICY.yaml CLAIMS.jsonl THREADS OUT.jsonl
//
// Prints one line: threads, claims, and seconds for the key pass, the order
// (and within it, on its two threads, the settlement order and the rest),
// the settlement pass, the whole call, then user and system CPU, and the
// share of the claims file's page cache held in 2 MB folios (which the
// settlement maps one page-table entry each: the file paths' system time
// depends on it, and it depends on how the file came into the cache).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "claimgraph/claimgraph.hpp"
#include "engine/page_allocator.hpp"
#include "io/claim_file.hpp"
#include "io/file_settle.hpp"

using namespace claimgraph;

namespace {

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

// The process's file pages mapped by 2 MB entries, in kB.
long pmd_mapped_kb() {
    std::ifstream rollup("/proc/self/smaps_rollup");
    for (std::string line; std::getline(rollup, line);)
        if (line.rfind("FilePmdMapped:", 0) == 0) return std::stol(line.substr(14));
    return -1;
}

// The share of the file's whole 2 MB stretches that its page cache holds in
// 2 MB folios: mapped as settle_file maps it (ClaimFile) and faulted in,
// each such folio takes one entry. -1 when this cannot be told.
double huge_folio_share(const char* path) {
    const long before = pmd_mapped_kb();
    const detail::ClaimFile file(path, FileAccess::map);
    const std::uint64_t units = file.size() / detail::kHugePage;
    if (file.mapped() == nullptr || units == 0 || before < 0) return -1;
    file.fetch(0, static_cast<std::size_t>(file.size()));
    return static_cast<double>(pmd_mapped_kb() - before) / static_cast<double>(units * (detail::kHugePage / 1024));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: bench_file_phases POLICY.yaml CLAIMS.jsonl THREADS OUT.jsonl\n");
        return 2;
    }
    const Graph g = compile_policy_file(argv[1]);
    const auto threads = static_cast<std::size_t>(std::strtoul(argv[3], nullptr, 10));
    std::FILE* out = std::fopen(argv[4], "wb");
    if (threads == 0 || out == nullptr) {
        std::fprintf(stderr, "bench_file_phases: bad thread count or cannot write %s\n", argv[4]);
        return 2;
    }
    const double huge_share = huge_folio_share(argv[2]);
    std::vector<MemoryLedger> ledgers(threads);
    std::vector<Ledger*> ptrs;
    for (auto& l : ledgers) ptrs.push_back(&l);

    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    const auto t0 = std::chrono::steady_clock::now();
    detail::FilePhases phases;
    detail::FileWindow window;
    window.access = FileAccess::map;  // as `claimgraph settle` reads it
    const BatchCounts counts = detail::settle_file(
        g, argv[2], ptrs, ResultFormat{}, [&](std::string_view text) { std::fwrite(text.data(), 1, text.size(), out); },
        window, nullptr, &phases);
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    getrusage(RUSAGE_SELF, &after);
    if (std::fclose(out) != 0) return 1;
    std::printf("threads %zu claims %zu keys %.3f order %.3f order_sort %.3f order_rest %.3f settle %.3f total %.3f user %.3f sys %.3f huge_folios %.2f\n", threads,
                counts.settled + counts.rejected + counts.errors, phases.keys, phases.order, phases.order_sort, phases.order_rest, phases.settle, total,
                seconds(after.ru_utime) - seconds(before.ru_utime), seconds(after.ru_stime) - seconds(before.ru_stime), huge_share);
}
