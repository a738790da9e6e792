// Internal: the lines of a byte source read 8 MB at a time, each line a view
// into the block followed by padding the decoder may read past its end. The
// source is a function (read(2) on a file, std::istream::read on a stream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgraph::detail {

class LineBlocks {
public:
    static constexpr std::size_t padding = 64;
    // read(buf, n) fills up to n bytes and returns how many (0 at the end);
    // it throws on a read error.
    explicit LineBlocks(std::function<std::size_t(char*, std::size_t)> read)
        : read_(std::move(read)), block_(kBlock + padding, '\0') {}

    // The next line, without its '\n', and its offset in the source; false at
    // the end. Valid until the next call; `padding` bytes past it are readable.
    bool next(std::string_view& line, std::uint64_t& offset) {
        for (;;) {
            const char* from = block_.data() + start_;
            if (const void* nl = std::memchr(from, '\n', filled_ - start_)) {
                const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - from);
                line = std::string_view(from, len);
                offset = base_ + start_;
                start_ += len + 1;
                return true;
            }
            if (!fill()) {
                if (start_ == filled_) return false;
                line = std::string_view(block_.data() + start_, filled_ - start_);  // the last line, without '\n'
                offset = base_ + start_;
                start_ = filled_;
                return true;
            }
        }
    }

    // Every whole line now in the block, reading on when there is none (the
    // source's last line counts whole without its '\n'); false at the end.
    // The views are valid until the next call, each followed by `padding`
    // readable bytes; `first` is the offset of the first.
    bool next_lines(std::vector<std::string_view>& lines, std::uint64_t& first) {
        lines.clear();
        for (;;) {
            const char* from = block_.data() + start_;
            const char* end = block_.data() + filled_;
            first = base_ + start_;
            while (const void* nl = std::memchr(from, '\n', static_cast<std::size_t>(end - from))) {
                const char* at = static_cast<const char*>(nl);
                lines.emplace_back(from, static_cast<std::size_t>(at - from));
                from = at + 1;
            }
            start_ = static_cast<std::size_t>(from - block_.data());
            if (!lines.empty()) return true;
            if (!fill()) {
                if (start_ == filled_) return false;
                lines.emplace_back(block_.data() + start_, filled_ - start_);
                first = base_ + start_;
                start_ = filled_;
                return true;
            }
        }
    }

private:
    static constexpr std::size_t kBlock = std::size_t{8} << 20;

    bool fill() {
        if (eof_) return false;
        if (start_ > 0) {  // keep the unfinished line, at the front
            std::memmove(block_.data(), block_.data() + start_, filled_ - start_);
            base_ += start_;
            filled_ -= start_;
            start_ = 0;
        }
        if (filled_ + padding >= block_.size() / 2) block_.resize(block_.size() * 2);  // a very long line
        const std::size_t n = read_(block_.data() + filled_, block_.size() - padding - filled_);
        if (n == 0) {
            eof_ = true;
            return false;
        }
        filled_ += n;
        return true;
    }

    std::function<std::size_t(char*, std::size_t)> read_;
    std::string block_;      // [0, filled_) is text from offset base_, then at least `padding` bytes
    std::size_t start_ = 0;  // where the next line starts
    std::size_t filled_ = 0;
    std::uint64_t base_ = 0;
    bool eof_ = false;
};

}  // namespace claimgraph::detail
