#include "io/stream_blocks.hpp"

#include "io/claim_file.hpp"

#include <string.h>  // memrchr

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace claimgraph::detail {

StreamBlocks::StreamBlocks(Read read, bool parallel, std::uint64_t size_hint)
    // One byte over the source: a small one then fits one block with room to
    // find its end.
    : read_(std::move(read)), parallel_(parallel), block_(static_cast<std::size_t>(std::min<std::uint64_t>(block_bytes, size_hint)) + 1) {}

StreamBlocks::StreamBlocks(const ClaimFile& file, std::size_t block)
    : StreamBlocks([&file](std::uint64_t at, char* buf, std::size_t n) { return file.read_some(at, buf, n); },
                   /*parallel=*/true, file.size()) {
    if (file.mapped() == nullptr) return;
    file_ = &file;
    mapped_ = file.mapped();
    block_ = std::max<std::size_t>(block, 1);
}

std::size_t StreamBlocks::read_fully(std::uint64_t offset, char* buf, std::size_t n) const {
    std::size_t got = 0;
    while (got < n) {
        const std::size_t k = read_(offset + got, buf + got, n - got);
        if (k == 0) break;
        got += k;
    }
    return got;
}

void StreamBlocks::start() {
    if (mapped_ != nullptr) {
        parts_.clear();
        const std::uint64_t from = view_.end, to = std::min<std::uint64_t>(from + block_, file_->size());
        for (std::uint64_t at = from; at < to; at += part_bytes)
            parts_.push_back({static_cast<std::size_t>(at - from), static_cast<std::size_t>(std::min<std::uint64_t>(part_bytes, to - at)), 0, false});
        return;
    }
    const Buffer& from = buffers_[current_];
    Buffer& to = loading();
    carried_ = from.filled - from.end;
    // Room for a block after the carried bytes (which may be most of a long line).
    const std::size_t want = std::max(block_, carried_ * 2);
    if (to.bytes.capacity() < want + padding) to.bytes = PageBytes(want + padding);  // not cleared: every byte read is written first
    if (carried_ > 0) std::memcpy(to.bytes.data(), from.bytes.data() + from.end, carried_);
    to.base = from.base + from.end;
    to.filled = carried_;
    to.end = 0;
    parts_.clear();
    if (ended_) return;
    const std::size_t room = want - carried_;
    const std::size_t part = parallel_ ? part_bytes : room;
    for (std::size_t at = 0; at < room; at += part) parts_.push_back({at, std::min(part, room - at), 0, false});
}

void StreamBlocks::read_part(std::size_t p) {
    if (mapped_ != nullptr) {
        file_->fetch(view_.end + parts_[p].at, parts_[p].size);
        parts_[p].done = true;
        return;
    }
    Part& part = parts_[p];
    part.got = read_fully(source_at_ + part.at, loading().bytes.data() + carried_ + part.at, part.size);
    part.done = true;
}

bool StreamBlocks::next_mapped() {
    // Parts no thread fetched are fetched here: a file that shrank is then an
    // error, as it is when read, not a SIGBUS.
    for (std::size_t p = 0; p < parts_.size(); ++p)
        if (!parts_[p].done) read_part(p);
    parts_.clear();
    const std::uint64_t from = view_.end, size = file_->size();
    file_->let_go(view_.base, static_cast<std::size_t>(view_.end - view_.base));
    if (from >= size) {
        view_ = {size, size};
        return false;
    }
    // The last whole line within a block's bytes (at the file's end, all of
    // it: its last line may lack its '\n'); a line longer than a block, to its end.
    const std::uint64_t to = std::min<std::uint64_t>(from + block_, size);
    std::uint64_t end = size;
    if (to < size) {
        if (const void* nl = memrchr(mapped_ + from, '\n', static_cast<std::size_t>(to - from)))
            end = static_cast<std::uint64_t>(static_cast<const char*>(nl) - mapped_) + 1;
        else if (const void* far = std::memchr(mapped_ + to, '\n', static_cast<std::size_t>(size - to)))
            end = static_cast<std::uint64_t>(static_cast<const char*>(far) - mapped_) + 1;
    }
    view_ = {from, end};
    return true;
}

bool StreamBlocks::next() {
    if (mapped_ != nullptr) return next_mapped();
    Buffer& to = loading();
    std::size_t got = 0;
    bool short_part = false;
    for (std::size_t p = 0; p < parts_.size(); ++p) {
        if (!parts_[p].done) read_part(p);
        const Part& part = parts_[p];
        if (short_part && part.got > 0)
            throw std::runtime_error("the claims changed while they were read: a part of the file ended before the next");
        got += part.got;
        short_part = short_part || part.got < part.size;
    }
    ended_ = ended_ || short_part;
    to.filled += got;
    source_at_ += got;
    // The last whole line (at the source's end, all of it: its last line may
    // lack its '\n'); a line longer than the block is read on (in order:
    // nothing else reads now) until its end or the source's.
    for (std::size_t scanned = 0;;) {
        if (ended_) {
            to.end = to.filled;
            break;
        }
        if (const void* nl = memrchr(to.bytes.data() + scanned, '\n', to.filled - scanned)) {
            to.end = static_cast<std::size_t>(static_cast<const char*>(nl) - to.bytes.data()) + 1;
            break;
        }
        scanned = to.filled;
        if (to.filled + padding >= to.bytes.capacity()) {
            PageBytes bigger(to.bytes.capacity() * 2);
            std::memcpy(bigger.data(), to.bytes.data(), to.filled);
            to.bytes = std::move(bigger);
        }
        const std::size_t n = read_fully(source_at_, to.bytes.data() + to.filled, to.bytes.capacity() - padding - to.filled);
        if (n == 0) ended_ = true;
        to.filled += n;
        source_at_ += n;
    }
    std::memset(to.bytes.data() + to.filled, 0, padding);
    parts_.clear();
    current_ ^= 1;
    return to.end > 0;
}

}  // namespace claimgraph::detail
