// What the batch paths (settle_records, settle_file) share: settling on worker
// threads, each writing its rows into its own buffer, and putting the rows
// back in input order.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "claimgraph/io.hpp"
#include "claimgraph/output_file.hpp"
#include "engine/page_allocator.hpp"
#include "engine/first_failure.hpp"
#include "engine/started_threads.hpp"
#include "engine/step_threads.hpp"

namespace claimgraph::detail {

// Where a result row sits: which worker's buffer, and its offset and length.
struct RowSpan {
    std::uint32_t worker = 0;
    std::size_t at = 0, len = 0;
};

// `out` becomes an error row for claim c.
void set_error(Settlement& out, const Claim& c, std::string field, std::string message);
// Settles one claim into `out`; a throw becomes an error row, never a crash,
// worded the same on every batch path. `next`: Graph::settle's hint.
void settle_one(const Graph& g, const Claim& c, Ledger& ledger, Settlement& out, const Claim* next = nullptr);

// Sizes each MemoryLedger among `ledgers` at once for its worker's members
// (members[w]) and a period of every accumulator in each year from
// first_date to last_date (days; nothing when first_date > last_date), so
// that a batch run grows no ledger array claim by claim (MemoryLedger::reserve).
void reserve_ledgers(const Graph& g, std::span<Ledger* const> ledgers, std::span<const std::size_t> members,
                     std::int32_t first_date, std::int32_t last_date);

inline void count(BatchCounts& c, SettleStatus s) {
    switch (s) {
        case SettleStatus::settled: ++c.settled; break;
        case SettleStatus::rejected: ++c.rejected; break;
        case SettleStatus::error: ++c.errors; break;
    }
}

// One worker's rows in fixed-size blocks: unlike one growing string, nothing
// is copied as it grows, and the blocks are mapped pages (page_allocator.hpp),
// so the unwritten end of the last one costs nothing.
class RowBlocks {
public:
    struct Row {
        std::uint32_t block = 0, offset = 0, len = 0;
    };
    Row add(std::string_view row) {
        char* p = room(row.size());
        if (!row.empty()) std::memcpy(p, row.data(), row.size());
        return commit(row.size());
    }
    // Where the next row goes, with `max` bytes of room; commit(len) then
    // keeps its first len ≤ max bytes as a row. So a row can be written in
    // place (ResultWriter::write_to) instead of copied in.
    char* room(std::size_t max) {
        if (blocks_.empty() || blocks_.back().size + max > blocks_.back().capacity) {
            if (max <= kBlock && !spare_.empty()) {
                blocks_.emplace_back(spare_.back(), kBlock);
                spare_.pop_back();
            } else {
                blocks_.emplace_back(max > kBlock ? max : kBlock);
            }
        }
        return blocks_.back().data + blocks_.back().size;
    }
    Row commit(std::size_t len) {
        Block& b = blocks_.back();
        const Row r{static_cast<std::uint32_t>(blocks_.size() - 1), static_cast<std::uint32_t>(b.size),
                    static_cast<std::uint32_t>(len)};
        b.size += len;
        ++b.rows;
        return r;
    }
    std::string_view text(const Row& r) const { return {blocks_[r.block].data + r.offset, r.len}; }

