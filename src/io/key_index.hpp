// Internal: pass 1 of settle_file, the key index of a claim file: each
// line's place and settlement keys (member_id, date, claim_id), read off
// every line without decoding the rest.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "claimgraph/claim.hpp"
#include "engine/page_allocator.hpp"
#include "io/claim_file.hpp"
#include "io/claim_keys.hpp"
#include "io/line_window.hpp"
#include "io/stream_blocks.hpp"

namespace claimgraph::detail {

// The arrays that grow with the number of claims: mapped pages, so that what
// a run holds is what it uses (see page_allocator.hpp).
template <class T>
using PageVector = std::vector<T, detail::PageAllocator<T>>;
using PageString = std::basic_string<char, std::char_traits<char>, detail::PageAllocator<char>>;

// Empties a container and gives its memory back (`c = {}` would keep it:
// that assigns an empty initializer list).
template <class C>
void release(C& c) {
    C().swap(c);
}

// One claim line: where it is and its settlement keys. 24 bytes: an unsorted
// file costs this, its ids and a few bytes of sorting per claim beyond its results.
struct Key {
    std::uint64_t offset;  // of the line in the file
    std::uint32_t length;  // of the line, without its newline
    std::uint32_t at;      // a hash of the member id (8 bytes), then the claim id, in the key arena
    std::int32_t date;
    std::uint16_t member_len, id_len;  // member_len 0: keys unreadable, pass 2 decodes the line for its error row
    bool keys_ok() const { return member_len > 0; }
    static constexpr std::uint16_t hash_bytes = 8;  // member_len when the keys were read
};
static_assert(sizeof(Key) == 24);

class KeyIndex {
public:
    PageVector<Key> keys;
    PageString arena;

    // std::hash of the member id, taken as the keys were read (on the key
    // pass's threads, not in the settlement order's sort, which needs only
    // this of the member).
    std::uint64_t member_hash(const Key& k) const {
        std::uint64_t h;
        std::memcpy(&h, arena.data() + k.at, sizeof h);
        return h;
    }
    std::string_view id(const Key& k) const { return {arena.data() + k.at + k.member_len, k.id_len}; }

    // The 1-based line number of keys[i]: its place plus the lines before it
    // that held no claim (blank ones), which are rare enough to be listed.
    std::uint32_t line(std::uint32_t i) const {
        const auto after = std::upper_bound(skips_.begin(), skips_.end(), i,
                                            [](std::uint32_t v, const Skip& s) { return v < s.first_key; });
        return i + 1 + (after == skips_.begin() ? 0 : std::prev(after)->lines);
    }
    // Every key's place.
    PageVector<LinePlace> places() const {
        PageVector<LinePlace> places;
        places.reserve(keys.size());
        for (const Key& k : keys) places.push_back(LinePlace::of(k.offset, k.length));
        return places;
    }
    // The keys and their ids are let go (line() still works).
    void forget() {
        release(keys);
        release(arena);
    }
    // A line that held no claim comes before the next key.
    void skip_line() {
        const auto next = static_cast<std::uint32_t>(keys.size());
        const std::uint32_t lines = (skips_.empty() ? 0 : skips_.back().lines) + 1;
        if (!skips_.empty() && skips_.back().first_key == next)
            skips_.back().lines = lines;
        else
            skips_.push_back({next, lines});
    }

    // The three keys, read off the line (which is followed by StreamBlocks::padding
    // readable bytes); anything unusual leaves them unread and the full decoder
    // reports it in pass 2.
    void add(std::string_view line, std::uint64_t offset) {
        static_assert(StreamBlocks::padding >= ClaimKeys::padding);
        Key k{offset, static_cast<std::uint32_t>(line.size()), 0, 0, 0, 0};
        std::string_view member, id, date;
        if (reader_.read(line, member, id, date)) add_keys(k, member, id, date);
        keys.push_back(k);
    }

    // Room for about `lines` keys in all, judged by the keys so far: grown by
    // doubling, the two arrays would take twice their size in fresh pages
    // (each about 3 µs to fault in on this kind of machine) and copy
    // themselves each time. Room never written costs nothing (mapped pages).
    void expect(std::uint64_t lines) {
        if (keys.empty() || lines <= keys.size() || lines > UINT32_MAX) return;
        const std::uint64_t id_bytes = (arena.size() + keys.size() - 1) / keys.size();
        keys.reserve(static_cast<std::size_t>(lines));
        arena.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(lines * id_bytes, UINT32_MAX)));
    }

    // Adds another index's keys after these, as if its lines followed ours.
    void append(KeyIndex&& other) {
        const auto shift = static_cast<std::uint32_t>(arena.size());
        if (arena.size() + other.arena.size() > UINT32_MAX - 131072) throw std::length_error("claim file too large for one batch");
        arena += other.arena;
        const auto first = static_cast<std::uint32_t>(keys.size());
        // Every line of ours without a claim, trailing ones too, is in skips_.
        const std::uint32_t ours = skips_.empty() ? 0 : skips_.back().lines;
        for (const Skip& s : other.skips_) skips_.push_back({first + s.first_key, ours + s.lines});
        keys.reserve(keys.size() + other.keys.size());
        for (Key k : other.keys) {
            k.at += shift;
            keys.push_back(k);
        }
        // Emptied, its room and reader kept for the next block's share.
        other.keys.clear();
        other.arena.clear();
        other.skips_.clear();
    }

private:
    // Unusable keys leave k's unread: pass 2 then reports the line.
    void add_keys(Key& k, std::string_view member, std::string_view id, std::string_view date) {
        Date d;
        if (member.empty() || id.empty() || member.size() >= 65536 || id.size() >= 65536 || !parse_date(date, d)) return;
        k.at = static_cast<std::uint32_t>(arena.size());
        k.member_len = Key::hash_bytes;
        k.id_len = static_cast<std::uint16_t>(id.size());
        const std::uint64_t h = std::hash<std::string_view>{}(member);
        arena.append(reinterpret_cast<const char*>(&h), sizeof h);
        arena += id;
        k.date = d.days;
        if (arena.size() > UINT32_MAX - 131072) throw std::length_error("claim file too large for one batch");
    }

    struct Skip {
        std::uint32_t first_key;  // the key these lines come before
        std::uint32_t lines;      // lines without a claim up to there, in all
    };
    std::vector<Skip> skips_;
    ClaimKeys reader_;
};

// Pass 1: every line's keys and place, on `workers` threads.
KeyIndex read_keys(const ClaimFile& file, std::size_t workers);

}  // namespace claimgraph::detail
