// Claim files in (JSON Lines) and settlement results out.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
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

// Decodes one JSON Lines record at a time against the policy's schema, reusing
// its parser and the record's buffers: after the first few claims, decoding
// allocates nothing. Not thread-safe: one decoder per thread.
class ClaimDecoder {
public:
    // The parser may read this many bytes past a line's end (never writes them).
    static constexpr std::size_t padding = 64;

    // g must outlive the decoder. Plain lines (no escapes, the usual shape)
    // are read by a fast path that yields exactly what the full simdjson
    // decoder would; fast_path = false always uses the full decoder (tests
    // cross-check the two with it).
    explicit ClaimDecoder(const Graph& g, bool fast_path = true);
    ~ClaimDecoder();
    ClaimDecoder(ClaimDecoder&&) noexcept;
    ClaimDecoder& operator=(ClaimDecoder&&) noexcept;

    // Replaces `rec` with the claim on `line` (one JSON object, no newline) or
    // with the error that kept it from decoding. Claim::line is left 0.
    void decode(std::string_view line, ClaimRecord& rec);
    // The same, parsing in place when `readable` >= line.size() + padding
    // bytes may be read from line.data() (a line inside a larger buffer).
    void decode(std::string_view line, std::size_t readable, ClaimRecord& rec);
    // The same, with `next` (the line to be decoded after this one, not read
    // here) fetched into the cache meanwhile: its first bytes at once, the
    // rest a cache line per fee line of this one. A file read in an order
    // of its own (settle_file) finds each line ready when it gets to it.
    void decode(std::string_view line, std::size_t readable, ClaimRecord& rec, std::string_view next);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
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

// How settlement results are written (claimgraph settle --format, --detail).
//   jsonl: one JSON object per record (write_result_json); with detail, a
//          settled row also carries "detail":{"adjudication":[…],"stages":[…]}.
//   csv:   RFC 4180, UTF-8, '\n' line ends; a header row
//          claim_id,status,<outputs…>,code,error_field,message
//          then one row per record; with detail, per stage id S the columns
//          S.applied,S.eligible,S.deductible,S.benefit,S.copay,S.rejection
//          follow. See docs/output-formats.md.
struct ResultFormat {
    enum class Kind : std::uint8_t { jsonl, csv };
    Kind kind = Kind::jsonl;
    bool detail = false;  // per-output FHIR adjudication and per-stage breakdown
};

// Appends the format's header (the CSV header line, with its '\n'); nothing for
// JSON Lines.
void write_header(const Graph& g, const ResultFormat& f, std::string& out);
// Append one result row (no newline) in format `f`. JSON Lines without detail
// is exactly write_result_json / write_error_json.
void write_result(const Graph& g, const Settlement& s, const ResultFormat& f, std::string& out);
void write_error(const Graph& g, const ClaimRecord& r, const ResultFormat& f, std::string& out);

// write_result / write_error for one policy and format, with what is the same
// on every row (the output names as JSON) prepared once: for writing many
// rows, one writer per thread. Writes exactly the same text.
class ResultWriter {
public:
    ResultWriter(const Graph& g, const ResultFormat& f);
    void write(const Settlement& s, std::string& out) const;
    void write_error(const ClaimRecord& r, std::string& out) const;

