#include "io/line_window.hpp"

#include <algorithm>
#include <utility>

namespace claimgraph::detail {

std::vector<std::uint32_t> plan_line_blocks(std::span<const LinePlace> places, std::size_t block_bytes) {
    std::vector<std::uint32_t> starts{0};
    const auto n = static_cast<std::uint32_t>(places.size());
    for (std::uint32_t i = 0; i < n;) {
        const std::uint64_t base = places[i].offset();
        std::uint32_t j = i + 1;
        while (j < n && places[j].end() - base <= block_bytes) ++j;
        starts.push_back(j);
        i = j;
    }
    return starts;
}

LineWindow::LineWindow(const ClaimFile& file, std::span<const LinePlace> places, std::span<const std::uint32_t> starts,
                       std::size_t kept)
    : file_(file), places_(places), starts_(starts), kept_(std::max<std::size_t>(kept, 1)) {
    // Buffers are passed on from the block let go to the block read next, so
    // sized once for the largest none is ever made again.
    for (std::size_t b = 0; b + 1 < starts_.size(); ++b)
        largest_ = std::max<std::size_t>(largest_, places_[starts_[b + 1] - 1].end() - places_[starts_[b]].offset());
    largest_ += ClaimFile::padding;
    if (starts_.size() > 1) start_reading(0, Block{});
}

LineWindow::~LineWindow() {
    if (reader_.joinable()) reader_.join();
}

void LineWindow::start_reading(std::size_t b, Block into) {
    loading_ = std::move(into);
    reader_ = std::thread([this, b] {
        try {
            Block& k = loading_;
            k.first = starts_[b];
            k.end = starts_[b + 1];
            k.base = places_[k.first].offset();
            const std::size_t size = places_[k.end - 1].end() - k.base;
            if (k.bytes.capacity() < largest_) k.bytes = PageBytes(largest_);
            k.bytes.resize_uninitialized(size + ClaimFile::padding);
            file_.read_exact(k.base, k.bytes.data(), size);
            std::fill_n(k.bytes.data() + size, ClaimFile::padding, '\0');
        } catch (...) {
            failed_ = std::current_exception();
        }
    });
    next_ = b + 1;
}

LineWindow::Block LineWindow::finish_reading() {
    reader_.join();
    if (failed_) std::rethrow_exception(std::exchange(failed_, nullptr));
    return std::move(loading_);
}

bool LineWindow::advance() {
    if (!reader_.joinable()) return false;
    held_.push_back(finish_reading());
    Block spare;
    if (held_.size() > kept_) {
        spare = std::move(held_.front());
        held_.pop_front();
    }
    if (next_ + 1 < starts_.size()) start_reading(next_, std::move(spare));
    return true;
}


}  // namespace claimgraph::detail
