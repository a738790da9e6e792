// Internal: settle --sorted's check that each member's claims come in strictly
// increasing settlement order (date, then claim_id; an equal key is a
// repeated claim).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "claimgraph/claim.hpp"

namespace claimgraph::detail {

class OrderCheck {
public:
    // Empty when the claim is in order (and it is then the member's last);
    // otherwise why not.
    std::string admit(const Claim& c);
    std::size_t members() const { return entries_.size(); }

private:
    // The last (date, claim_id) of a member, one after another, found
    // through an open-addressing index of (entry, 32 bits of the member's
    // hash), at most half full: a member new to the check, which is most of
    // a sorted file's lookups, costs a probe of the index alone and no
    // allocation of its own (a claim_id up to 15 bytes is stored inline).
    // About 60-90 bytes a member in all.
    struct Entry {
        std::uint32_t name = 0, name_size = 0;  // the member id in names_
        Date date;
        std::string claim_id;
    };
    struct Slot {
        std::uint32_t entry = 0;  // entries_ index + 1; 0: free
        std::uint32_t tag = 0;    // the member's hash, its low 32 bits
    };
    std::string_view name(const Entry& e) const { return {names_.data() + e.name, e.name_size}; }
    // The member's slot, or the free one it would take.
    std::size_t find(std::string_view member, std::uint64_t hash) const;
    void grow();

    std::vector<Slot> index_;
    std::vector<Entry> entries_;
    std::string names_;
    std::size_t prev_ = SIZE_MAX;  // the entry of the claim before: a sorted file brings a member's claims together
};

}  // namespace claimgraph::detail