    // Rows that have gone out can let their blocks go: `sent` counts one,
    // and `release_sent` frees every full block whose rows have all been
    // sent. Neither may run while rows are being added or sent rows read.
    void sent(const Row& r) { ++blocks_[r.block].sent; }
    // A few freed blocks are kept for the rows to come: a fresh mapping costs
    // a page fault and a cleared page per 4 KB written, about 2% of a run.
    void release_sent() {
        for (std::size_t b = 0; b + 1 < blocks_.size(); ++b) {
            Block& k = blocks_[b];
            if (k.data == nullptr || k.sent != k.rows) continue;
            if (k.capacity == kBlock && spare_.size() < kSpare) spare_.push_back(std::exchange(k.data, nullptr));
            else k.release();
        }
    }
    // Empty again for rows to come, its first block kept (its pages already
    // faulted in): RowBlocks handed from thread to thread for a block of
    // lines each (settle_file on a mapped file).
    void reuse() {
        while (blocks_.size() > 1 || (!blocks_.empty() && blocks_.back().capacity != kBlock)) blocks_.pop_back();
        if (!blocks_.empty()) blocks_.back().size = blocks_.back().rows = blocks_.back().sent = 0;
    }
    RowBlocks() = default;
    RowBlocks(RowBlocks&& o) noexcept : blocks_(std::move(o.blocks_)), spare_(std::move(o.spare_)) {}
    RowBlocks& operator=(RowBlocks&&) = delete;
    ~RowBlocks() {
        for (char* p : spare_) free_pages(p, kBlock);
    }

private:
    static constexpr std::size_t kBlock = std::size_t{4} << 20;
    static constexpr std::size_t kSpare = 2;
    struct Block {
        char* data = nullptr;
        std::size_t size = 0, capacity = 0;
        explicit Block(std::size_t n) : data(static_cast<char*>(allocate_pages(n))), capacity(n) {}
        Block(char* pages, std::size_t n) : data(pages), capacity(n) {}
        Block(Block&& o) noexcept
            : data(std::exchange(o.data, nullptr)), size(o.size), capacity(o.capacity), rows(o.rows), sent(o.sent) {}
        Block& operator=(Block&&) = delete;
        ~Block() { release(); }
        void release() {
            if (data != nullptr) free_pages(std::exchange(data, nullptr), capacity);
        }
        std::uint32_t rows = 0, sent = 0;
    };
    std::vector<Block> blocks_;
    std::vector<char*> spare_;  // kBlock bytes each
};

// Where a row is: which worker's blocks, and where in them. 12 bytes, the
// worker in the block number's top bits: one of these is kept per claim.
struct BlockRow {
    static constexpr std::uint32_t max_workers = 256, block_bits = 24;
    std::uint32_t worker_block = 0, offset = 0, len = 0;
    // Throws std::length_error past 2^24 blocks (64 TB of rows per worker).
    static BlockRow of(std::uint32_t worker, RowBlocks::Row r) {
        if (r.block >> block_bits) throw std::length_error("too many result rows for one batch");
        return {worker << block_bits | r.block, r.offset, r.len};
    }
    std::uint32_t worker() const { return worker_block >> block_bits; }
    RowBlocks::Row row() const { return {worker_block & ((1u << block_bits) - 1), offset, len}; }
};

// Rows handed to `sink` in blocks of 64 KB, each followed by '\n'; or, when
// the sink is an OutputFileSink, straight into its file's buffer, one copy
// fewer (the same bytes in the same order).
class RowsOut {
public:
    RowsOut(std::string header, const std::function<void(std::string_view)>& sink) : block_(std::move(header)), sink_(sink) {
        if (const auto* s = sink.target<OutputFileSink>(); s != nullptr) {
            file_ = s->file;
            if (!block_.empty()) file_->write(block_);
            block_.clear();
        }
    }
    void add(std::string_view row) {
        if (file_ != nullptr) {
            file_->write_line(row);
            return;
        }
        block_.append(row);
        block_.push_back('\n');
        if (block_.size() >= (1u << 16)) {
            sink_(block_);
            block_.clear();
        }
    }
    // Every row of `rows` in turn. They were written in settlement order, so
    // in input order they lie all over their blocks: fetch a few ahead (the
    // row copies were 2% of a run's samples, mostly waiting for the rows).
    void add(std::span<const std::string_view> rows) {
        add_ahead(rows.size(), [&](std::size_t k) { return rows[k]; });
    }
    void add(const std::vector<RowBlocks>& stores, std::span<const BlockRow> rows) {
        add_ahead(rows.size(), [&](std::size_t k) { return stores[rows[k].worker()].text(rows[k].row()); });
    }
    void finish() {
        if (!block_.empty()) sink_(block_);
        block_.clear();
    }

private:
    // Rows row(0) … row(n - 1), each fetched kAhead rows before it is copied.
    template <class Row>
    void add_ahead(std::size_t n, Row row) {
        constexpr std::size_t kAhead = 8;
        for (std::size_t k = 0; k < n; ++k) {
            if (k + kAhead < n) __builtin_prefetch(row(k + kAhead).data());
            add(row(k));
        }
    }
    std::string block_;
    const std::function<void(std::string_view)>& sink_;
    OutputFile* file_ = nullptr;
};

// Runs work(0) … work(workers - 1) on threads of their own (one worker too)
// while `beside()` runs on the calling thread; the first exception of any of
// them is rethrown after all have finished.
inline void run_workers_beside(std::size_t workers, const std::function<void(std::size_t)>& work,
                               const std::function<void()>& beside) {
    FirstFailure failure;
    StartedThreads threads(workers, [&](std::size_t w) { failure.guard([&] { work(w); }); });
    failure.guard(beside);
    threads.join();
    failure.rethrow();
}

// One step of a pass: work(0) … work(workers - 1), each on a thread (with
// several workers the calling thread is worker 0), and `tasks` (each run
// once, in order of taking) taken by whichever thread is free: at once by the
// calling thread and one more when there is one worker, else by each worker
// when its own share is done. So a step never has more runnable threads than workers (two
// or more), and the worker that finishes first fills its core with the
// step's other work instead of waiting. The first exception of any of them
// is rethrown after all have finished. The threads are `crew`'s, kept for
// the pass (step_crew_size(workers) of them), not started per step.
inline std::size_t step_crew_size(std::size_t workers) { return workers > 1 ? workers - 1 : 2; }
inline void run_step(StepThreads& crew, std::size_t workers, const std::function<void(std::size_t)>& work,
                     std::span<const std::function<void()>> tasks) {
    FirstFailure failure;
    std::atomic<std::size_t> next{0};
    auto take_tasks = [&] {
        for (std::size_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks.size();) failure.guard(tasks[t]);
    };
    const std::size_t here = workers > 1 ? 1 : 0;  // workers settled on the calling thread
    // One worker leaves a core to the tasks: two threads take them there, so
    // that one waiting (rows handed to a writer still busy with the last
    // block, say) does not hold up the others.
    const std::size_t task_takers = workers == 1 && tasks.size() > 1 ? 1 : 0;
    crew.run(
        workers - here + task_takers,
        [&](std::size_t k) {
            if (here + k < workers) failure.guard([&] { work(here + k); });
            take_tasks();
        },
        [&] {
            if (here == 1) failure.guard([&] { work(0); });
            take_tasks();
        });
    failure.rethrow();
}

// Runs work(0) … work(workers - 1), on threads when there is more than one;
// the first exception of any worker is rethrown after all have joined.
inline void run_workers(std::size_t workers, const std::function<void(std::size_t)>& work) {
    if (workers == 1)
        work(0);
    else
        run_workers_beside(workers, work, [] {});
}

// The header, then every row in input order, handed to `sink` in blocks.
inline void emit_rows(const std::string& header, const std::vector<std::string>& bodies, const std::vector<RowSpan>& spans,
                      const std::function<void(std::string_view)>& sink) {
    RowsOut out(header, sink);
    for (const RowSpan& r : spans) out.add(std::string_view(bodies[r.worker]).substr(r.at, r.len));
    out.finish();
}

}  // namespace claimgraph::detail
