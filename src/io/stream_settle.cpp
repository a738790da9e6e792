// Streaming settlement for input already in settlement order: the stream is
// read 8 MB at a time and each line is decoded in place, settled and written
// as it comes, so memory stays bounded by the blocks and the ledger whatever
// the input's size.
//
// With several ledgers, each worker labels a share of each block's lines
// with their member's worker (a hash of member_id, read off the line once),
// then goes through the whole block and takes its own members' lines; the
// rows are then put back in line order. A member's claims all go to one
// worker, in input order, so each worker sees exactly what one thread would
// see of those members and the output does not depend on the worker count.
#include <fmt/format.h>

#include <algorithm>
#include <barrier>
#include <cstring>
#include <exception>
#include <functional>
#include <istream>
#include <memory>
#include <stdexcept>
#include <utility>

#include "claimgraph/io.hpp"
#include "engine/batch_rows.hpp"
#include "engine/key_hash.hpp"
#include "io/claim_file.hpp"
#include "io/claim_keys.hpp"
#include "io/order_check.hpp"
#include "io/stream_blocks.hpp"

namespace claimgraph {

namespace {

// Output is handed on in blocks of about this size.
constexpr std::size_t kBlockBytes = std::size_t{1} << 20;

// No worker could be told from the line's keys: every worker decodes it.
constexpr std::uint32_t kAnyWorker = UINT32_MAX;
// A blank line: no record, no row.
constexpr std::uint32_t kBlank = UINT32_MAX - 1;

// A line of a block: its text (BOM and CR taken off) and whose member it is
// (with one worker, 0), or kBlank.
struct Line {
    std::string_view text;
    std::uint32_t worker;
};

std::size_t owner_of(std::string_view member, std::size_t workers) { return detail::key_hash(member) % workers; }

// The lines of bytes [from, to) of the block (which begins at `base` in the
// source) into `lines`, each labelled: a line's keys are read once, by the
// worker whose share of the block it is in.
void label_lines(const char* block, std::uint64_t base, std::size_t from, std::size_t to, std::size_t workers,
                 detail::ClaimKeys& keys, std::vector<Line>& lines) {
    lines.clear();
    detail::for_each_line(block, base, from, to, [&](std::string_view text, std::uint64_t, bool blank) {
        std::uint32_t worker = 0;
        if (blank) {
            worker = kBlank;  // blank lines yield no record
        } else if (workers > 1) {
            std::string_view member, id, date;
            worker = keys.read(text, member, id, date) ? static_cast<std::uint32_t>(owner_of(member, workers)) : kAnyWorker;
        }
        lines.push_back({text, worker});
    });
}

// A worker's rows of a block, one after another. Its bytes are not cleared
// when made, so that a common row can be written in place
// (ResultWriter::write_to) instead of through a string and copied in.
class RowText {
public:
    // Room for n bytes at the end; commit(k ≤ n) keeps k of them.
    char* room(std::size_t n) {
        if (capacity_ - size_ < n) grow(n);
        return data_.get() + size_;
    }
    void commit(std::size_t n) { size_ += n; }
    void append(std::string_view text) {
        std::memcpy(room(text.size()), text.data(), text.size());
        size_ += text.size();
    }
    void clear() { size_ = 0; }
    std::size_t size() const { return size_; }
    std::string_view text() const { return {data_.get(), size_}; }

private:
    void grow(std::size_t n) {
        const std::size_t capacity = std::max({capacity_ * 2, size_ + n, std::size_t{1} << 16});
        std::unique_ptr<char[]> bigger(new char[capacity]);
        if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
        data_ = std::move(bigger);
        capacity_ = capacity;
    }
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0, capacity_ = 0;
};

// One worker's state, kept from block to block.
class Worker {
public:
    Worker(const Graph& g, const ResultFormat& format, Ledger& ledger, std::size_t index, std::size_t workers)
        : g_(g), writer_(g, format), ledger_(ledger), index_(index), workers_(workers), decoder_(g) {}

