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
#include <thread>
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

class LineWindow {
public:
    // places: the claim lines in file order; `kept` ≥ 1 blocks are held at once
    // (plus one being read ahead on a thread of its own).
    LineWindow(const ClaimFile& file, std::span<const LinePlace> places, std::span<const std::uint32_t> starts,
               std::size_t kept);
    ~LineWindow();
    LineWindow(const LineWindow&) = delete;
    LineWindow& operator=(const LineWindow&) = delete;

    // Takes in the next block, letting go of the oldest when `kept` are held;
    // false after the last. Rethrows a read error (the file shrank, say).
    bool advance();

    // Lines held: [first(), end()); the newest block's: [newest(), end()).
    std::uint32_t first() const { return held_.empty() ? 0 : held_.front().first; }
    std::uint32_t newest() const { return held_.empty() ? 0 : held_.back().first; }
    std::uint32_t end() const { return held_.empty() ? 0 : held_.back().end; }
    // The lines the next advance() lets go: [first(), leaving()).
    std::uint32_t leaving() const {
        return held_.size() == kept_ && reader_.joinable() ? held_.front().end : first();
    }

    // Line i, held; `readable` is how many bytes from its start may be read
    // (at least its length plus ClaimFile::padding).
    std::string_view line(std::uint32_t i, std::size_t& readable) const {
        // A handful of blocks: the newest is the usual answer.
        auto b = held_.rbegin();
        while (i < b->first) ++b;
        const std::size_t at = places_[i].offset() - b->base;
        readable = b->bytes.size() - at;
        return {b->bytes.data() + at, places_[i].length};
    }

private:
    struct Block {
        std::uint32_t first = 0, end = 0;
        std::uint64_t base = 0;  // file offset of bytes[0]
        PageBytes bytes;
    };
    void start_reading(std::size_t b, Block into);
    Block finish_reading();

    const ClaimFile& file_;
    std::span<const LinePlace> places_;
    std::span<const std::uint32_t> starts_;
    std::size_t kept_, next_ = 0;  // next_: the block after the newest held
    std::size_t largest_ = 0;      // bytes of the largest block, padding included: every buffer's size
    std::deque<Block> held_;
    Block loading_;
    std::thread reader_;
    std::exception_ptr failed_;
};

}  // namespace claimgraph::detail