    // Room that any row write_to takes needs (it may write scratch past the row's end).
    static constexpr std::size_t row_room = 4096;
    // The common row (settled, JSON Lines without detail, a claim_id with
    // nothing to escape) written into `out`, which has `room` bytes: returns
    // the row's end. Any other row, or room < row_room: nothing is written
    // and it returns nullptr (write it with write()). Lets a caller put rows
    // straight where they are kept, with no copy.
    char* write_to(const Settlement& s, char* out, std::size_t room) const;

private:
    // One output's ,"name":" (the amount's opening quote too) in 32 bytes,
    // with the last 8 bytes before its amount's digits when the amount is
    // positive and when negative (the 7 before and '-'): see write_to.
    struct alignas(64) KeySlot {
        char text[32];
        std::uint64_t tail[2];
        std::uint32_t len;
    };
    const Graph* g_;
    ResultFormat format_;
    bool fast_ = false;              // JSON Lines without detail, every name plain
    bool slots_ = false;             // and every ,"name":" of 8 to 32 bytes: key_slots_
    std::string keys_;               // ,"name": for each output, one after another
    std::vector<std::uint32_t> key_ends_;
    std::vector<KeySlot> key_slots_;
};

struct BatchCounts {
    std::size_t settled = 0, rejected = 0, errors = 0;  // errors: bad records and settlement errors
};

// Settles a whole file's records, each member's in settlement order (bad records become error
// rows; a repeated claim_id is an error row, not settled twice) and returns the
// JSON Lines text, one line per record, in input order.
std::string settle_records_jsonl(const Graph& g, const std::vector<ClaimRecord>& records, Ledger& ledger,
                                 BatchCounts& counts);
// The same; `errors` counts error rows.
std::string settle_records_jsonl(const Graph& g, const std::vector<ClaimRecord>& records, Ledger& ledger,
                                 std::size_t* errors = nullptr);
// The same in any result format: header (if any), then one row and '\n' per
// record, in input order. settle_records_jsonl is the jsonl, no-detail case.
std::string settle_records(const Graph& g, const std::vector<ClaimRecord>& records, Ledger& ledger,
                           BatchCounts& counts, const ResultFormat& format);

// The same on ledgers.size() threads, members partitioned by a hash of
// member_id: each member's claims are settled on one thread, in settlement
// order, against that thread's ledger. The text is identical to the
// single-threaded run's, whatever the thread count.
std::string settle_records(const Graph& g, const std::vector<ClaimRecord>& records, std::span<Ledger* const> ledgers,
                           BatchCounts& counts, const ResultFormat& format);

// How settle_file and settle_stream_file read a claim file.
enum class FileAccess : std::uint8_t {
    // pread(2) into buffers of the run's own. A file truncated while it is
    // being settled gives an error (std::runtime_error).
    read,
    // mmap(2): read in place, without copying the file into the process,
    // and settle_file's workers then go through it each at its own pace:
    // faster on an unsorted file (a million claims: 1.69 -> 1.47 s on two
    // threads, 2.48 -> 2.20 s on one). Memory stays bounded: pages are dropped
    // behind the readers. But a file truncated while it is being settled
    // raises SIGBUS in the process, which the caller must be ready for
    // (`claimgraph settle` reports it and exits without committing its
    // output). A file that cannot be mapped is read.
    map,
};

// Settles a claim file in any order without holding the decoded claims: one
// pass reads each line's keys (member_id, date, claim_id) into a sorted index;
// a second reads the file front to back again through a 24 MB window and
// settles each claim as soon as its member's earlier claims are settled
// (members spread wider than the window have their earlier claims read one
// at a time), handing rows to `sink` behind the window. Each member's claims
// are settled in settlement order. Memory: the index (tens of bytes per
// claim), the window and the rows not yet out. Same text as
// read_claims_jsonl_file + settle_records, except that a claim_id repeated
// after an earlier line that failed to decode is also reported as repeated.
std::string settle_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers, BatchCounts& counts,
                        const ResultFormat& format);
// The same, handing the text to `sink` in blocks, in input order.
BatchCounts settle_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers,
                        const ResultFormat& format, const std::function<void(std::string_view)>& sink,
                        FileAccess access = FileAccess::read);

// Settles a JSON Lines stream in which each member's claims already come in
// settlement order (date, then claim_id), writing results as it goes: memory
// stays bounded whatever the input's size (plus the ledger and ~100 bytes per
// member for the order check). A claim out of order, or repeated, becomes an
// error row; it is never settled against the wrong year-to-date state.
// `sink` receives the output text in blocks, in input order.
BatchCounts settle_stream(const Graph& g, std::istream& in, Ledger& ledger, const ResultFormat& format,
                          const std::function<void(std::string_view)>& sink);
// The same on one thread per ledger, members partitioned between them (each
// member's claims always go to the same ledger); the output is the same for
// any number of ledgers. Memory: two blocks of input (8 MB each) and their
// rows. While a block is settled, the next is read and the last one's rows
// handed to `sink` by whichever of the run's threads is free: `in` is read
// and `sink` called from one thread at a time, not always the calling one.
BatchCounts settle_stream(const Graph& g, std::istream& in, std::span<Ledger* const> ledgers, const ResultFormat& format,
                          const std::function<void(std::string_view)>& sink);
// The same for a claim file (what `claimgraph settle --sorted` runs): the next
// block is read in 1 MB parts, several at once, so that each thread reads
// when its share of the block is settled. Throws std::runtime_error naming
// the file when it cannot be opened or read.
BatchCounts settle_stream_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers,
                               const ResultFormat& format, const std::function<void(std::string_view)>& sink,
                               FileAccess access = FileAccess::read);

}  // namespace claimgraph
