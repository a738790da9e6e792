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
#include "engine/key_hash.hpp"
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
    static constexpr std::uint16_t hash_bytes = 12;  // member_len when the keys were read: the two hashes
};
static_assert(sizeof(Key) == 24);

// The keys of a file's lines in file order, in one part per worker of the
// key pass: a part is the run of lines after the parts before it. Kept
// apart, not copied after the first part: on two threads, copying the second
// half's keys and ids (≈20 MB a million claims) was a single-threaded
// stretch of the pass.
class KeyIndex {
public:
    // Keys read so far (one per line that is not blank), over every part.
    std::uint32_t size() const { return first_ + static_cast<std::uint32_t>(last().keys.size()); }
    bool empty() const { return size() == 0; }
    // Lines read so far: the keys and the lines that held no claim.
    std::uint64_t lines() const { return std::uint64_t{size()} + (skips_.empty() ? 0 : skips_.back().lines); }

    // A key and the ids it points at, as for_each gives them.
    struct KeyRef {
        const Key& key;
        const char* arena;
        bool keys_ok() const { return key.keys_ok(); }
        std::int32_t date() const { return key.date; }
        std::uint64_t member_hash() const { return load<std::uint64_t>(arena + key.at); }
        std::uint32_t id_hash() const { return load<std::uint32_t>(arena + key.at + sizeof(std::uint64_t)); }
    };
    // Every key in file order: f(i, KeyRef).
    template <class F>
    void for_each(F&& f) const {
        for (const Part& p : parts_)
            for (std::uint32_t j = 0; j < p.keys.size(); ++j) f(p.first + j, KeyRef{p.keys[j], p.arena.data()});
    }

    // Key i's claim id, for the sorts' tie-breaks (its part found by a binary search).
    std::string_view id(std::uint32_t i) const {
        const Part& p = part_of(i);
        const Key& k = p.keys[i - p.first];
        return {p.arena.data() + k.at + k.member_len, k.id_len};
    }
    // The first and last dates of the keys read (INT32_MAX, INT32_MIN: none).
    std::int32_t first_date() const { return first_date_; }
    std::int32_t last_date() const { return last_date_; }

    // The 1-based line number of key i: its place plus the lines before it
    // that held no claim (blank ones), which are rare enough to be listed.
    std::uint32_t line(std::uint32_t i) const {
        const auto after = std::upper_bound(skips_.begin(), skips_.end(), i,
                                            [](std::uint32_t v, const Skip& s) { return v < s.first_key; });
        return i + 1 + (after == skips_.begin() ? 0 : std::prev(after)->lines);
    }
    // Every key's place.
    PageVector<LinePlace> places() const {
        PageVector<LinePlace> places;
        places.reserve(size());
        for_each([&](std::uint32_t, KeyRef k) { places.push_back(LinePlace::of(k.key.offset, k.key.length)); });
        return places;
    }
    // The keys and their ids are let go (line() still works).
    void forget() {
        std::vector<Part>(1).swap(parts_);
        first_ = 0;
    }
    // A line that held no claim comes before the next key.
    void skip_line() {
        const auto next = size();
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
        last().keys.push_back(k);
    }

