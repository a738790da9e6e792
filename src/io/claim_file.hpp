// Internal: reading a claims file for the file settlements — in large blocks
// (StreamBlocks: the key pass, --sorted), by line (the settlement pass).
//
// Two ways, chosen by the caller (FileAccess, claimgraph/io.hpp):
// - read: pread(2) into the caller's buffers. A file truncated while it is
//   being settled gives an error.
// - map: the whole file mapped once and read in place, which saves copying
//   it into the process (twice for an unsorted file: about 0.3 CPU-seconds
//   of 2.2 per million claims, docs/performance.md, session 12). Pages are
//   faulted in ahead by whichever thread is free (fetch) and dropped from the
//   process behind the readers (let_go), so what a run holds stays bounded;
//   the page cache keeps them. A file truncated under the mapping raises
//   SIGBUS, which only the process can handle (the CLI does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "claimgraph/io.hpp"
#include "engine/page_allocator.hpp"
#include "io/stream_blocks.hpp"

namespace claimgraph::detail {

class ClaimFile {
public:
    // Throws std::runtime_error naming the file when it cannot be opened.
    // `map`: mapped when the file can be (a regular, non-empty file on a
    // file system that maps); read otherwise.
    explicit ClaimFile(const std::string& path, FileAccess access = FileAccess::read);
    ~ClaimFile();
    ClaimFile(const ClaimFile&) = delete;
    ClaimFile& operator=(const ClaimFile&) = delete;

    std::uint64_t size() const { return size_; }

    // The file's bytes followed by `padding` readable ones (zero), when
    // mapped; else null.
    const char* mapped() const { return map_; }
    // Mapped: faults in bytes [offset, offset + n) ahead of their use; throws
    // if they are gone (the file shrank). Safe from several threads at once.
    void fetch(std::uint64_t offset, std::size_t n) const;
    // Mapped: the process is done with bytes [offset, offset + n) for now
    // (the 2 MB units from the one it starts in to the one it ends in leave
    // it, that last one only if it ends the file; read again, they come back
    // from the page cache).
    void let_go(std::uint64_t offset, std::size_t n) const;

    // The line of `length` bytes at `offset`, followed by `readable - length`
    // readable bytes (at least `padding`): in place when mapped, else read
    // into `buf`. Safe from several threads at once.
    std::string_view line_at(std::uint64_t offset, std::uint32_t length, std::string& buf, std::size_t& readable) const;
    // Exactly n bytes at `offset` into `to`; throws if the file has fewer.
    void read_exact(std::uint64_t offset, char* to, std::size_t n) const;
    // Up to n bytes at offset `at`, 0 at the end of the file; safe from
    // several threads at once.
    std::size_t read_some(std::uint64_t at, char* buf, std::size_t n) const;

    static constexpr std::size_t padding = StreamBlocks::padding;

private:
    [[noreturn]] void shrank() const;

    int fd_ = -1;
    std::string path_;
    std::uint64_t size_ = 0;
    char* map_ = nullptr;
    std::size_t map_bytes_ = 0;  // the whole mapping: the file's pages and the padding's
};

}  // namespace claimgraph::detail