    // Settles this worker's lines of the block (the workers' shares of it, in
    // order; its first line is number `first`); its rows go to rows(slot),
    // each with the index of its line in the block (two slots: one block's
    // rows are put in order while the next block is settled).
    void run(std::span<const std::vector<Line>> shares, std::size_t first, int slot) {
        RowText& out = out_slots_[slot];
        std::vector<Row>& rows = row_slots_[slot];
        out.clear();
        rows.clear();
        std::size_t j = 0;
        for (const std::vector<Line>& lines : shares)
            for (const Line& line : lines) {
                const std::size_t at = j++;
                if (line.worker == kBlank) continue;
                bool decoded = false;
                if (workers_ > 1) {
                    if (line.worker != kAnyWorker) {
                        if (line.worker != index_) continue;
                    } else {
                        // Keys not readable: every worker decodes the line; the
                        // member's worker settles it, worker 0 reports a bad line.
                        decode(line, first + at);
                        decoded = true;
                        if ((r_.ok ? owner_of(r_.claim.member_id, workers_) : 0) != index_) continue;
                    }
                }
                if (!decoded) decode(line, first + at);
                settle_one(out);
                *out.room(1) = '\n';
                out.commit(1);
                rows.push_back({at, out.size()});
            }
    }

    struct Row {
        std::size_t line;  // index in the block
        std::size_t end;   // of its text in out()
    };
    const std::vector<Row>& rows(int slot) const { return row_slots_[slot]; }
    std::string_view out(int slot) const { return out_slots_[slot].text(); }
    const BatchCounts& counts() const { return counts_; }
    detail::ClaimKeys& keys() { return keys_; }

private:
    void decode(const Line& line, std::size_t number) {
        decoder_.decode(line.text, line.text.size() + detail::StreamBlocks::padding, r_);  // in place
        r_.claim.line = number;
    }

    void settle_one(RowText& out) {
        body_.clear();
        if (!r_.ok) {
            writer_.write_error(r_, body_);
            out.append(body_);
            ++counts_.errors;
            return;
        }
        if (std::string why = order_.admit(r_.claim); !why.empty()) {
            detail::set_error(s_, r_.claim, "claim_id", std::move(why));
            writer_.write(s_, body_);
            out.append(body_);
            ++counts_.errors;
            return;
        }
        detail::settle_one(g_, r_.claim, ledger_, s_);
        char* at = out.room(ResultWriter::row_room);
        if (const char* end = writer_.write_to(s_, at, ResultWriter::row_room); end != nullptr) {
            out.commit(static_cast<std::size_t>(end - at));
        } else {
            writer_.write(s_, body_);
            out.append(body_);
        }
        detail::count(counts_, s_.status);
    }

