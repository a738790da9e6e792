// Internal: settle --sorted's input a block of whole lines at a time, each
// block read in parts that whichever thread is free may take. A file's parts
// are read at once, by offset (pread(2)); a stream's in one part, in order.
// Fine parts are what let the thread that finishes its claims first fill its
// core with reading while the other still settles (session 10,
// docs/performance.md): one 8 MB read left that core idle instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <vector>

#include "engine/page_allocator.hpp"

namespace claimgraph::detail {

class ClaimFile;

class StreamBlocks {
public:
    static constexpr std::size_t padding = 64;  // readable bytes after a block's last line
    static constexpr std::size_t block_bytes = std::size_t{8} << 20;
    static constexpr std::size_t part_bytes = std::size_t{1} << 20;

    // read(offset, buf, n) fills up to n bytes of the source from `offset` and
    // returns how many (fewer only at its end); it throws on a read error.
    // `parallel`: it may be called from several threads at once, for distinct
    // ranges (pread(2)); else it is called in order of offset, one call at a
    // time. `size_hint`: the source's size when known, so that a small source
    // gets buffers of its own size.
    using Read = std::function<std::size_t(std::uint64_t offset, char* buf, std::size_t n)>;
    StreamBlocks(Read read, bool parallel, std::uint64_t size_hint = UINT64_MAX);
    // A claim file's blocks: in place when it is mapped (each part then
    // faults its pages in, and a block's pages leave the process when the
    // next block is current), else read by offset. `block`: a mapped block's
    // bytes (tests make it small).
    explicit StreamBlocks(const ClaimFile& file, std::size_t block = block_bytes);

    // The reading of the block after the current one: start() (the current
    // block's unfinished last line is carried over), then read_part(p) for
    // each p < parts() (distinct parts at once, beside any use of the current
    // block), then next() makes it current.
    void start();
    std::size_t parts() const { return parts_.size(); }
    void read_part(std::size_t p);
    // Reads what no read_part read, and on while the block holds no whole
    // line (a line longer than a block); false at the end of the source.
    // Throws if the source ended before a part that read something (a file
    // that changed while it was read).
    bool next();

    // The current block: whole lines (the source's last one may lack its
    // '\n'), followed by `padding` readable bytes; valid until the next()
    // after the next start().
    const char* data() const { return mapped_ != nullptr ? mapped_ + view_.base : buffers_[current_].bytes.data(); }
    std::size_t size() const { return mapped_ != nullptr ? view_.end - view_.base : buffers_[current_].end; }
    // Where the current block starts in the source.
    std::uint64_t base() const { return mapped_ != nullptr ? view_.base : buffers_[current_].base; }

private:
    struct Buffer {
        PageBytes bytes;
        std::uint64_t base = 0;
        std::size_t filled = 0;  // bytes read, the carried line included
        std::size_t end = 0;     // of the last whole line
    };
    struct Part {
        std::size_t at = 0, size = 0, got = 0;
        bool done = false;  // written by its reader only, read after the step
    };
    Buffer& loading() { return buffers_[current_ ^ 1]; }
    std::size_t read_fully(std::uint64_t offset, char* buf, std::size_t n) const;
    bool next_mapped();

    // A mapped file: its blocks are ranges of the mapping.
    const ClaimFile* file_ = nullptr;
    const char* mapped_ = nullptr;
    struct {
        std::uint64_t base = 0, end = 0;
    } view_;  // the current block, or before the first [0, 0)

    Read read_;
    bool parallel_;
    std::size_t block_;
    Buffer buffers_[2];
    int current_ = 1;  // the first start() loads buffer 0
    std::uint64_t source_at_ = 0;  // bytes of the source read so far
    std::size_t carried_ = 0;     // of the block loading: its first bytes, from the block before
    bool ended_ = false;           // the source has no more bytes
    std::vector<Part> parts_;
};

// Where worker w's share of a block of `size` bytes of whole lines begins:
// the first line start at or after w/workers of the way (worker w - 1's share
// ends there).
inline std::size_t share_start(const char* block, std::size_t size, std::size_t w, std::size_t workers) {
    if (w >= workers) return size;
    const std::size_t cut = size * w / workers;
    if (cut == 0) return 0;  // worker 0 (or a block too small to share): from the start
    const std::size_t from = cut - 1;
    const void* nl = std::memchr(block + from, '\n', size - from);
    return nl == nullptr ? size : static_cast<std::size_t>(static_cast<const char*>(nl) - block) + 1;
}

// Each line of bytes [from, to) of a block (`from`: a line start) that begins
// at `base` in the source, as line(text, offset, blank): the text without its
// '\n', a '\r' before it, or a UTF-8 byte order mark at the source's start;
// where the text begins in the source; whether it is blank (spaces and tabs
// only: no record). Both readers of blocks (the key pass, --sorted) cut
// their shares so.
template <class F>
void for_each_line(const char* block, std::uint64_t base, std::size_t from, std::size_t to, F&& line) {
    for (std::size_t at = from; at < to;) {
        const void* nl = std::memchr(block + at, '\n', to - at);
        const std::size_t end = nl == nullptr ? to : static_cast<std::size_t>(static_cast<const char*>(nl) - block);
        std::string_view text(block + at, end - at);
        std::uint64_t offset = base + at;
        if (offset == 0 && text.substr(0, 3) == "\xEF\xBB\xBF") {  // UTF-8 byte order mark
            text.remove_prefix(3);
            offset = 3;
        }
        at = end + 1;
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        line(text, offset, text.find_first_not_of(" \t") == std::string_view::npos);
    }
}

}  // namespace claimgraph::detail
