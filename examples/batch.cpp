// Batch settlement: a JSON Lines claim file in, a JSON Lines results file out.
//
//   example_batch POLICY.yaml CLAIMS.jsonl OUT.jsonl
//
// Exit status: 0 all claims settled or rejected, 1 policy or I/O error,
// 2 the results contain error rows (bad records, repeated claim ids).

#include <claimgraph/claimgraph.hpp>

#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

using namespace claimgraph;

int main(int argc, char** argv) {
    if (argc != 4) {
        fmt::print(stderr, "usage: {} POLICY.yaml CLAIMS.jsonl OUT.jsonl\n", argv[0]);
        return 1;
    }
    try {
        const Graph g = compile_policy_file(argv[1]);

        // Every non-blank line becomes a record: a decoded claim, or the error
        // (field and message) that kept it from decoding.
        const std::vector<ClaimRecord> records = read_claims_jsonl_file(g, argv[2]);

        // Settles each member's claims in (date, claim_id) order, so the
        // accumulators build up correctly, and returns one result line per
        // record in input order. Bad records become error rows.
        MemoryLedger ledger;
        BatchCounts counts;
        const std::string results = settle_records_jsonl(g, records, ledger, counts);

        std::ofstream out(argv[3], std::ios::binary);
        out << results;
        out.close();
        if (!out) {
            fmt::print(stderr, "cannot write {}\n", argv[3]);
            return 1;
        }

        fmt::print("{} records: {} settled, {} rejected, {} errors -> {}\n", records.size(), counts.settled,
                   counts.rejected, counts.errors, argv[3]);
        return counts.errors > 0 ? 2 : 0;
    } catch (const CompileError& e) {
        for (const auto& d : e.diagnostics()) fmt::print(stderr, "{}\n", d.str());
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