    const Graph& g_;
    ResultWriter writer_;
    Ledger& ledger_;
    std::size_t index_, workers_;
    ClaimDecoder decoder_;
    ClaimRecord r_;
    Settlement s_;
    detail::OrderCheck order_;
    detail::ClaimKeys keys_;
    BatchCounts counts_;
    std::string body_;  // a row other than the common one
    RowText out_slots_[2];
    std::vector<Row> row_slots_[2];
};

}  // namespace

BatchCounts settle_stream(const Graph& g, std::istream& in, Ledger& ledger, const ResultFormat& format,
                          const std::function<void(std::string_view)>& sink) {
    Ledger* const one[] = {&ledger};
    return settle_stream(g, in, std::span<Ledger* const>(one), format, sink);
}

namespace {

// settle_stream on any source of blocks.
BatchCounts settle_blocks(const Graph& g, detail::StreamBlocks& blocks, std::span<Ledger* const> ledgers,
                          const ResultFormat& format, const std::function<void(std::string_view)>& sink) {
    static_assert(detail::StreamBlocks::padding >= detail::ClaimKeys::padding);
    if (ledgers.empty()) throw std::invalid_argument("settle_stream: at least one ledger is needed");
    const std::size_t n = ledgers.size();
    std::vector<Worker> workers;
    workers.reserve(n);
    for (std::size_t w = 0; w < n; ++w) workers.emplace_back(g, format, *ledgers[w], w, n);

    std::string out;
    write_header(g, format, out);
    // The `count` lines of block `slot` out, their rows in line order: each
    // worker's are in line order already.
    std::vector<std::size_t> next(n);
    auto put_in_order = [&](int slot, std::size_t count) {
        if (n == 1) {  // the block's rows as they are, after what is waiting
            if (!out.empty()) sink(out);
            out.clear();
            sink(workers[0].out(slot));
            return;
        }
        std::fill(next.begin(), next.end(), 0);
        for (std::size_t j = 0; j < count; ++j) {
            for (std::size_t w = 0; w < n; ++w) {
                const auto& rows = workers[w].rows(slot);
                const std::size_t k = next[w];
                if (k == rows.size() || rows[k].line != j) continue;
                const std::size_t from = k == 0 ? 0 : rows[k - 1].end;
                out.append(workers[w].out(slot).substr(from, rows[k].end - from));
                ++next[w];
                break;
            }
            if (out.size() >= kBlockBytes) {
                sink(out);
                out.clear();
            }
        }
    };

    // Block k is cut into one share of lines per worker, each labelled by
    // its worker (all then wait for the whole block), and settled by the
    // workers; whichever thread is free puts block k-1's rows out and reads
    // block k+1's parts (detail::run_step: never more runnable threads than
    // cores, as a reading thread beside two workers made, which left a core
    // idle at every block's end).
    std::vector<std::vector<Line>> shares(n);
    std::barrier labelled(static_cast<std::ptrdiff_t>(n));
    detail::StepThreads step_threads(detail::step_crew_size(n));  // for every block's step
    blocks.start();
    bool more = blocks.next();
    int slot = 0;
    std::size_t first_line = 1;  // the number of block k's first line
    std::size_t put_count = 0;   // block k-1's lines
    bool started = false;        // a block was settled: its rows are still to go out
    std::vector<std::function<void()>> tasks;
    for (; more; slot ^= 1, started = true) {
        const char* const block = blocks.data();
        const std::size_t size = blocks.size();
        const std::uint64_t base = blocks.base();
        blocks.start();  // carries block k's unfinished last line over: block k stays as it is
        tasks.clear();
        if (started) tasks.emplace_back([&, put = slot ^ 1, count = put_count] { put_in_order(put, count); });
        for (std::size_t p = 0; p < blocks.parts(); ++p) tasks.emplace_back([&blocks, p] { blocks.read_part(p); });
        detail::run_step(
            step_threads, n,
            [&](std::size_t w) {
                std::exception_ptr failed;  // kept until every worker has arrived: one missing would hang the others
                try {
                    label_lines(block, base, detail::share_start(block, size, w, n), detail::share_start(block, size, w + 1, n), n,
                                workers[w].keys(), shares[w]);
                } catch (...) {
                    failed = std::current_exception();
                }
                if (n > 1) labelled.arrive_and_wait();
                if (failed) std::rethrow_exception(failed);
                workers[w].run(shares, first_line, slot);
            },
            tasks);
        put_count = 0;
        for (const auto& share : shares) put_count += share.size();
        first_line += put_count;
        more = blocks.next();
    }
    if (started) put_in_order(slot ^ 1, put_count);
    if (!out.empty()) sink(out);

    BatchCounts counts;
    for (const Worker& w : workers) {
        counts.settled += w.counts().settled;
        counts.rejected += w.counts().rejected;
        counts.errors += w.counts().errors;
    }
    return counts;
}

}  // namespace

BatchCounts settle_stream(const Graph& g, std::istream& in, std::span<Ledger* const> ledgers, const ResultFormat& format,
                          const std::function<void(std::string_view)>& sink) {
    // A stream is read in order, in one part per block.
    detail::StreamBlocks blocks(
        [&in](std::uint64_t, char* buf, std::size_t n) {
            in.read(buf, static_cast<std::streamsize>(n));
            if (in.bad()) throw std::runtime_error("cannot read the claims stream");
            return static_cast<std::size_t>(in.gcount());
        },
        /*parallel=*/false);
    return settle_blocks(g, blocks, ledgers, format, sink);
}

BatchCounts settle_stream_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers,
                               const ResultFormat& format, const std::function<void(std::string_view)>& sink,
                               FileAccess access) {
    const detail::ClaimFile file(path, access);
    detail::StreamBlocks blocks(file);
    return settle_blocks(g, blocks, ledgers, format, sink);
}

}  // namespace claimgraph
