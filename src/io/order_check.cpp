#include "io/order_check.hpp"

#include <functional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace claimgraph::detail {

std::size_t OrderCheck::find(std::string_view member, std::uint64_t hash) const {
    const std::size_t mask = table_.size() - 1;
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
        const Entry& e = table_[s];
        if (!e.used || (e.hash == hash && name(e) == member)) return s;
    }
}

void OrderCheck::grow() {
    std::vector<Entry> old(std::max<std::size_t>(64, table_.size() * 2));
    old.swap(table_);
    const std::size_t mask = table_.size() - 1;
    for (Entry& e : old) {
        if (!e.used) continue;
        std::size_t s = e.hash & mask;
        while (table_[s].used) s = (s + 1) & mask;
        table_[s] = std::move(e);
    }
}

std::string OrderCheck::admit(const Claim& c) {
    const std::string_view member = c.member_id;
    if (prev_ == SIZE_MAX || name(table_[prev_]) != member) {
        if ((count_ + 1) * 2 > table_.size()) grow();
        const std::uint64_t hash = std::hash<std::string_view>{}(member);
        const std::size_t s = find(member, hash);
        prev_ = s;
        Entry& e = table_[s];
        if (!e.used) {
            if (names_.size() + member.size() > UINT32_MAX) throw std::length_error("too many members for the order check");
            e.hash = hash;
            e.name = static_cast<std::uint32_t>(names_.size());
            e.name_size = static_cast<std::uint32_t>(member.size());
            names_ += member;
            e.date = c.date;
            e.claim_id = c.claim_id;
            e.used = true;
            ++count_;
            return {};
        }
    }
    Entry& l = table_[prev_];
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
