#include "io/claim_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace claimgraph::detail {

ClaimFile::ClaimFile(const std::string& path)
    : path_(path), lines_([this](char* buf, std::size_t n) { return read_some(buf, n); }) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(fmt::format("cannot open claims file {}: {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd_);
        throw std::runtime_error(fmt::format("cannot read claims file {}: is a directory", path));
    }
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

ClaimFile::~ClaimFile() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t ClaimFile::read_some(char* buf, std::size_t n) {
    for (;;) {
        const ssize_t got = ::read(fd_, buf, n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path_, std::strerror(errno)));
        return static_cast<std::size_t>(got);
    }
}

std::string_view ClaimFile::read_at(std::uint64_t offset, std::uint32_t length, std::string& buf) const {
    buf.resize(std::size_t{length} + padding);
    std::size_t done = 0;
    while (done < length) {
        const ssize_t n = ::pread(fd_, buf.data() + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path_,
                                                 n < 0 ? std::strerror(errno) : "the file shrank while it was being settled"));
        done += static_cast<std::size_t>(n);
    }
    return std::string_view(buf.data(), length);
}

}  // namespace claimgraph::detail
