#include "io/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace claimgraph::detail {

namespace {
std::runtime_error read_error(const std::string& path, int err) {
    return std::runtime_error(fmt::format("cannot read claims file {}: {}", path, std::strerror(err)));
}
}  // namespace

MappedFile::MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(fmt::format("cannot open claims file {}: {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw read_error(path, err);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw std::runtime_error(fmt::format("cannot read claims file {}: is a directory", path));
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        const auto size = static_cast<std::size_t>(st.st_size);
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            ::close(fd);
            data_ = static_cast<const char*>(p);
            size_ = readable_ = mapped_ = size;
            return;
        }
    }
    // Not a regular file, or empty: read what there is.
    char chunk[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw read_error(path, err);
        }
        if (n == 0) break;
        owned_.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fd);
    data_ = owned_.data();
    size_ = readable_ = owned_.size();
}

MappedFile::~MappedFile() {
    if (mapped_ > 0) ::munmap(const_cast<char*>(data_), mapped_);
}

void MappedFile::release(std::size_t from, std::size_t to) const {
    if (mapped_ == 0) return;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    from = (from + page - 1) / page * page;
    to = to >= mapped_ ? mapped_ : to / page * page;
    if (to > from) ::madvise(const_cast<char*>(data_) + from, to - from, MADV_DONTNEED);
}

}  // namespace claimgraph::detail

namespace claimgraph::detail {
void MappedFile::expect_sequential() const {
    if (mapped_ > 0) ::madvise(const_cast<char*>(data_), mapped_, MADV_SEQUENTIAL);
}
void MappedFile::expect_random() const {
    if (mapped_ > 0) ::madvise(const_cast<char*>(data_), mapped_, MADV_RANDOM);
}
}  // namespace claimgraph::detail
