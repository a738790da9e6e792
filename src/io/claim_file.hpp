// Internal: reading a claims file for the two-pass file settlement — front to
// back in large blocks for the key pass, one line at a time by offset for the
// settlement pass. Plain read(2)/pread(2), not a memory map: a file truncated
// while it is being settled must give an error, not a SIGBUS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/line_blocks.hpp"

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
    bool next_line(std::string_view& line, std::uint64_t& offset) { return lines_.next(line, offset); }
    // The line of `length` bytes at `offset` into `buf` (followed by
    // `padding` readable bytes); safe from several threads at once.
    std::string_view read_at(std::uint64_t offset, std::uint32_t length, std::string& buf) const;

    static constexpr std::size_t padding = LineBlocks::padding;

private:
    std::size_t read_some(char* buf, std::size_t n);

    int fd_ = -1;
    std::string path_;
    LineBlocks lines_;
};

}  // namespace claimgraph::detail
