// Internal: reading a claims file for the two-pass file settlement — front to
// back in large blocks for the key pass, one line at a time by offset for the
// settlement pass. Plain read(2)/pread(2), not a memory map: a file truncated
// while it is being settled must give an error, not a SIGBUS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace claimgraph::detail {

class ClaimFile {
public:
    // Throws std::runtime_error naming the file when it cannot be opened.
    explicit ClaimFile(const std::string& path);
    ~ClaimFile();
    ClaimFile(const ClaimFile&) = delete;
    ClaimFile& operator=(const ClaimFile&) = delete;

    // The next line (without its '\n') and its offset in the file; false at
    // the end. The view stays valid until the next call, and `padding` more
    // bytes may be read past its end.
    bool next_line(std::string_view& line, std::uint64_t& offset);
    // The line of `length` bytes at `offset` into `buf` (followed by
    // `padding` readable bytes); safe from several threads at once.
    std::string_view read_at(std::uint64_t offset, std::uint32_t length, std::string& buf) const;
    // Bytes read by next_line so far.
    std::uint64_t size_read() const { return base_ + filled_; }

    static constexpr std::size_t padding = 64;

private:
    bool fill();  // more bytes into the block; false at the end of the file

    int fd_ = -1;
    std::string path_;
    std::string block_;       // [0, filled_) is file text from offset base_, then padding
    std::size_t start_ = 0;   // the next line starts here
    std::size_t filled_ = 0;
    std::uint64_t base_ = 0;
    bool eof_ = false;
};

}  // namespace claimgraph::detail
