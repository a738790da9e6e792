// Internal: the lines of a byte source read 8 MB at a time, each line a view
// into the block followed by padding the decoder may read past its end. The
// source is a function (pread(2) on a file, std::istream::read on a stream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string.h>  // memrchr

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgraph::detail {

// The whole lines of a byte source a block at a time, in two buffers used in
// turn: a block's lines stay valid while the next block is read, so that
// reading and settling can overlap.
class LineBlocks {
public:
    static constexpr std::size_t padding = 64;
    // read(buf, n) fills up to n bytes and returns how many (0 at the end);
    // it throws on a read error.
    explicit LineBlocks(std::function<std::size_t(char*, std::size_t)> read) : read_(std::move(read)) {
        for (auto& b : buffers_) b.assign(kBlock + padding, '\0');
    }

    // The next block's lines (the source's last line counts whole without
    // its '\n'); false at the end. Each is followed by `padding` readable
    // bytes and stays valid until the call after next.
    bool next(std::vector<std::string_view>& lines) {
        lines.clear();
        std::string& from = buffers_[current_];
        current_ ^= 1;
        std::string& to = buffers_[current_];
        base_ += carry_;
        // The unfinished line at the end of the last block starts this one.
        const std::size_t carried = carry_end_ - carry_;
        if (carried + padding >= to.size() / 2) to.resize(std::max(to.size(), (carried + padding) * 2 + kBlock));
        std::memcpy(to.data(), from.data() + carry_, carried);
        std::size_t filled = carried, scanned = 0, last_newline = std::string::npos;
        while (!eof_) {
            if (filled + padding >= to.size()) to.resize(to.size() * 2);  // a very long line
            const std::size_t n = read_(to.data() + filled, to.size() - padding - filled);
            if (n == 0) {
                eof_ = true;
                break;
            }
            filled += n;
            if (const void* nl = memrchr(to.data() + scanned, '\n', filled - scanned)) {
                last_newline = static_cast<std::size_t>(static_cast<const char*>(nl) - to.data());
                break;
            }
            scanned = filled;
        }
        std::size_t start = 0;
        if (last_newline != std::string::npos) {
            for (const char* p = to.data(); start <= last_newline;) {
                const auto* nl = static_cast<const char*>(std::memchr(p + start, '\n', last_newline + 1 - start));
                lines.emplace_back(p + start, static_cast<std::size_t>(nl - (p + start)));
                start = static_cast<std::size_t>(nl - p) + 1;
            }
        } else if (eof_ && filled > 0) {
            lines.emplace_back(to.data(), filled);  // the last line, without '\n'
            start = filled;
        }
        std::memset(to.data() + filled, 0, padding);
        carry_ = start;
        carry_end_ = filled;
        return !lines.empty();
    }

    // Where a line of the last block starts in the source.
    std::uint64_t offset_of(std::string_view line) const {
        return base_ + static_cast<std::uint64_t>(line.data() - buffers_[current_].data());
    }

private:
    static constexpr std::size_t kBlock = std::size_t{8} << 20;
    std::function<std::size_t(char*, std::size_t)> read_;
    std::string buffers_[2];
    int current_ = 1;
    std::size_t carry_ = 0, carry_end_ = 0;  // the unfinished line in the current buffer
    std::uint64_t base_ = 0;                 // where the current buffer starts in the source
    bool eof_ = false;
};

}  // namespace claimgraph::detail
