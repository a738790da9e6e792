#include "io/order_check.hpp"

#include <functional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "engine/key_hash.hpp"

namespace claimgraph::detail {

std::size_t OrderCheck::find(std::string_view member, std::uint64_t hash) const {
    const std::size_t mask = index_.size() - 1;
    const auto tag = static_cast<std::uint32_t>(hash);
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
        const Slot& slot = index_[s];
        if (slot.entry == 0 || (slot.tag == tag && name(entries_[slot.entry - 1]) == member)) return s;
    }
}

void OrderCheck::grow() {
    std::vector<Slot> bigger(std::max<std::size_t>(64, index_.size() * 2));
    const std::size_t mask = bigger.size() - 1;
    for (const Slot& slot : index_) {
        if (slot.entry == 0) continue;
        // The tag is the hash's low bits, which are all a slot's place needs while the index has at most 2^32 slots.
        std::size_t s = slot.tag & mask;
        while (bigger[s].entry != 0) s = (s + 1) & mask;
        bigger[s] = slot;
    }
    index_.swap(bigger);
}

std::string OrderCheck::admit(const Claim& c) {
    const std::string_view member = c.member_id;
    if (prev_ == SIZE_MAX || name(entries_[prev_]) != member) {
        if ((entries_.size() + 1) * 2 > index_.size()) grow();
        const std::uint64_t hash = key_hash(member);
        const std::size_t s = find(member, hash);
        if (index_[s].entry == 0) {
            if (names_.size() + member.size() > UINT32_MAX || entries_.size() >= UINT32_MAX - 1)
                throw std::length_error("too many members for the order check");
            entries_.push_back({static_cast<std::uint32_t>(names_.size()), static_cast<std::uint32_t>(member.size()), c.date,
                                c.claim_id});
            names_ += member;
            index_[s] = {static_cast<std::uint32_t>(entries_.size()), static_cast<std::uint32_t>(hash)};
            prev_ = entries_.size() - 1;
            return {};
        }
        prev_ = index_[s].entry - 1;
    }
    Entry& l = entries_[prev_];
    if (c.date == l.date && c.claim_id == l.claim_id)
        return fmt::format("duplicate claim_id: already settled for member {}", c.member_id);
    if (c.date < l.date || (c.date == l.date && c.claim_id < l.claim_id))
        return fmt::format("out of settlement order (--sorted): member {} already settled {} of {}", c.member_id, l.claim_id,
                           l.date.str());
    l.date = c.date;
    l.claim_id = c.claim_id;
    return {};
}

}  // namespace claimgraph::detail
