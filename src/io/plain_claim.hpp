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
#include <string_view>
#include <vector>

#include "claimgraph/claim.hpp"
#include "io/key_lookup.hpp"

namespace claimgraph::detail {

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

private:
    // One object's keys (the claim's or a fee line's): found by predicting the
    // key that followed the previous one last time (one 16-byte compare of
    // `"key":`), else by a hash of the key's text.
    struct Keys {
        explicit Keys(std::vector<std::string_view> names);
        KeyLookup lookup;
        std::vector<std::array<char, 16>> pattern;  // `"name":`, zero-filled
        std::vector<std::uint32_t> pattern_bits;    // the bytes of the pattern that count; 0: not predicted
        std::vector<std::uint8_t> pattern_size;
        std::vector<int> next;                      // [prev + 1]: the key that came next last time
    };
    struct Plan {
        Kind kind = Kind::other;
        std::int64_t min = INT64_MIN;  // the field's min_value, if any
        int labels = -1;               // index into labels_ (label and tags kinds)
    };

    bool read_claim(Claim& c);
    bool read_items(Claim& c);
    bool read_tags(Claim& c, int field, KeyLookup& labels);
    bool read_label(KeyLookup& labels, std::int64_t& v);
    int next_or_close(char close);
    bool read_plain_amount(std::int64_t& fen);
    bool read_plain_int(std::int64_t& v);
    bool read_bool(std::int64_t& v);
    bool read_text(std::string_view& out);
    bool read_string(std::string_view& out);
    bool read_scalar(std::string_view& text, bool& quoted);
    int read_key(Keys& keys, int prev);
    void blanks() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }
    // Blanks are rare: one compare on the usual byte (all JSON blanks are <= ' ').
    void skip_blanks() {
        if (static_cast<unsigned char>(*p_) <= ' ') blanks();
    }
    bool eat(char ch) {
        blanks();
        if (p_ == end_ || *p_ != ch) return false;
        ++p_;
        return true;
    }

    const Schema& s_;
    bool usable_ = true;  // false for schemas the masks below cannot hold
    Keys claim_keys_, item_keys_;
    std::vector<Plan> claim_plan_, item_plan_;  // by claim key, by item field
    std::vector<KeyLookup> labels_;
    // Bits by claim key (own keys first) and by item field.
    std::uint64_t claim_required_ = 0, claim_defaults_ = 0;
    std::uint64_t item_required_ = 0, item_defaults_ = 0;
    std::vector<std::int64_t> item_default_values_;
    std::array<std::uint64_t, 256> present_bytes_{};  // 8 bits -> 8 bytes of 0/1
    const char* p_ = nullptr;
    const char* end_ = nullptr;
};

}  // namespace claimgraph::detail
