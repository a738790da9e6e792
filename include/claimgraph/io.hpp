// Claim files in (JSON Lines) and settlement results out.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "claimgraph/graph.hpp"

namespace claimgraph {

// One input record: a decoded claim, or the error that kept it from decoding.
struct ClaimRecord {
    Claim claim;
    bool ok = true;
    std::string error_field;
    std::string error_message;
};

// Decodes JSON Lines claims against the policy's schema. Blank lines are
// skipped; every other line yields one record, good or bad, with its 1-based
// line number in Claim::line. The file variant throws std::runtime_error when
// the file cannot be read.
std::vector<ClaimRecord> read_claims_jsonl(const Graph& g, std::string_view text);
std::vector<ClaimRecord> read_claims_jsonl_file(const Graph& g, const std::string& path);

// Append one JSON object (no newline) to `out`: claim_id then every output as a
// two-decimal string; or {"claim_id":…,"rejected":{"code":…,"message":…}} /
// {"claim_id":…,"error":{"field":…,"message":…}}. A bad record without a
// claim_id is named by its line: {"line":N,"error":{…}}.
void write_result_json(const Graph& g, const Settlement& s, std::string& out);
void write_error_json(const ClaimRecord& r, std::string& out);

struct BatchCounts {
    std::size_t settled = 0, rejected = 0, errors = 0;  // errors: bad records and settlement errors
};

// Settles a whole file's records in settlement order (bad records become error
// rows; a repeated claim_id is an error row, not settled twice) and returns the
// JSON Lines text, one line per record, in input order.
std::string settle_records_jsonl(const Graph& g, const std::vector<ClaimRecord>& records, Ledger& ledger,
                                 BatchCounts& counts);
// The same; `errors` counts error rows.
std::string settle_records_jsonl(const Graph& g, const std::vector<ClaimRecord>& records, Ledger& ledger,
                                 std::size_t* errors = nullptr);

}  // namespace claimgraph
