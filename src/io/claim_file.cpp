#include "io/claim_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace claimgraph::detail {

namespace {
constexpr std::size_t kBlock = std::size_t{8} << 20;
}

ClaimFile::ClaimFile(const std::string& path) : path_(path) {
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
    block_.resize(kBlock + padding);
}

ClaimFile::~ClaimFile() {
    if (fd_ >= 0) ::close(fd_);
}

bool ClaimFile::fill() {
    if (eof_) return false;
    // Keep the unfinished line, at the front.
    if (start_ > 0) {
        std::memmove(block_.data(), block_.data() + start_, filled_ - start_);
        base_ += start_;
        filled_ -= start_;
        start_ = 0;
    }
    if (filled_ + padding >= block_.size() / 2) block_.resize(block_.size() * 2);  // a very long line
    const std::size_t room = block_.size() - padding - filled_;
    for (;;) {
        const ssize_t n = ::read(fd_, block_.data() + filled_, room);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path_, std::strerror(errno)));
        if (n == 0) {
            eof_ = true;
            return false;
        }
        filled_ += static_cast<std::size_t>(n);
        return true;
    }
}

bool ClaimFile::next_line(std::string_view& line, std::uint64_t& offset) {
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
