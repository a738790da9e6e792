// Internal: a claim file's lines read front to back in blocks of whole lines,
// the last few blocks kept. The settlement pass of an unsorted file takes a
// member's claims from here when they lie near each other in the file, which
// saves a pread(2) per claim (the largest cost of that pass).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <span>
#include <string_view>
#include <vector>

#include "engine/page_allocator.hpp"
#include "io/claim_file.hpp"

namespace claimgraph::detail {

// Where a claim's line is in the file. 12 bytes: one is kept per claim while
// claims are settled.
struct LinePlace {
    std::uint32_t offset_hi, offset_lo, length;
    static LinePlace of(std::uint64_t offset, std::uint32_t length) {
        return {static_cast<std::uint32_t>(offset >> 32), static_cast<std::uint32_t>(offset), length};
    }
    std::uint64_t offset() const { return std::uint64_t{offset_hi} << 32 | offset_lo; }
    std::uint64_t end() const { return offset() + length; }
};

// Which lines each block holds: block b is lines [starts[b], starts[b + 1]),
// at most `block_bytes` of the file unless a single line is longer.
std::vector<std::uint32_t> plan_line_blocks(std::span<const LinePlace> places, std::size_t block_bytes);

// A mapped file is not copied: a block is a range of the mapping, its pieces
// fault its pages in, and the pages of a block let go leave the process.
//
// The next block is not read on a thread of its own: it is cut into pieces
// that the threads of a settlement step take when their own work is done
// (`read_piece`). A reading thread beside the workers made three or four
// runnable threads on two cores at every step's start, and the worker that
// shared its core finished last while the other core idled (measured:
// session 9, docs/performance.md).
class LineWindow {
public:
    // places: the claim lines in file order; `kept` ≥ 1 blocks are held at once.
    LineWindow(const ClaimFile& file, std::span<const LinePlace> places, std::span<const std::uint32_t> starts,
               std::size_t kept);
    LineWindow(const LineWindow&) = delete;
    LineWindow& operator=(const LineWindow&) = delete;

    // Takes in the next block (reading whatever of it no read_piece read),
    // letting go of the oldest when `kept` are held, and sets up the reading
    // of the block after it; false after the last.
    bool advance();

    // The block after the newest, to be read before the next advance(): in
    // pieces() parts, read_piece(p) reading part p. Distinct parts may be
    // read on different threads at once, beside any use of the lines held.
    // Throws as ClaimFile::read_exact does (the file shrank, say).
    std::size_t pieces() const { return pending_ ? piece_done_.size() : 0; }
    void read_piece(std::size_t p);

    // Lines held: [first(), end()); the newest block's: [newest(), end()).
    std::uint32_t first() const { return held_.empty() ? 0 : held_.front().first; }
    std::uint32_t newest() const { return held_.empty() ? 0 : held_.back().first; }
    std::uint32_t end() const { return held_.empty() ? 0 : held_.back().end; }
    // The lines the next advance() lets go: [first(), leaving()).
    std::uint32_t leaving() const { return held_.size() == kept_ && pending_ ? held_.front().end : first(); }

    // Line i, held; `readable` is how many bytes from its start may be read
    // (at least its length plus ClaimFile::padding).
    std::string_view line(std::uint32_t i, std::size_t& readable) const {
        if (mapped_ != nullptr) {
            const std::uint64_t at = places_[i].offset();
            readable = static_cast<std::size_t>(file_.size() - at) + ClaimFile::padding;
            return {mapped_ + at, places_[i].length};
        }
        // A handful of blocks: the newest is the usual answer.
        auto b = held_.rbegin();
        while (i < b->first) ++b;
        const std::size_t at = places_[i].offset() - b->base;
        readable = b->bytes.size() - at;
        return {b->bytes.data() + at, places_[i].length};
    }

    // Bytes read by one read_piece: a 4 MB block makes four, so that the
    // thread that finishes its share first does not take the whole read.
    static constexpr std::size_t piece_bytes = std::size_t{1} << 20;

private:
    struct Block {
        std::uint32_t first = 0, end = 0;
        std::uint64_t base = 0;  // file offset of bytes[0]
        std::size_t size = 0;    // bytes of lines, without the padding
        PageBytes bytes;
    };
    void set_up(std::size_t b, Block into);  // loading_ becomes block b, unread

    const ClaimFile& file_;
    const char* mapped_;  // the file when it is mapped: blocks are ranges of it, and pieces fault them in
    std::span<const LinePlace> places_;
    std::span<const std::uint32_t> starts_;
    std::size_t kept_, next_ = 0;  // next_: the block after the one loading
    std::size_t largest_ = 0;      // bytes of the largest block, padding included: every buffer's size
    std::deque<Block> held_;
    Block loading_;
    bool pending_ = false;               // loading_ is set up and not yet taken in
    std::vector<char> piece_done_;       // per part of loading_: read (each written by its reader only)
};

}  // namespace claimgraph::detail
