// Settling a claim file in any order without holding its decoded claims.
//
// Pass 1 reads only each line's keys (member_id, date, claim_id) and where the
// line is; the index of keys is sorted into settlement order. Pass 2 reads the
// file front to back through a window of blocks and settles a claim as soon as
// its member's earlier claims are settled; a claim about to leave the window
// still waiting for an earlier claim further on (members spread wider than the
// window) has those read one line at a time first. Only each claim's result
// row is kept, and rows go out behind the window. Memory is the key index
// (tens of bytes per claim), the window and the rows not yet out (all of them
// when the members are spread all over the file), instead of every decoded
// claim at once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

#include "claimgraph/io.hpp"
#include "engine/batch_rows.hpp"
#include "engine/page_allocator.hpp"
#include "engine/prefetch.hpp"
#include "io/claim_file.hpp"
#include "io/key_index.hpp"
#include "io/file_settle.hpp"
#include "io/line_window.hpp"
#include "io/settlement_order.hpp"
#include "io/stream_blocks.hpp"

namespace claimgraph {

using detail::after_done;
using detail::KeyIndex;
using detail::kCounted;
using detail::kDone;
using detail::kFollows;
using detail::read_keys;

std::string settle_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers, BatchCounts& counts,
                        const ResultFormat& format) {
    std::string out;
    counts = settle_file(g, path, ledgers, format, [&](std::string_view text) { out += text; });
    return out;
}

BatchCounts settle_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers,
                        const ResultFormat& format, const std::function<void(std::string_view)>& sink, FileAccess access) {
    detail::FileWindow window;
    window.access = access;
    return detail::settle_file(g, path, ledgers, format, sink, window);
}

