#include "io/claim_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace claimgraph::detail {

ClaimFile::ClaimFile(const std::string& path) : path_(path) {
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
}

ClaimFile::~ClaimFile() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t ClaimFile::read_some(std::uint64_t at, char* buf, std::size_t n) const {
    for (;;) {
        const ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(at));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path_, std::strerror(errno)));
        return static_cast<std::size_t>(got);
    }
}

std::string_view ClaimFile::read_at(std::uint64_t offset, std::uint32_t length, std::string& buf) const {
    buf.resize(std::size_t{length} + padding);
    read_exact(offset, buf.data(), length);
    return std::string_view(buf.data(), length);
}

void ClaimFile::read_exact(std::uint64_t offset, char* to, std::size_t n) const {
    std::size_t done = 0;
    while (done < n) {
        const ssize_t got = ::pread(fd_, to + done, n - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0)
            throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path_,
                                                 got < 0 ? std::strerror(errno) : "the file shrank while it was being settled"));
        done += static_cast<std::size_t>(got);
    }
}

}  // namespace claimgraph::detail
