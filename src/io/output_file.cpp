#include "claimgraph/output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace claimgraph {

namespace {

char* make_buffer(std::size_t bytes) {
    // Page-aligned, as O_DIRECT needs of the memory it reads from.
    void* p = std::aligned_alloc(4096, bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<char*>(p);
}

}  // namespace

OutputFile::OutputFile(std::string path, Cache cache) : path_(std::move(path)), tmp_(path_ + ".tmp") {
    constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    if (cache == Cache::bypass) {
        fd_ = ::open(tmp_.c_str(), kFlags | O_DIRECT, 0644);
        direct_ = fd_ >= 0;
    }
    // Asked to, or a file system without O_DIRECT: through the page cache.
    if (fd_ < 0 && (cache == Cache::keep || errno == EINVAL)) fd_ = ::open(tmp_.c_str(), kFlags, 0644);
    if (fd_ < 0) throw std::runtime_error(fmt::format("cannot create {}: {}", tmp_, std::strerror(errno)));
    try {
        buffers_[0] = fill_ = make_buffer(block_bytes);
    } catch (...) {
        discard();
        throw;
    }
}

OutputFile::~OutputFile() {
    {
        std::lock_guard lock(m_);
        stop_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (!committed_) discard();
    std::free(buffers_[0]);
    std::free(buffers_[1]);
}

void OutputFile::write(std::string_view text) {
    if (committed_) throw std::logic_error(fmt::format("{} is already committed", path_));
    while (!text.empty()) {
        const std::size_t k = std::min(text.size(), block_bytes - used_);
        std::memcpy(fill_ + used_, text.data(), k);
        used_ += k;
        text.remove_prefix(k);
        if (used_ == block_bytes) hand_over();
    }
}

void OutputFile::hand_over() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return pending_ == nullptr; });
    if (failure_) std::rethrow_exception(failure_);
    pending_ = fill_;
    pending_at_ = written_;
    written_ += used_;
    used_ = 0;
    // The caller goes on in the other buffer, made the first time it is needed.
    if (buffers_[1] == nullptr) buffers_[1] = make_buffer(block_bytes);
    fill_ = fill_ == buffers_[0] ? buffers_[1] : buffers_[0];
    if (!writer_.joinable()) {
        writer_ = std::thread([this] {
            std::unique_lock lk(m_);
            for (;;) {
                cv_.wait(lk, [&] { return pending_ != nullptr || stop_; });
                if (pending_ == nullptr) return;
                const char* block = pending_;
                const std::uint64_t at = pending_at_;
                const bool lost = failure_ != nullptr;  // after a failure the file is lost anyway
                lk.unlock();
                std::exception_ptr failed;
                try {
                    if (!lost) put(block, block_bytes, at);
                } catch (...) {
                    failed = std::current_exception();
                }
                lk.lock();
                if (failed && !failure_) failure_ = failed;
                pending_ = nullptr;
                cv_.notify_all();
            }
        });
    }
    lock.unlock();
    cv_.notify_all();
}

void OutputFile::put(const char* data, std::size_t n, std::uint64_t at) {
    for (std::size_t done = 0; done < n;) {
        const ssize_t r = ::pwrite(fd_, data + done, n - done, static_cast<off_t>(at + done));
        if (r > 0) {
            done += static_cast<std::size_t>(r);
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else if (r < 0 && errno == EINVAL && direct_) {
            // The file system took O_DIRECT at open but not this write (its
            // block size, or a short write left us unaligned): go through the
            // page cache from here on.
            if (::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_DIRECT) != 0) fail("cannot write");
            direct_ = false;
        } else {
            if (r == 0) errno = ENOSPC;
            fail("cannot write");
        }
    }
}

void OutputFile::wait_idle() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return pending_ == nullptr; });
    if (failure_) std::rethrow_exception(failure_);
}

void OutputFile::commit() {
    if (committed_) throw std::logic_error(fmt::format("{} is already committed", path_));
    wait_idle();
    // The tail is rarely a whole number of device blocks: it goes through the page cache.
    if (direct_ && used_ > 0) {
        if (::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_DIRECT) != 0) fail("cannot write");
        direct_ = false;
    }
    put(fill_, used_, written_);
    written_ += used_;
    used_ = 0;
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) fail("cannot write");
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
        const int e = errno;
        discard();
        throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", tmp_, path_, std::strerror(e)));
    }
    committed_ = true;
}

void OutputFile::fail(const char* what) {
    throw std::runtime_error(fmt::format("{} {}: {}", what, tmp_, std::strerror(errno)));
}

void OutputFile::discard() noexcept {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    ::unlink(tmp_.c_str());
}

}  // namespace claimgraph
