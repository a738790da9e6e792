#include "io/claim_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace claimgraph::detail {

namespace {

std::size_t page_bytes() {
    static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return page;
}

}  // namespace

ClaimFile::ClaimFile(const std::string& path, FileAccess access) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(fmt::format("cannot open claims file {}: {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        const bool dir = S_ISDIR(st.st_mode);
        ::close(fd_);
        throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path,
                                             dir ? "is a directory" : "not a regular file (a stream can be settled with --sorted)"));
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    if (access != FileAccess::map || size_ == 0 || size_ > SIZE_MAX / 2) return;
    // The padding after the file's last byte must be readable even when the
    // file ends on a page boundary, where the mapping ends too: the file is
    // mapped over the start of an anonymous read-only area one padding longer,
    // whose pages past the file's read as zeros. A file system that cannot
    // map the file is read instead. The area starts at a 2 MB boundary:
    // where the file's page cache holds 2 MB folios (a file read ahead in
    // large units, or first read through this mapping, which asks for
    // them), the kernel then maps each with one page-table entry, not 512.
    const std::size_t page = page_bytes();
    const std::size_t bytes = (static_cast<std::size_t>(size_) + padding + page - 1) / page * page;
    void* const area = map_aligned(bytes, kHugePage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
    if (area == MAP_FAILED) return;
    char* const at = static_cast<char*>(area);
    if (::mmap(at, static_cast<std::size_t>(size_), PROT_READ, MAP_SHARED | MAP_FIXED, fd_, 0) == MAP_FAILED) {
        ::munmap(at, bytes);
        return;
    }
#ifdef MADV_HUGEPAGE
    // The whole mapping, its last part unit too: one set of flags, one area. (Refused, it is mapped as before.)
    ::madvise(at, (static_cast<std::size_t>(size_) + page - 1) / page * page, MADV_HUGEPAGE);
#endif
    map_ = at;
    map_bytes_ = bytes;
}

ClaimFile::~ClaimFile() {
    if (map_ != nullptr) ::munmap(map_, map_bytes_);
    if (fd_ >= 0) ::close(fd_);
}

void ClaimFile::shrank() const {
    throw std::runtime_error(fmt::format("cannot read claims file {}: the file shrank while it was being settled", path_));
}

void ClaimFile::fetch(std::uint64_t offset, std::size_t n) const {
    if (map_ == nullptr || offset >= size_) return;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - offset));
    const std::size_t page = page_bytes();
    const std::size_t from = static_cast<std::size_t>(offset) / page * page;
#ifdef MADV_POPULATE_READ
    // Faults the pages in at once, and says so (EFAULT) where a read would
    // raise SIGBUS: the file has shrunk since it was mapped. A kernel older
    // than 5.14 (EINVAL) faults them in as they are read.
    if (::madvise(map_ + from, static_cast<std::size_t>(offset) + n - from, MADV_POPULATE_READ) != 0 && errno == EFAULT)
        shrank();
#endif
}

void ClaimFile::let_go(std::uint64_t offset, std::size_t n) const {
    if (map_ == nullptr || offset >= size_) return;
    // Whole 2 MB units only, so that a unit mapped by one entry is not cut
    // in pieces: the range's start is taken down to its unit (the unit's
    // first bytes were let go with the range before it, or are the file's
    // first), its end down to its unit but for the file's last. (Dropping
    // a page still in use only costs a fault: it comes back from the page
    // cache as it was.)
    const std::uint64_t end = std::min<std::uint64_t>(offset + n, size_);
    const std::uint64_t from = offset / kHugePage * kHugePage;
    const std::uint64_t to = end == size_ ? (end + page_bytes() - 1) / page_bytes() * page_bytes() : end / kHugePage * kHugePage;
    if (from < to) ::madvise(map_ + from, static_cast<std::size_t>(to - from), MADV_DONTNEED);
}

std::size_t ClaimFile::read_some(std::uint64_t at, char* buf, std::size_t n) const {
    for (;;) {
        const ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(at));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path_, std::strerror(errno)));
        return static_cast<std::size_t>(got);
    }
}

std::string_view ClaimFile::line_at(std::uint64_t offset, std::uint32_t length, std::string& buf,
                                    std::size_t& readable) const {
    if (map_ != nullptr) {
        if (offset + length > size_) shrank();  // a line the key pass found is within the size mapped
        readable = static_cast<std::size_t>(size_ - offset) + padding;
        return {map_ + offset, length};
    }
    buf.resize(std::size_t{length} + padding);
    read_exact(offset, buf.data(), length);
    readable = buf.size();
    return std::string_view(buf.data(), length);
}

void ClaimFile::read_exact(std::uint64_t offset, char* to, std::size_t n) const {
    std::size_t done = 0;
    while (done < n) {
        const ssize_t got = ::pread(fd_, to + done, n - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got == 0) shrank();
            throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path_, std::strerror(errno)));
        }
        done += static_cast<std::size_t>(got);
    }
}

}  // namespace claimgraph::detail
