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
    : file_(file), mapped_(file.mapped()), places_(places), starts_(starts), kept_(std::max<std::size_t>(kept, 1)) {
    // Buffers are passed on from the block let go to the block read next, so
    // sized once for the largest none is ever made again.
    for (std::size_t b = 0; b + 1 < starts_.size(); ++b)
        largest_ = std::max<std::size_t>(largest_, places_[starts_[b + 1] - 1].end() - places_[starts_[b]].offset());
    largest_ += ClaimFile::padding;
    if (starts_.size() > 1) set_up(0, Block{});
}

void LineWindow::set_up(std::size_t b, Block into) {
    loading_ = std::move(into);
    Block& k = loading_;
    k.first = starts_[b];
    k.end = starts_[b + 1];
    k.base = places_[k.first].offset();
    k.size = places_[k.end - 1].end() - k.base;
    if (mapped_ == nullptr) {
        if (k.bytes.capacity() < largest_) k.bytes = PageBytes(largest_);
        k.bytes.resize_uninitialized(k.size + ClaimFile::padding);
    }
    piece_done_.assign((k.size + piece_bytes - 1) / piece_bytes, 0);
    pending_ = true;
    next_ = b + 1;
}

void LineWindow::read_piece(std::size_t p) {
    Block& k = loading_;
    const std::size_t at = p * piece_bytes;
    if (mapped_ != nullptr)
        file_.fetch(k.base + at, std::min(piece_bytes, k.size - at));
    else
        file_.read_exact(k.base + at, k.bytes.data() + at, std::min(piece_bytes, k.size - at));
    piece_done_[p] = 1;
}

bool LineWindow::advance() {
    if (!pending_) return false;
    for (std::size_t p = 0; p < piece_done_.size(); ++p)
        if (!piece_done_[p]) read_piece(p);
    if (mapped_ == nullptr) std::fill_n(loading_.bytes.data() + loading_.size, ClaimFile::padding, '\0');
    held_.push_back(std::move(loading_));
    pending_ = false;
    Block spare;
    if (held_.size() > kept_) {
        spare = std::move(held_.front());
        held_.pop_front();
        file_.let_go(spare.base, spare.size);
    }
    if (next_ + 1 < starts_.size()) set_up(next_, std::move(spare));
    return true;
}

}  // namespace claimgraph::detail
