// Internal: reading a claims file for the two-pass file settlement — in large
// blocks for the key pass (through StreamBlocks), one line at a time by
// offset for the settlement pass. Plain read(2)/pread(2), not a memory map: a file truncated
// while it is being settled must give an error, not a SIGBUS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/stream_blocks.hpp"

namespace claimgraph::detail {

class ClaimFile {
public:
    // Throws std::runtime_error naming the file when it cannot be opened.
    explicit ClaimFile(const std::string& path);
    ~ClaimFile();
    ClaimFile(const ClaimFile&) = delete;
    ClaimFile& operator=(const ClaimFile&) = delete;

    std::uint64_t size() const { return size_; }
    // The line of `length` bytes at `offset` into `buf` (followed by
    // `padding` readable bytes); safe from several threads at once.
    std::string_view read_at(std::uint64_t offset, std::uint32_t length, std::string& buf) const;
    // Exactly n bytes at `offset` into `to`; throws if the file has fewer.
    void read_exact(std::uint64_t offset, char* to, std::size_t n) const;
    // Up to n bytes at offset `at`, 0 at the end of the file; safe from
    // several threads at once.
    std::size_t read_some(std::uint64_t at, char* buf, std::size_t n) const;

    static constexpr std::size_t padding = StreamBlocks::padding;

private:
    int fd_ = -1;
    std::string path_;
    std::uint64_t size_ = 0;
};

}  // namespace claimgraph::detail
