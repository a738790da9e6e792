// A claims file mapped read-only, for the two-pass file settlement. Pages are
// given back to the kernel as the caller finishes with them (they stay in the
// page cache), so the process's resident memory does not grow with the file
// although all of it is addressable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace claimgraph::detail {

class MappedFile {
public:
    // Throws std::runtime_error naming the file when it cannot be read. A file
    // that cannot be mapped (a pipe, say) is read into memory instead.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::string_view text() const { return {data_, size_}; }
    // Bytes that may be read from offset `at` on.
    std::size_t readable_from(std::size_t at) const { return readable_ - at; }
    // Drops the process's mapping of [from, to) (rounded inward to pages); the
    // text reads the same afterwards, from the page cache or the disk.
    void release(std::size_t from, std::size_t to) const;
    // Tells the kernel how the text will be read next (madvise), so that it
    // maps ahead or only what is touched.
    void expect_sequential() const;
    void expect_random() const;

private:
    const char* data_ = nullptr;
    std::size_t size_ = 0, readable_ = 0, mapped_ = 0;
    std::string owned_;  // when not mapped
};

}  // namespace claimgraph::detail