BatchCounts detail::settle_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers,
                                const ResultFormat& format, const std::function<void(std::string_view)>& sink,
                                const FileWindow& window, std::size_t* served_by_window, FilePhases* phases) {
    using Clock = std::chrono::steady_clock;
    auto lap = [&, last = Clock::now()](double FilePhases::*phase) mutable {
        const auto now = Clock::now();
        if (phases != nullptr) phases->*phase = std::chrono::duration<double>(now - last).count();
        last = now;
    };
    BatchCounts counts;
    if (ledgers.empty()) throw std::invalid_argument("settle_file: at least one ledger is needed");
    detail::ClaimFile file(path, window.access);

    const std::size_t workers = ledgers.size();
    if (workers > detail::BlockRow::max_workers) throw std::invalid_argument("settle_file: too many workers");
    KeyIndex index = read_keys(file, workers);
    lap(&FilePhases::keys);
    const std::size_t n = index.size();
    if (n > UINT32_MAX) throw std::length_error("too many claims in one batch");

    // The settlement order, and what else pass 2 needs of the index.
    detail::OrderTimes order_times;
    detail::ClaimsInOrder order = detail::order_claims(index, workers, &order_times);
    if (phases != nullptr) {
        phases->order_sort = order_times.sort;
        phases->order_rest = order_times.rest;
    }
    auto& share = order.share;
    auto& rank = order.rank;
    auto& state = order.state;
    auto& owner = order.owner;
    auto& first_line = order.first_line;
    auto& places = order.places;
    auto& member_hash = order.member_hash;
    auto& unreadable = order.unreadable;
    index.forget();  // only line() and the dates from here on
    lap(&FilePhases::order);

    detail::ZeroArray<detail::BlockRow> span(n);
    std::vector<detail::RowBlocks> bodies(workers);

    // Lines whose keys could not be read: the full decoder says why.
    {
        ClaimDecoder decoder(g);
        ClaimRecord r;
        std::string buf;
        for (const std::uint32_t i : unreadable) {
            std::size_t readable = 0;
            const std::string_view line = file.line_at(places[i].offset(), places[i].length, buf, readable);
            decoder.decode(line, readable, r);
            r.claim.line = index.line(i);
            if (r.ok) {  // keys the quick reader missed (escapes, say): still no settlement order for it
                r.ok = false;
                r.error_field = "claim_id";
                r.error_message = "cannot read the claim's member_id, date and claim_id";
            }
            std::string row;
            write_error(g, r, format, row);
            span[i] = detail::BlockRow::of(0, bodies[0].add(row));
            ++counts.errors;
        }
    }

    // Worker w's k-th claim goes to `take`, and after it, while it is among
    // lines [held, to), its member's next claim, and so on; `done` is the
    // state bit that marks them.
    // A claim of the run among lines (scan, to) is left to the caller's scan,
    // which reaches it ready and in file order.
    auto take_run = [&](std::size_t w, std::uint32_t k, std::uint32_t held, std::uint32_t to, std::uint8_t done,
                        auto&& take, std::uint32_t scan = UINT32_MAX) {
        const auto& mine = share[w];
        for (std::uint32_t j = mine[k];;) {
            take(j);
            state[j] |= done;
            if (++k == mine.size()) break;
            j = mine[k];
            state[j] |= after_done(done);
            if (!(state[j] & kFollows) || j < held || j >= to || j > scan) break;
        }
    };
    // Worker w's claims among lines [from, to) that are ready (the first of
    // their member, or after one already done), each with its run.
    // A claim's place in its share is all over the share, and the claim after
    // it there all over the file: both asked for some claims ahead.
    auto take_ready = [&](std::size_t w, std::uint32_t held, std::uint32_t from, std::uint32_t to, std::uint8_t done,
                          auto&& take) {
        const auto& mine = share[w];
        constexpr std::uint32_t kAhead = 16;
        for (std::uint32_t i = from; i < to; ++i) {
            if (const std::uint32_t a = i + kAhead; a < to && (workers == 1 || owner[a] == w))
                __builtin_prefetch(&mine[rank[a]]);
            if (const std::uint32_t a = i + kAhead / 2; a < to && (workers == 1 || owner[a] == w) && !(state[a] & done))
                if (const std::uint32_t k = rank[a] + 1; k < mine.size()) __builtin_prefetch(&state[mine[k]], 1);
            if ((workers > 1 && owner[i] != w) || (state[i] & done)) continue;
            if ((state[i] & kFollows) && !(state[i] & after_done(done))) continue;  // its turn comes with that claim
            take_run(w, rank[i], held, to, done, take, i);
        }
    };
    // Worker w's claims among lines [from, to) still waiting for an earlier
    // claim of their member further on in the file: those earlier claims go
    // to `take` first (they are not held: read one by one), then the claim
    // and its run. So no claim is left behind when its block is let go.
    auto take_waiting = [&](std::size_t w, std::uint32_t held, std::uint32_t from, std::uint32_t to, auto&& take) {
        const auto& mine = share[w];
        for (std::uint32_t i = from; i < to; ++i) {
            if ((workers > 1 && owner[i] != w) || (state[i] & kDone)) continue;
            const std::uint32_t k = rank[i];
            std::uint32_t first = k;
            while ((state[mine[first]] & kFollows) && !(state[mine[first]] & after_done(kDone))) --first;
            for (; first < k; ++first) {
                take(mine[first]);
                state[mine[first]] |= kDone;
                state[mine[first + 1]] |= after_done(kDone);
            }
            take_run(w, k, held, to, kDone, take);
        }
    };

    const auto starts = detail::plan_line_blocks(places, window.block_bytes);
    const std::size_t blocks = starts.size() - 1;
    // A mapped file on several workers reads nothing either way: the window
    // is then only the workers' order of going through the lines.
    const bool decoupled = file.mapped() != nullptr && workers > 1;
    bool use_window = window.use == FileWindow::Use::always || (decoupled && window.use == FileWindow::Use::when_it_pays);
    if (window.use == FileWindow::Use::when_it_pays && !use_window) {
        // A pread per claim costs several times what copying its line in a block
        // does; the window pays if it serves a quarter of the claims. Each
        // worker's claims are counted on a thread of their own, block by block
        // as they would be settled, until the claims counted reach the quarter.
        const std::size_t enough = (n - unreadable.size() + 3) / 4;
        std::atomic<std::size_t> served{0};
        detail::run_workers(workers, [&](std::size_t w) {
            for (std::size_t b = 0; b < blocks && served.load(std::memory_order_relaxed) < enough; ++b) {
                const std::uint32_t held = starts[b + 1 > window.kept ? b + 1 - window.kept : 0];
                std::size_t mine = 0;
                take_ready(w, held, starts[b], starts[b + 1], kCounted, [&](std::uint32_t) { ++mine; });
                served.fetch_add(mine, std::memory_order_relaxed);
            }
        });
        use_window = served.load() >= enough;
    }

    // A claim of a step and its line: in the window's copy when the window
    // holds it (else null: read alone), or in the mapping (a mapped file on
    // several workers). What the settling loop needs of the claim rides with
    // it, read as the claim is listed: listed in file order, those arrays come
    // from memory in order, where the settling order would miss the cache
    // once per array.
    struct Todo {
        std::uint32_t i;
        std::uint32_t member_hash;  // member_hash[i], for the ledger's look-ahead
        const char* line;
        std::size_t length, readable;
        detail::RowBlocks* rows = nullptr;  // where its row goes, when known at listing (mapped, several workers)
    };
    struct Worker {
        Worker(const Graph& g, Ledger* ledger) : decoder(g), memory(dynamic_cast<MemoryLedger*>(ledger)) {}
        ClaimDecoder decoder;
        MemoryLedger* memory;  // the ledger when it takes expect() hints, else null
        ClaimRecord r;
        std::string buf;   // a line read on its own
        std::string body;  // the claim's row
        Settlement s;
        BatchCounts counts;
        std::size_t served = 0;  // claims the window served (here, not in a shared array: a count per claim
                                 // in one cache line written by both workers made them wait on each other)
        std::vector<Todo> todo;  // this step's claims, in the order they are settled
    };
    std::vector<std::unique_ptr<Worker>> crew;
    for (std::size_t w = 0; w < workers; ++w) crew.push_back(std::make_unique<Worker>(g, ledgers[w]));
    // Each worker's ledger sized at once: growing its arrays claim by claim
    // copied them and faulted their pages in twice (1M claims: 4k fewer page
    // faults; medians of 7 alternating runs 1.81 -> 1.79 s on 1 thread,
    // 0.95 -> 0.93 s on 2).
    detail::reserve_ledgers(g, ledgers, order.members, index.first_date(), index.last_date());
    // Worker w settles line i three claims from now: its ledger may fetch the member.
    auto expect = [&](std::size_t w, std::uint32_t hash) {
        if (MemoryLedger* memory = crew[w]->memory) memory->expect(hash);
    };
    const ResultWriter writer(g, format);  // read-only: shared by the workers

    // Where worker w keeps line i's row: its own blocks, or with a mapped
    // file on several workers the blocks of i's block of lines (by_block).
    // Block b's rows of worker w are at arenas[b * workers + w]; that slot
    // is only ever touched by worker w until its claims of block b are done,
    // then only by the thread putting b's rows out. Unused blocks of rows wait
    // in `pool`.
    bool by_block = false;
    detail::ZeroArray<std::uint16_t> block_at;  // line → its block, when there are fewer than 2^16
    std::vector<std::unique_ptr<detail::RowBlocks>> arenas, pool;
    std::mutex pool_mutex;
    auto rows_for = [&](std::size_t w, std::uint32_t i) -> detail::RowBlocks& {
        if (!by_block) return bodies[w];
        const std::size_t b = !block_at.empty() ? block_at[i]
                                                : static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), i) - starts.begin() - 1);
        auto& slot = arenas[b * workers + w];
        if (!slot) {
            std::lock_guard lock(pool_mutex);
            if (pool.empty()) {
                slot = std::make_unique<detail::RowBlocks>();
            } else {
                slot = std::move(pool.back());
                pool.pop_back();
            }
        }
        return *slot;
    };

    // The next line as the decoder is told of it: the whole of it from a
    // mapping, where a line comes from memory, not from a copy just made in
    // the cache (waiting for it was most of the user time mapping added: 1M
    // claims, 2 threads, alternating, 1.34 -> 1.08 s, user 2.13 -> 1.73 s);
    // from the window's copy its first lines only (the hardware fetches the
    // rest ahead of the decoder).
    const std::size_t next_cap = file.mapped() != nullptr ? SIZE_MAX : 256;
    auto next_of = [&](const Todo* next) {
        return next == nullptr || next->line == nullptr ? std::string_view() : std::string_view(next->line, std::min(next->length, next_cap));
    };
    // Decodes claim t's line, settles it against worker w's ledger and keeps
    // its row; `next` is the claim settled after it, if known.
    // Three arguments, all in registers: a line and the next passed as
    // string_views went on the stack in 8-byte halves and were loaded back
    // 16 bytes at once, which cannot be forwarded from the stores and so
    // waited for every store before them to reach the cache, a row's and
    // `span`'s misses included.
    auto settle_line = [&](std::size_t w, const Todo& t, const Todo* next) {
        const std::uint32_t i = t.i;
        detail::RowBlocks& rows = t.rows != nullptr ? *t.rows : rows_for(w, i);
        Worker& my = *crew[w];
        ClaimRecord& r = my.r;
        Settlement& s = my.s;
        my.decoder.decode(std::string_view(t.line, t.length), t.readable, r, next_of(next));
        r.claim.line = index.line(i);
        my.body.clear();
        detail::RowBlocks::Row row;
        if (!r.ok) {
            writer.write_error(r, my.body);
            row = rows.add(my.body);
            ++my.counts.errors;
        } else {
            if (const auto dup = first_line.find(i); dup != first_line.end())
                detail::set_error(s, r.claim, "claim_id",
                                  fmt::format("duplicate claim_id: already settled from line {}", dup->second));
            else
                detail::settle_one(g, r.claim, *ledgers[w], s);
            // The common row straight into its block; any other through the body.
            char* at = rows.room(ResultWriter::row_room);
            if (const char* end = writer.write_to(s, at, ResultWriter::row_room); end != nullptr) {
                row = rows.commit(static_cast<std::size_t>(end - at));
            } else {
                writer.write(s, my.body);
                row = rows.add(my.body);
            }
            detail::count(my.counts, s.status);
        }
        span[i] = detail::BlockRow::of(static_cast<std::uint32_t>(w), row);
    };

    // Line i read on its own.
    auto settle_alone = [&](std::size_t w, std::uint32_t i) {
        std::string& buf = crew[w]->buf;
        std::size_t readable = 0;
        const std::string_view line = file.line_at(places[i].offset(), places[i].length, buf, readable);
        settle_line(w, Todo{i, 0, line.data(), line.size(), readable}, nullptr);
    };

    // Worker w's claims the window did not serve, one read each, in
    // settlement order, each marked done (so never settled twice).
    auto settle_rest = [&](std::size_t w) {
        const auto& mine = share[w];
        for (std::size_t k = 0; k < mine.size(); ++k) {
            const std::uint32_t i = mine[k];
            if (state[i] & kDone) continue;
            if (k + 4 < mine.size()) {  // claims in settlement order are all over the index: fetch ahead
                __builtin_prefetch(&places[mine[k + 4]]);
                __builtin_prefetch(&span[mine[k + 4]], 1);
            }
            if (k + 3 < mine.size()) expect(w, member_hash[mine[k + 3]]);
            settle_alone(w, i);
            state[i] |= kDone;
            if (k + 1 < mine.size()) state[mine[k + 1]] |= after_done(kDone);
        }
    };

    // Rows go out in input order. Those of the lines before the first one not
    // yet settled can go while the window moves on (a task of the next step,
    // taken by the first thread free), and their blocks be let go; the rest
    // wait for the end.
    std::string header;
    write_header(g, format, header);
    detail::RowsOut out(std::move(header), sink);
    std::uint32_t sent = 0;  // lines [0, sent) are out, or in `going`
    std::vector<std::string_view> going;

    if (use_window && decoupled) {
        // A mapped file on several workers: no step in common. Reading costs
        // nothing here (the window is lines of the mapping), so each worker
        // goes through the blocks on its own, its window the `kept` blocks up
        // to its newest, and at most `lead` blocks ahead of the slowest. Meeting
        // at every block left about a tenth of the two cores idle: the worker
        // that finished its share first waited for the other.
        //
        // A row is kept with the rows of its line's block, per worker; once
        // every worker's claims of a block are done (each worker's window
        // has left it), its rows go out in input order on whichever worker
        // gets there first, and their blocks are reused.
        // 12 MB of lines ahead, three blocks to 64: the rows kept for the
        // slowest worker stay bounded, and small blocks are not waited for
        // one by one.
        const auto lead = static_cast<std::uint32_t>(
            std::clamp<std::size_t>((std::size_t{12} << 20) / std::max<std::size_t>(window.block_bytes, 1), 3, 64));
        const auto nblocks = static_cast<std::uint32_t>(blocks);
        const std::size_t kept = std::max<std::size_t>(window.kept, 1);
        struct alignas(64) Progress {
            std::atomic<std::uint32_t> blocks{0};   // blocks this worker is through
            std::atomic<std::uint32_t> done_to{0};  // its claims among lines [0, done_to) are settled
        };
        std::vector<Progress> progress(workers);
        std::atomic<bool> aborted{false};
        arenas.resize(blocks * workers);
        if (blocks < 65536) {
            block_at = detail::ZeroArray<std::uint16_t>(n);
            for (std::uint32_t b = 0; b < nblocks; ++b)
                std::fill(block_at.begin() + starts[b], block_at.begin() + starts[b + 1], static_cast<std::uint16_t>(b));
        }
        by_block = true;
        auto slowest = [&] {
            std::size_t m = 0;
            for (std::size_t w = 1; w < workers; ++w)
                if (progress[w].blocks.load(std::memory_order_acquire) < progress[m].blocks.load(std::memory_order_acquire)) m = w;
            return m;
        };
        // Rows out: the blocks every worker is done with, in order, by one thread at a time.
        std::mutex out_mutex;
        std::uint32_t out_blocks = 0, let_go = 0;  // blocks whose rows are out; blocks of the file let go
        std::atomic<std::uint32_t> out_seen{0};    // out_blocks, for reading without the lock
        std::size_t unread = 0;                     // unreadable[unread] is the next such line to go out
        auto put_out = [&](bool wait) {
            std::unique_lock lock(out_mutex, std::defer_lock);
            if (wait)
                lock.lock();
            else if (!lock.try_lock())
                return;
            if (aborted.load()) return;  // the sink may have failed: not called again
            std::uint32_t done = UINT32_MAX, through = UINT32_MAX;
            for (const Progress& p : progress) {
                done = std::min(done, p.done_to.load(std::memory_order_acquire));
                through = std::min(through, p.blocks.load(std::memory_order_acquire));
            }
            for (; out_blocks < nblocks && starts[out_blocks + 1] <= done; ++out_blocks) {
                going.clear();
                for (std::uint32_t i = starts[out_blocks]; i < starts[out_blocks + 1]; ++i) {
                    const detail::BlockRow r = span[i];
                    // A line whose keys could not be read has its row from before, with worker 0's.
                    const bool unread_line = unread < unreadable.size() && unreadable[unread] == i;
                    unread += unread_line;
                    going.push_back(unread_line ? bodies[0].text(r.row()) : arenas[out_blocks * workers + r.worker()]->text(r.row()));
                }
                try {
                    out.add(going);
                } catch (...) {
                    aborted.store(true);  // before the lock is let go: no other thread calls the sink again
                    throw;
                }
                std::lock_guard pool_lock(pool_mutex);
                for (std::size_t w = 0; w < workers; ++w)
                    if (auto& slot = arenas[out_blocks * workers + w]) {
                        slot->reuse();
                        pool.push_back(std::move(slot));
                    }
            }
            sent = starts[out_blocks];
            out_seen.store(out_blocks, std::memory_order_relaxed);
            // A block no worker's window holds any more leaves the process (a
            // line read on its own later faults its page back in).
            for (; let_go + kept < through && let_go < nblocks; ++let_go)
                file.let_go(places[starts[let_go]].offset(), places[starts[let_go + 1] - 1].end() - places[starts[let_go]].offset());
        };
        auto work = [&](std::size_t w) {
            auto& todo = crew[w]->todo;
            for (std::uint32_t b = 0; b < nblocks; ++b) {
                // Not more than `lead` blocks ahead of the slowest worker;
                // while waiting, the rows the slowest has let go of go out.
                for (;;) {
                    Progress& p = progress[slowest()];
                    const std::uint32_t seen = p.blocks.load(std::memory_order_acquire);
                    if (aborted.load() || b <= seen + lead) break;
                    put_out(false);
                    p.blocks.wait(seen, std::memory_order_acquire);
                }
                if (aborted.load()) return;
                const std::uint32_t first = starts[b + 1 > kept ? b + 1 - kept : 0], newest = starts[b], end = starts[b + 1];
                const std::uint32_t leaving = b + 1 < nblocks && b + 1 >= kept ? starts[b + 2 - kept] : first;
                // The next block's pages faulted in at once, by one worker in turn.
                if (b + 1 < nblocks && (b + 1) % workers == w)
                    file.fetch(places[starts[b + 1]].offset(), places[starts[b + 2] - 1].end() - places[starts[b + 1]].offset());
                todo.clear();
                auto plan = [&](std::uint32_t i) {
                    const detail::LinePlace& at = places[i];
                    todo.push_back({i, member_hash[i], file.mapped() + at.offset(), at.length,
                                    static_cast<std::size_t>(file.size() - at.offset()) + detail::ClaimFile::padding,
                                    &rows_for(w, i)});
                };
                take_ready(w, first, newest, end, kDone, plan);
                take_waiting(w, first, first, leaving, plan);
                for (std::size_t k = 0; k < todo.size(); ++k) {
                    const Todo& t = todo[k];
                    if (k + 3 < todo.size()) expect(w, todo[k + 3].member_hash);
                    // The next line fetched while this one is read (next_of).
                    settle_line(w, t, k + 1 < todo.size() ? &todo[k + 1] : nullptr);  // in place: the mapping
                    if (t.i >= first && t.i < end) ++crew[w]->served;
                }
                if (leaving > progress[w].done_to.load(std::memory_order_relaxed))
                    progress[w].done_to.store(leaving, std::memory_order_release);
                progress[w].blocks.store(b + 1, std::memory_order_release);
                progress[w].blocks.notify_all();
                // The rows go out on a worker ahead of the slowest: a block's
                // rows can go once the last worker is through it, and when
                // that worker put them out it fell further behind, every
                // block (1M claims, 2 threads: the other waited for it a
                // tenth of the pass). The slowest puts them out only when
                // they pile up (workers level with each other).
                if (progress[slowest()].blocks.load(std::memory_order_acquire) < b + 1 ||
                    b + 1 >= out_seen.load(std::memory_order_relaxed) + lead + kept)
                    put_out(false);
            }
            // A claim still in the last window whose member's earlier claim
            // was settled when its own block left, after this one's block
            // had been looked at: settled here, so that the rows can all go out.
            settle_rest(w);
            progress[w].done_to.store(static_cast<std::uint32_t>(n), std::memory_order_release);
            put_out(false);
        };
        detail::run_workers(workers, [&](std::size_t w) {
            // A worker that stops short, on its own failure or on another's
            // (it returns when it sees `aborted`), says so where the others
            // wait for it to move on: with three workers, one waiting for a
            // second that had returned so waited for ever (1 run in 40 of
            // the sink-failure test).
            auto stopped = [&] {
                progress[w].blocks.store(UINT32_MAX, std::memory_order_release);
                progress[w].blocks.notify_all();
            };
            try {
                work(w);
            } catch (...) {
                aborted.store(true);
                stopped();
                throw;
            }
            if (aborted.load()) stopped();
        });
        put_out(true);
        by_block = false;
    } else if (use_window) {
        detail::StepThreads step_threads(detail::step_crew_size(workers));  // for every step of the pass
        detail::LineWindow lines(file, places, starts, window.kept);
        std::vector<std::function<void()>> tasks;  // a step's work beside the workers' shares
        while (lines.advance()) {
            // The rows first: the larger task, and it must be one; then the
            // next block's pieces, small, so the two threads end close together.
            tasks.clear();
            tasks.emplace_back([&] { out.add(going); });
            for (std::size_t p = 0; p < lines.pieces(); ++p) tasks.emplace_back([&lines, p] { lines.read_piece(p); });
            detail::run_step(
                step_threads, workers,
                [&](std::size_t w) {
                    // The step's claims are listed first, then settled, so
                    // that the next one's line can be fetched while this one
                    // is: the order jumps about the window, and waiting for
                    // a line's first bytes was a good part of decoding it.
                    // Each line is found as the claim is listed: the listing goes
                    // through the lines mostly in file order, so their places
                    // come from memory in order, not one cache miss per claim.
                    auto& todo = crew[w]->todo;
                    todo.clear();
                    auto plan = [&](std::uint32_t i) {
                        Todo t{i, member_hash[i], nullptr, 0, 0};
                        if (i >= lines.first() && i < lines.end()) {
                            const std::string_view line = lines.line(i, t.readable);
                            t.line = line.data();
                            t.length = line.size();
                        }
                        todo.push_back(t);
                    };
                    take_ready(w, lines.first(), lines.newest(), lines.end(), kDone, plan);
                    take_waiting(w, lines.first(), lines.first(), lines.leaving(), plan);
                    for (std::size_t k = 0; k < todo.size(); ++k) {
                        const Todo& t = todo[k];
                        if (k + 3 < todo.size()) expect(w, todo[k + 3].member_hash);
                        // The next line fetched while this one is read (next_of).
                        const Todo* next = k + 1 < todo.size() ? &todo[k + 1] : nullptr;
                        if (t.line == nullptr) {
                            const std::string_view ahead = next_of(next);
                            detail::prefetch_lines(ahead.data(), ahead.size());
                            settle_alone(w, t.i);
                            continue;
                        }
                        settle_line(w, t, next);
                        ++crew[w]->served;
                    }
                },
                tasks);
            // Between steps: no worker adds rows and no row is being read.
            going.clear();
            for (auto& b : bodies) b.release_sent();
            for (; sent < n && (state[sent] & kDone); ++sent) {
                const detail::BlockRow r = span[sent];
                going.push_back(bodies[r.worker()].text(r.row()));
                bodies[r.worker()].sent(r.row());
            }
        }
        out.add(going);
    }
    detail::run_workers(workers, [&](std::size_t w) {
        settle_rest(w);
        share[w] = {};
    });
    if (served_by_window != nullptr) *served_by_window = 0;
    for (const auto& my : crew) {
        if (served_by_window != nullptr) *served_by_window += my->served;
        counts.settled += my->counts.settled;
        counts.rejected += my->counts.rejected;
        counts.errors += my->counts.errors;
    }

    out.add(bodies, std::span<const detail::BlockRow>(span.data(), span.size()).subspan(sent));
    out.finish();
    lap(&FilePhases::settle);
    return counts;
}

}  // namespace claimgraph
