// Internal: finding a JSON key among a fixed list of names (a schema's fields).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "claimgraph/schema.hpp"

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
    std::string_view name(std::size_t i) const { return names_[i]; }
    // The name's index, or -1; `prev` is the previous key's index (-1 at the start).
    int find(std::string_view key, int prev) {
        if (names_.empty()) return -1;
        int& guess = next_[static_cast<std::size_t>(prev + 1)];
        if (same_text(names_[static_cast<std::size_t>(guess)], key)) return guess;
        for (std::size_t i = 0; i < names_.size(); ++i)
            if (same_text(names_[i], key)) return guess = static_cast<int>(i);
        return -1;
    }

    // The same for a key with at least 16 readable bytes from key.data() (a
    // key inside a padded line): names are compared as two 64-bit words.
    // A hash of (length, first and last byte) picks the one candidate; names
    // sharing a slot (none in the shipped schemas) are searched in turn.
    int find_padded(std::string_view key, int prev) {
        if (names_.empty() || key.size() > 16 || key.empty()) return find(key, prev);
        const Words w = words_of(key.data(), key.size());
        auto same = [&](std::size_t i) { return words_[i].a == w.a && words_[i].b == w.b && names_[i].size() == key.size(); };
        const int slot = slots_[slot_of(key)];
        if (slot >= 0) return same(static_cast<std::size_t>(slot)) ? slot : -1;
        if (slot == kNone) return -1;
        for (std::size_t i = 0; i < names_.size(); ++i)
            if (same(i)) return static_cast<int>(i);
        return -1;
    }

private:
    static constexpr int kNone = -1, kShared = -2;
    static std::size_t slot_of(std::string_view key) {
        return (key.size() * 7 + static_cast<unsigned char>(key.front()) * 3 + static_cast<unsigned char>(key.back())) & 63;
    }
    std::array<int, 64> slots_for() const {
        std::array<int, 64> slots;
        slots.fill(kNone);
        for (std::size_t i = 0; i < names_.size(); ++i) {
            if (names_[i].empty()) continue;
            int& s = slots[slot_of(names_[i])];
            s = s == kNone ? static_cast<int>(i) : kShared;
        }
        return slots;
    }

    struct Words {
        std::uint64_t a = 0, b = 0;
    };
    // The first 16 bytes of a text (16 readable), zero past its length.
    static Words words_of(const char* p, std::size_t n) {
        Words w;
        std::memcpy(&w.a, p, 8);
        std::memcpy(&w.b, p + 8, 8);
        auto keep = [](std::size_t bytes) { return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1; };
        w.a &= keep(n);
        w.b &= n > 8 ? keep(n - 8) : 0;
        return w;
    }
    static std::vector<Words> words_for(const std::vector<std::string_view>& names) {
        std::vector<Words> out;
        for (std::string_view n : names) {
            char buf[16] = {};
            std::memcpy(buf, n.data(), n.size() < 16 ? n.size() : 16);
            out.push_back(words_of(buf, n.size() < 16 ? n.size() : 16));
        }
        return out;
    }

    std::vector<std::string_view> names_;
    std::vector<int> next_;
    std::vector<Words> words_ = words_for(names_);
    std::array<int, 64> slots_ = slots_for();
};

// The claim's own keys come first in a claim-level key list; schema fields follow.
enum : int { kClaimId, kMemberId, kDate, kItems, kOwnKeys };

// The keys of a claim object: its own, then the schema's claim fields.
inline std::vector<std::string_view> claim_keys(const Schema& s) {
    std::vector<std::string_view> names{"claim_id", "member_id", "date", "items"};
    for (const auto& f : s.claim_fields) names.push_back(f.name);
    return names;
}

// The keys of a fee-line object.
inline std::vector<std::string_view> item_keys(const Schema& s) {
    std::vector<std::string_view> names;
    for (const auto& f : s.item_fields) names.push_back(f.name);
    return names;
}

}  // namespace claimgraph::detail
