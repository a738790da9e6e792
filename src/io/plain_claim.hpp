// Internal: the decoder's fast path for claim lines written the plain way —
// one object of known keys with scalar values, a tags list of strings and a
// list of fee-line objects, no escapes in strings, no nulls. It stores what the
// same setters as the full decoder (set_claim_value & co, then finish_claim)
// would store, so a line it accepts decodes to exactly the same Claim. Anything
// else, including any error, makes it give up: the full decoder (simdjson)
// then reads the line and words the error.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "claimgraph/claim.hpp"
#include "io/key_lookup.hpp"

namespace claimgraph::detail {

// Exact byte strings of at most 32 bytes (`"key":`, `"label"`), each found at a
// place in the line by its second and third bytes and one or two 16-byte
// compares: no scan for the closing quote, no hashing of the text.
class Patterns {
public:
    // Ignored when longer than 32 bytes, already there (the first one wins,
    // as in EnumType::index_of) or past kMax; those are then found the slow way.
    void add(std::string_view bytes, int value);
    // The value of the pattern the line holds at p (32 bytes readable), or -1;
    // `size` gets the pattern's length. Matches only whole within [p, end).
    int match(const char* p, const char* end, std::size_t& size) const;

private:
    struct alignas(64) Entry {  // an index is a shift away from its entry
        std::array<char, 32> bytes{};
        std::uint32_t mask = 0;  // bit i: byte i is part of the pattern
        std::uint16_t value = 0;
        std::uint8_t size = 0;
        bool two_blocks = false;  // longer than 16 bytes
    };
    // Of the two bytes after the pattern's first (after a key's opening quote).
    static std::size_t bucket(const char* p) {
        std::uint16_t w;
        std::memcpy(&w, p + 1, 2);
        return (w * 0x9E3779B1u) >> 24;
    }
    static constexpr std::uint8_t kEmpty = 0xFF;
    // Inline arrays, not vectors: the reader's stores into the claim's byte
    // arrays would otherwise make it reload a vector's data pointer on every match.
    static constexpr std::size_t kMax = 64;
    std::array<Entry, kMax> entries_{};
    std::size_t count_ = 0;
    std::array<std::array<std::uint8_t, 4>, 256> buckets_ = empty_buckets();
    static std::array<std::array<std::uint8_t, 4>, 256> empty_buckets() {
        std::array<std::array<std::uint8_t, 4>, 256> b;
        for (auto& x : b) x.fill(kEmpty);
        return b;
    }
};

class PlainClaimReader {
public:
    explicit PlainClaimReader(const Schema& s);
    // True when the line was read whole into `c` (reset beforehand) and `c` is
    // finished as finish_claim would finish it; false leaves `c` half-filled.
    // At least 64 bytes past the line's end must be readable
    // (ClaimDecoder::padding); nothing read there counts.
    bool read(std::string_view line, Claim& c);

    // How a key's value is read.
    enum class Kind : std::uint8_t { claim_id, member_id, date_key, items, boolean, label, tags, text, money, ratio, count, other };

    // Where the reader is in the line.
    struct Cursor {
        const char* p;
        const char* end;
    };

private:
    // One object's keys (the claim's or a fee line's): `"key":` patterns, and
    // the names for keys written any other way (blanks before the colon, long).
    struct CommaKey {
        std::array<char, 32> bytes{};
        std::uint32_t mask = 0;  // 0: no such pattern (name too long or not matchable)
        std::uint8_t size = 0;
        bool two_blocks = false;
    };
    struct Keys {
        explicit Keys(std::vector<std::string_view> names);
        Patterns patterns;
        KeyLookup lookup;
        // Objects repeat one key order line after line: after each key, the
        // key that followed it last time (-1: none, or the object ended),
        // tried as `,"key":` in one compare before the general path; the
        // last slot is for an object's first key (`{"key":`).
        std::vector<CommaKey> comma;
        std::vector<int> next;
    };
    // One enum's labels: `"label"` patterns, and the labels themselves for
    // labels written any other way (unquoted, long).
    struct Labels {
        explicit Labels(std::vector<std::string_view> names);
        Patterns patterns;
        KeyLookup lookup;
        std::array<int, 10> digit;  // the label "0".."9" written as a number (hosp_lv: 2), or -1
    };
    struct Plan {
        Kind kind = Kind::other;
        std::int64_t min = INT64_MIN;  // the field's min_value, if any
        int labels = -1;               // index into labels_ (label and tags kinds)
    };

    bool read_claim(Cursor& r, Claim& c);
    bool read_items(Cursor& r, Claim& c);
    bool read_tags(Cursor& r, Claim& c, std::size_t field, Labels& labels);
    static int read_key(Cursor& r, Keys& keys);
    // `,"key":` (or, with first = 1, any byte then `"key":`) and the blanks after it.
    static bool read_comma_key(Cursor& r, const CommaKey& key, std::uint32_t first = 0);
    static bool read_label(Cursor& r, Labels& labels, std::int64_t& v);

    const Schema& s_;
    bool usable_ = true;  // false for schemas the masks below cannot hold
    Keys claim_keys_, item_keys_;
    std::vector<Plan> claim_plan_, item_plan_;  // by claim key, by item field

    std::vector<Labels> labels_;
    // Bits by claim key (own keys first) and by item field.
    std::uint64_t claim_required_ = 0, claim_defaults_ = 0;
    std::uint64_t item_required_ = 0, item_defaults_ = 0;
    std::vector<std::int64_t> item_default_values_;
    std::array<std::uint64_t, 256> present_bytes_{};  // 8 bits -> 8 bytes of 0/1
};

}  // namespace claimgraph::detail
