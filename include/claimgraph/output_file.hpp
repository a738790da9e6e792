// A results file written whole or not at all, at the speed of the disk.
//
//   OutputFile out("results.jsonl");
//   settle_file(g, claims, ledgers, format, [&](std::string_view t) { out.write(t); });
//   out.commit();  // only now is there a results.jsonl
//
// The bytes go to PATH.tmp, renamed to PATH by commit(); an OutputFile let go
// uncommitted (an exception, say) removes PATH.tmp, so a partial file never
// has the final name. Full blocks go out on a thread of their own while the
// caller goes on, and bypass the page cache (O_DIRECT) where the file system
// allows it: a batch's results are written once and not read back by this
// process, and on a virtual machine fresh page-cache pages cost more than the
// write itself. Where O_DIRECT is refused, the same blocks go through the
// page cache.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace claimgraph {

class OutputFile {
public:
    // Bytes handed to the writer thread at a time: a multiple of any device's block size.
    static constexpr std::size_t block_bytes = std::size_t{4} << 20;

    // Whether blocks may bypass the page cache: `keep` for a file read back
    // at once (a test's), or where the bytes should stay cached.
    enum class Cache { bypass, keep };
    // Creates PATH.tmp; throws std::runtime_error naming it if it cannot.
    explicit OutputFile(std::string path, Cache cache = Cache::bypass);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    // Appends `text`. Throws std::runtime_error naming PATH.tmp if an earlier
    // block could not be written (the disk is full, say).
    void write(std::string_view text);
    // Appends `row` and '\n': the same as write(row) and write("\n"), with
    // no second copy of the row when it fits in the buffer (nearly always).
    void write_line(std::string_view row) {
        if (!committed_ && used_ + row.size() + 1 < block_bytes) {  // and never full: write hands that over
            std::memcpy(fill_ + used_, row.data(), row.size());
            fill_[used_ + row.size()] = '\n';
            used_ += row.size() + 1;
            return;
        }
        write(row);
        write("\n");
    }
    // Writes what is left, closes PATH.tmp and renames it to PATH; throws
    // (and removes PATH.tmp) on any failure. Nothing may be written after.
    void commit();

    const std::string& path() const { return path_; }
    // PATH.tmp, where the bytes go until commit().
    const std::string& tmp_path() const { return tmp_; }
    // Whether blocks bypass the page cache (false once a write refused it).
    bool direct() const { return direct_.load(); }
    std::uint64_t bytes() const { return written_ + used_; }

private:

    void hand_over();               // the full buffer to the writer; the other one back
    void put(const char* data, std::size_t n, std::uint64_t at);  // on the writer thread (the tail: the caller's)
    void wait_idle();               // until the writer holds no block; rethrows its failure
    void fail(const char* what);    // throws naming the file and errno
    void discard() noexcept;        // closes and removes PATH.tmp

    std::string path_, tmp_;
    int fd_ = -1;
    std::atomic<bool> direct_{false};  // set by the writer thread too
    bool committed_ = false;
    char* buffers_[2] = {nullptr, nullptr};  // block_bytes each, page-aligned
    char* fill_ = nullptr;          // the caller's buffer
    std::size_t used_ = 0;          // bytes in it
    std::uint64_t written_ = 0;     // bytes handed to the writer before it

    std::mutex m_;
    std::condition_variable cv_;
    char* pending_ = nullptr;       // the block the writer is to write, or writing
    std::uint64_t pending_at_ = 0;  // its place in the file
    bool stop_ = false;
    std::exception_ptr failure_;
    std::thread writer_;
};

// A sink for the settle functions that writes to `file`:
//   settle_file(g, claims, ledgers, format, OutputFileSink{&out});
// The same bytes as [&](std::string_view t) { out.write(t); }, but a batch
// path that finds this sink in its std::function (settle_file) puts each row
// straight into the file's buffer instead of first into a block of its own.
struct OutputFileSink {
    OutputFile* file;
    void operator()(std::string_view text) const { file->write(text); }
};

}  // namespace claimgraph
