// Internal: finding a JSON key among a fixed list of names (a schema's fields).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace claimgraph::detail {

// Equality for short names (keys, enum labels): a byte loop beats a call to
// memcmp at these lengths.
inline bool same_text(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}

// Tries first the name that came after the previous key the last time round:
// claim files repeat one field order line after line.
class KeyLookup {
public:
    explicit KeyLookup(std::vector<std::string_view> names) : names_(std::move(names)), next_(names_.size() + 1, 0) {}
    std::size_t size() const { return names_.size(); }
    // The name's index, or -1; `prev` is the previous key's index (-1 at the start).
    int find(std::string_view key, int prev) {
        if (names_.empty()) return -1;
        int& guess = next_[static_cast<std::size_t>(prev + 1)];
        if (same_text(names_[static_cast<std::size_t>(guess)], key)) return guess;
        for (std::size_t i = 0; i < names_.size(); ++i)
            if (same_text(names_[i], key)) return guess = static_cast<int>(i);
        return -1;
    }

private:
    std::vector<std::string_view> names_;
    std::vector<int> next_;
};

// The claim's own keys come first in a claim-level key list; schema fields follow.
enum : int { kClaimId, kMemberId, kDate, kItems, kOwnKeys };

}  // namespace claimgraph::detail
