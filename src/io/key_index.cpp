#include "io/key_index.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "engine/batch_rows.hpp"

namespace claimgraph::detail {

namespace {

// Reads the keys of the lines in bytes [from, to) of a block (`from`: a line
// start) that begins at `base` in the file into `index`; returns how many
// lines there were.
std::uint32_t scan_keys(const char* block, std::uint64_t base, std::size_t from, std::size_t to, KeyIndex& index) {
    std::uint32_t lines = 0;
    for_each_line(block, base, from, to, [&](std::string_view line, std::uint64_t offset, bool blank) {
        ++lines;
        if (blank)
            index.skip_line();
        else
            index.add(line, offset);
    });
    return lines;
}

// Pass 1 on a mapped file: nothing to read, so no steps in common. The file
// is cut into blocks of lines; each worker reads the keys of its share of
// them (w/workers of the way on) front to back, each block let go once read,
// into an index of its own; a worker done with its share takes the last
// blocks left of another's, one at a time, each into an index of its own
// too. The indexes then follow one another in file order, as parts of one
// (not copied). Taking blocks from a slower share: on two threads the first
// half was often read 10 to 45 ms after the second, one core idle meanwhile.
KeyIndex read_keys_mapped(const ClaimFile& file, std::size_t workers) {
    const char* const all = file.mapped();
    const auto size = static_cast<std::size_t>(file.size());
    // Block b is bytes [cuts[b], cuts[b + 1]), whole lines: each cut after
    // the first is the start of the line that holds a multiple of block_bytes
    // (a line longer than a block makes a longer block).
    // The cuts are found with pread, not through the mapping: a look-up
    // there would map the 2 MB unit around each cut (the file's page cache
    // in 2 MB folios), all of them at once before any is read.
    std::vector<std::size_t> cuts{0};
    std::array<char, 4096> look;
    for (std::size_t at = StreamBlocks::block_bytes; at < size; at += StreamBlocks::block_bytes) {
        if (at <= cuts.back()) continue;
        std::size_t next = 0;  // the byte after the newline at or after at - 1, 0 if none
        for (std::size_t from = at - 1; from < size && next == 0;) {
            const std::size_t got = file.read_some(from, look.data(), std::min(look.size(), size - from));
            if (got == 0) break;  // the file shrank: its end is the last cut
            if (const void* nl = std::memchr(look.data(), '\n', got); nl != nullptr)
                next = from + static_cast<std::size_t>(static_cast<const char*>(nl) - look.data()) + 1;
            from += got;
        }
        if (next == 0) break;
        if (next < size && next > cuts.back()) cuts.push_back(next);
    }
    cuts.push_back(size);
    const auto blocks = static_cast<std::uint32_t>(cuts.size() - 1);

    // Worker w's share is blocks [next, end) of `left[w]` (next << 32 | end):
    // it takes them from the front, the others from the back.
    struct alignas(64) Left {
        std::atomic<std::uint64_t> range;
    };
    std::vector<Left> left(workers);
    for (std::size_t w = 0; w < workers; ++w) {
        const auto from = static_cast<std::uint64_t>(blocks * w / workers), to = static_cast<std::uint64_t>(blocks * (w + 1) / workers);
        left[w].range.store(from << 32 | to, std::memory_order_relaxed);
    }
    auto take = [&](std::size_t w, bool front) -> std::int64_t {
        std::uint64_t r = left[w].range.load(std::memory_order_relaxed);
        for (;;) {
            const std::uint64_t next = r >> 32, end = r & 0xFFFFFFFF;
            if (next >= end) return -1;
            const std::uint64_t want = front ? (next + 1) << 32 | end : next << 32 | (end - 1);
            if (left[w].range.compare_exchange_weak(r, want, std::memory_order_relaxed)) return static_cast<std::int64_t>(front ? next : end - 1);
        }
    };
    auto read_block = [&](std::uint32_t b, KeyIndex& index) {
        const std::uint32_t lines = scan_keys(all, 0, cuts[b], cuts[b + 1], index);
        file.let_go(cuts[b], cuts[b + 1] - cuts[b]);
        return lines;
    };

    std::vector<KeyIndex> own(workers);
    struct Taken {
        std::uint32_t block;
        KeyIndex index;
    };
    std::vector<std::vector<Taken>> taken(workers);
    std::vector<std::uint32_t> first_block(workers, UINT32_MAX);
    run_workers(workers, [&](std::size_t w) {
        KeyIndex& index = own[w];
        std::uint64_t lines = 0;
        for (std::int64_t b; (b = take(w, true)) >= 0;) {
            const auto block = static_cast<std::uint32_t>(b);
            if (first_block[w] == UINT32_MAX) first_block[w] = block;
            const std::uint32_t before = index.size();
            lines += read_block(block, index);
            if (before == 0 && lines > 0) {
                // Room for the keys of the share as the first block's lines
                // tell, and an eighth more.
                const std::uint64_t line_bytes = std::max<std::uint64_t>((cuts[block + 1] - cuts[block]) / lines, 1);
                const std::uint64_t share = cuts[blocks * (w + 1) / workers] - cuts[blocks * w / workers];
                index.expect(share / line_bytes + share / line_bytes / 8);
            }
        }
        // Then the others' last blocks, the share with the most left first.
        for (;;) {
            std::size_t victim = workers;
            std::uint64_t most = 0;
            for (std::size_t v = 0; v < workers; ++v) {
                const std::uint64_t r = left[v].range.load(std::memory_order_relaxed);
                const std::uint64_t n = (r & 0xFFFFFFFF) > (r >> 32) ? (r & 0xFFFFFFFF) - (r >> 32) : 0;
                if (n > most) {
                    most = n;
                    victim = v;
                }
            }
            if (victim == workers) break;
            const std::int64_t b = take(victim, false);
            if (b < 0) continue;
            Taken t{static_cast<std::uint32_t>(b), KeyIndex()};
            read_block(t.block, t.index);
            taken[w].push_back(std::move(t));
        }
    });
    // In file order: each share's own blocks (from its first), then any
    // blocks taken from its back, last ones first taken.
    std::vector<std::pair<std::uint32_t, KeyIndex*>> parts;
    for (std::size_t w = 0; w < workers; ++w) {
        if (first_block[w] != UINT32_MAX) parts.emplace_back(first_block[w], &own[w]);
        for (Taken& t : taken[w]) parts.emplace_back(t.block, &t.index);
    }
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::uint64_t all_lines = 0;
    for (const auto& p : parts) all_lines += p.second->lines();
    if (all_lines > UINT32_MAX) throw std::length_error("too many lines in one batch");
    KeyIndex index;
    for (auto& p : parts) index.append(std::move(*p.second), true);
    return index;
}

// Pass 1: every line's keys and place. The file is read a block at a time,
// in parts that whichever thread is free reads (StreamBlocks), and each block
// is cut into one share of lines per worker, as settle --sorted cuts it: each
// worker reads its share's keys into an index of its own (worker 0's is the
// whole file's), and the others' are put after it when the block is done.
}  // namespace

KeyIndex read_keys(const ClaimFile& file, std::size_t workers) {
    if (file.mapped() != nullptr) return read_keys_mapped(file, workers);
    KeyIndex index;
    std::vector<KeyIndex> others(workers - 1);
    std::vector<std::uint32_t> lines(workers);
    std::uint64_t all_lines = 0;
    StreamBlocks blocks(file);
    std::vector<std::function<void()>> tasks;
    StepThreads step_threads(step_crew_size(workers));  // for every block's step
    blocks.start();
    for (bool more = blocks.next(); more; more = blocks.next()) {
        const char* const block = blocks.data();
        const std::size_t size = blocks.size();
        const std::uint64_t base = blocks.base();
        blocks.start();
        tasks.clear();
        for (std::size_t p = 0; p < blocks.parts(); ++p) tasks.emplace_back([&blocks, p] { blocks.read_part(p); });
        run_step(
            step_threads, workers,
            [&](std::size_t w) {
                lines[w] = scan_keys(block, base, share_start(block, size, w, workers),
                                     share_start(block, size, w + 1, workers), w == 0 ? index : others[w - 1]);
            },
            tasks);
        for (KeyIndex& other : others) index.append(std::move(other));
        for (const std::uint32_t l : lines) all_lines += l;
        if (all_lines > UINT32_MAX) throw std::length_error("too many lines in one batch");
        if (base == 0 && all_lines > 0) {
            // Room for the file's keys as the first block's lines tell, and an
            // eighth more for lines longer or shorter further on (a miss only
            // means growing by doubling).
            const std::uint64_t expected = file.size() / std::max<std::uint64_t>(size / all_lines, 1);
            index.expect(expected + expected / 8);
        }
    }
    return index;
}

}  // namespace claimgraph::detail
