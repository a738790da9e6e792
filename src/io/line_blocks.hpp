// Internal: the lines of a byte source read 8 MB at a time, each line a view
// into the block followed by padding the decoder may read past its end. The
// source is a function (pread(2) on a file, std::istream::read on a stream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string.h>  // memrchr

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace claimgraph::detail {

// The whole lines of a byte source a block at a time, in buffers used in
// turn: a block's lines stay valid while the next block is read, so that
// reading and settling can overlap. With `read_ahead`, the block after the
// one next() returns is read on a thread of its own meanwhile, into a third
// buffer (the source must then be safe to call from another thread, as
// pread(2) is).
class LineBlocks {
public:
    static constexpr std::size_t padding = 64;
    // read(buf, n) fills up to n bytes and returns how many (0 at the end);
    // it throws on a read error. `size_hint`: the source's size when known
    // (a file's), so that a small source gets buffers of its own size.
    explicit LineBlocks(std::function<std::size_t(char*, std::size_t)> read, bool read_ahead = false,
                        std::uint64_t size_hint = UINT64_MAX)
        : read_(std::move(read)),
          read_ahead_(read_ahead),
          // One byte over the source: the last read then finds the end
          // without first doubling the buffer for a longer line.
          block_(static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, size_hint)) + padding + 1) {}
    ~LineBlocks() {
        if (reader_.joinable()) reader_.join();
    }
    LineBlocks(const LineBlocks&) = delete;
    LineBlocks& operator=(const LineBlocks&) = delete;

    // The next block's lines (the source's last line counts whole without
    // its '\n'); false at the end. Each is followed by `padding` readable
    // bytes and stays valid until the call after next.
    bool next(std::vector<std::string_view>& lines) {
        lines.clear();
        if (!filling_) start_fill();
        finish_fill();
        Buffer& to = buffers_[filled_buffer_];
        base_ += carry_;
        current_ = filled_buffer_;
        std::size_t start = 0;
        if (last_newline_ != std::string::npos) {
            for (const char* p = to.data(); start <= last_newline_;) {
                const auto* nl = static_cast<const char*>(std::memchr(p + start, '\n', last_newline_ + 1 - start));
                lines.emplace_back(p + start, static_cast<std::size_t>(nl - (p + start)));
                start = static_cast<std::size_t>(nl - p) + 1;
            }
        } else if (eof_ && filled_ > 0) {
            lines.emplace_back(to.data(), filled_);  // the last line, without '\n'
            start = filled_;
        }
        std::memset(to.data() + filled_, 0, padding);  // the buffer is not cleared when made
        carry_ = start;
        carry_end_ = filled_;
        if (read_ahead_ && !lines.empty()) start_fill();
        return !lines.empty();
    }

    // Where a line of the last block starts in the source.
    std::uint64_t offset_of(std::string_view line) const {
        return base_ + static_cast<std::uint64_t>(line.data() - buffers_[current_].data());
    }

private:
    static constexpr std::size_t kBlock = std::size_t{8} << 20;
    // A block returned, the one before it (still valid) and, reading ahead, the one being read.
    int buffer_count() const { return read_ahead_ ? 3 : 2; }

    // Starts the next block in the buffer after the current one: the
    // unfinished line at the end of the current block first, then as much
    // of the source as it takes to hold a whole line (or reach the end).
    void start_fill() {
        const Buffer& from = buffers_[current_];
        filled_buffer_ = (current_ + 1) % buffer_count();
        Buffer& to = buffers_[filled_buffer_];
        const std::size_t carried = carry_end_ - carry_;
        if (to.size() == 0) to.resize(block_, 0);
        if (carried + padding >= to.size() / 2) to.resize(std::max(to.size(), (carried + padding) * 2 + block_), 0);
        if (carried > 0) std::memcpy(to.data(), from.data() + carry_, carried);
        filling_ = true;
        if (read_ahead_)
            reader_ = std::thread([this, carried] { fill(carried); });
        else
            fill(carried);
    }
    void finish_fill() {
        if (reader_.joinable()) reader_.join();
        filling_ = false;
        if (failed_) std::rethrow_exception(std::exchange(failed_, nullptr));
    }
    void fill(std::size_t carried) {
        try {
            Buffer& to = buffers_[filled_buffer_];
            std::size_t filled = carried, scanned = 0, last_newline = std::string::npos;
            while (!eof_) {
                if (filled + padding >= to.size()) to.resize(to.size() * 2, filled);  // a very long line
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
            filled_ = filled;
            last_newline_ = last_newline;
        } catch (...) {
            failed_ = std::current_exception();
        }
    }

    // Bytes that are not cleared when made: every byte a line or its padding
    // can reach is written before it is read.
    class Buffer {
    public:
        char* data() { return data_.get(); }
        const char* data() const { return data_.get(); }
        std::size_t size() const { return size_; }
        // Keeps the first `keep` bytes.
        void resize(std::size_t n, std::size_t keep) {
            std::unique_ptr<char[]> bigger(new char[n]);
            if (keep > 0) std::memcpy(bigger.get(), data_.get(), keep);
            data_ = std::move(bigger);
            size_ = n;
        }

    private:
        std::unique_ptr<char[]> data_;
        std::size_t size_ = 0;
    };

    std::function<std::size_t(char*, std::size_t)> read_;
    bool read_ahead_;
    std::size_t block_;  // a buffer's first size
    Buffer buffers_[3];  // made when first filled
    int current_ = 0;                         // the buffer next() last returned lines of
    std::size_t carry_ = 0, carry_end_ = 0;   // the unfinished line in the current buffer
    std::uint64_t base_ = 0;                  // where the current buffer starts in the source
    // The block being filled (on reader_ with read_ahead): written only by
    // fill(), read only after finish_fill().
    bool filling_ = false, eof_ = false;
    int filled_buffer_ = 0;
    std::size_t filled_ = 0, last_newline_ = std::string::npos;
    std::thread reader_;
    std::exception_ptr failed_;
};

}  // namespace claimgraph::detail