    // Room for about `lines` keys in the part being read, judged by its keys
    // so far: grown by doubling, the two arrays would take twice their size
    // in fresh pages (each about 3 µs to fault in on this kind of machine)
    // and copy themselves each time. Room never written costs nothing
    // (mapped pages).
    void expect(std::uint64_t lines) {
        Part& p = last();
        if (p.keys.empty() || lines <= p.keys.size() || lines > UINT32_MAX) return;
        const std::uint64_t id_bytes = (p.arena.size() + p.keys.size() - 1) / p.keys.size();
        p.keys.reserve(static_cast<std::size_t>(lines));
        p.arena.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(lines * id_bytes, UINT32_MAX)));
    }

    // Another index's keys after these, as if its lines followed ours: copied
    // into the part being read (a block's share of lines, small), or taken
    // over as parts of their own (`keep_parts`: a worker's whole share).
    void append(KeyIndex&& other, bool keep_parts = false) {
        const std::uint32_t first = size();
        // Every line of ours without a claim, trailing ones too, is in skips_.
        const std::uint32_t ours = skips_.empty() ? 0 : skips_.back().lines;
        for (const Skip& s : other.skips_) skips_.push_back({first + s.first_key, ours + s.lines});
        first_date_ = std::min(first_date_, other.first_date_);
        last_date_ = std::max(last_date_, other.last_date_);
        if (keep_parts) {
            if (static_cast<std::uint64_t>(first) + other.size() > UINT32_MAX) throw std::length_error("too many lines in one batch");
            for (Part& p : other.parts_) {
                if (p.keys.empty()) continue;
                p.first += first;
                if (last().keys.empty())
                    parts_.back() = std::move(p);
                else
                    parts_.push_back(std::move(p));
            }
            first_ = parts_.back().first;
            other.parts_.assign(1, Part());
            other.first_ = 0;
            other.skips_.clear();
            return;
        }
        Part& to = last();
        for (const Part& from : other.parts_) {
            const auto shift = static_cast<std::uint32_t>(to.arena.size());
            if (to.arena.size() + from.arena.size() > UINT32_MAX - 131072) throw std::length_error("claim file too large for one batch");
            to.arena += from.arena;
            to.keys.reserve(to.keys.size() + from.keys.size());
            for (Key k : from.keys) {
                k.at += shift;
                to.keys.push_back(k);
            }
        }
        // Emptied, its room and reader kept for the next block's share.
        other.parts_.resize(1);
        other.parts_[0].keys.clear();
        other.parts_[0].arena.clear();
        other.parts_[0].first = 0;
        other.first_ = 0;
        other.skips_.clear();
        other.first_date_ = INT32_MAX;
        other.last_date_ = INT32_MIN;
    }

private:
    struct Part {
        PageVector<Key> keys;
        PageString arena;     // each key's member hash (8 bytes), claim id hash (4) and claim id, at Key::at
        std::uint32_t first = 0;  // the index of keys[0] in the whole
    };
    Part& last() { return parts_.back(); }
    const Part& last() const { return parts_.back(); }
    const Part& part_of(std::uint32_t i) const {
        if (parts_.size() == 1) return parts_[0];
        // The last part that starts at or before i (parts_[0] starts at 0).
        return *std::prev(std::upper_bound(parts_.begin() + 1, parts_.end(), i,
                                           [](std::uint32_t v, const Part& p) { return v < p.first; }));
    }
    template <class T>
    static T load(const char* at) {
        T v;
        std::memcpy(&v, at, sizeof v);
        return v;
    }

    // Unusable keys leave k's unread: pass 2 then reports the line.
    void add_keys(Key& k, std::string_view member, std::string_view id, std::string_view date) {
        Date d;
        if (member.empty() || id.empty() || member.size() >= 65536 || id.size() >= 65536 || !parse_date(date, d)) return;
        PageString& arena = last().arena;
        k.at = static_cast<std::uint32_t>(arena.size());
        k.member_len = Key::hash_bytes;
        k.id_len = static_cast<std::uint16_t>(id.size());
        // key_hash, as MemoryLedger hashes a member: its low 32 bits are the ledger's expect() hint.
        const std::uint64_t h = key_hash(member);
        const auto idh = static_cast<std::uint32_t>(key_hash(id) >> 32);
        arena.append(reinterpret_cast<const char*>(&h), sizeof h);
        arena.append(reinterpret_cast<const char*>(&idh), sizeof idh);
        arena += id;
        k.date = d.days;
        first_date_ = std::min(first_date_, d.days);
        last_date_ = std::max(last_date_, d.days);
        if (arena.size() > UINT32_MAX - 131072) throw std::length_error("claim file too large for one batch");
    }

    struct Skip {
        std::uint32_t first_key;  // the key these lines come before
        std::uint32_t lines;      // lines without a claim up to there, in all
    };
    std::vector<Part> parts_ = std::vector<Part>(1);
    std::uint32_t first_ = 0;  // parts_.back().first
    std::vector<Skip> skips_;
    std::int32_t first_date_ = INT32_MAX, last_date_ = INT32_MIN;
    ClaimKeys reader_;
};

// Pass 1: every line's keys and place, on `workers` threads.
KeyIndex read_keys(const ClaimFile& file, std::size_t workers);

}  // namespace claimgraph::detail
