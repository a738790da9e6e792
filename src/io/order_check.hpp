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
    std::size_t members() const { return count_; }

private:
    // The last (date, claim_id) of a member, in one flat table under the
    // member's hash (open addressing, at most half full): a member new to
    // the check, which is most of a sorted file's lookups, costs one probe
    // that misses the cache, not a bucket, a node and a key, and no
    // allocation of its own (a claim_id up to 15 bytes is stored inline).
    struct Entry {
        std::uint64_t hash = 0;
        std::uint32_t name = 0, name_size = 0;  // the member id in names_
        Date date;
        bool used = false;
        std::string claim_id;
    };
    std::string_view name(const Entry& e) const { return {names_.data() + e.name, e.name_size}; }
    std::size_t find(std::string_view member, std::uint64_t hash) const;  // its entry, or the free one it would take
    void grow();

    std::vector<Entry> table_;
    std::string names_;
    std::size_t count_ = 0;
    std::size_t prev_ = SIZE_MAX;  // the entry of the claim before: a sorted file brings a member's claims together
};

}  // namespace claimgraph::detail
