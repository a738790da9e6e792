#include "io/key_index.hpp"

#include <atomic>
#include <cstring>
#include <functional>

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

// Pass 1 on a mapped file: nothing to read, so no steps in common. Each
// worker reads the keys of its own part of the file (from the first line
// start at or after w/workers of the way), a block of lines at a time, each
// let go once read; the parts' indexes then follow worker 0's, in order, as
// parts of its own (not copied).
KeyIndex read_keys_mapped(const ClaimFile& file, std::size_t workers) {
    const char* const all = file.mapped();
    const auto size = static_cast<std::size_t>(file.size());
    std::vector<KeyIndex> parts(workers);
    std::vector<std::uint64_t> lines(workers, 0);
    run_workers(workers, [&](std::size_t w) {
        const std::size_t from = share_start(all, size, w, workers), to = share_start(all, size, w + 1, workers);
        KeyIndex& index = parts[w];
        for (std::size_t at = from; at < to;) {
            std::size_t end = to;
            if (to - at > StreamBlocks::block_bytes) {
                const std::size_t cut = at + StreamBlocks::block_bytes - 1;
                const void* nl = std::memchr(all + cut, '\n', to - cut);
                end = nl == nullptr ? to : static_cast<std::size_t>(static_cast<const char*>(nl) - all) + 1;
            }
            lines[w] += scan_keys(all, 0, at, end, index);
            if (at == from && lines[w] > 0) {
                // Room for the keys of its share as the first block's lines
                // tell, and an eighth more.
                const std::uint64_t line_bytes = std::max<std::uint64_t>((end - at) / lines[w], 1);
                const std::uint64_t expected = (to - from) / line_bytes;
                index.expect(expected + expected / 8);
            }
            file.let_go(at, end - at);
            at = end;
        }
    });
    std::uint64_t all_lines = 0;
    for (const std::uint64_t l : lines) all_lines += l;
    if (all_lines > UINT32_MAX) throw std::length_error("too many lines in one batch");
    for (std::size_t w = 1; w < workers; ++w) parts[0].append(std::move(parts[w]), true);
    return std::move(parts[0]);
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
    blocks.start();
    for (bool more = blocks.next(); more; more = blocks.next()) {
        const char* const block = blocks.data();
        const std::size_t size = blocks.size();
        const std::uint64_t base = blocks.base();
        blocks.start();
        tasks.clear();
        for (std::size_t p = 0; p < blocks.parts(); ++p) tasks.emplace_back([&blocks, p] { blocks.read_part(p); });
        run_step(
            workers,
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
