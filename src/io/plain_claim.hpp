// Internal: the decoder's fast path for claim lines written the plain way —
// one object of known keys with scalar values, a tags list of strings and a
// list of fee-line objects, no escapes in strings, no nulls. It hands values
// to the same setters as the full decoder (set_claim_value & co), so a line it
// accepts decodes to exactly the same Claim. Anything else, including any
// error, makes it give up: the full decoder (simdjson) then reads the line and
// words the error.
#pragma once

#include <string_view>
#include <vector>

#include "claimgraph/claim.hpp"
#include "io/key_lookup.hpp"

namespace claimgraph::detail {

class PlainClaimReader {
public:
    explicit PlainClaimReader(const Schema& s);
    // True when the line was read whole into `c` (reset beforehand, not yet
    // finished); false leaves `c` half-filled. At least 16 bytes past the
    // line's end must be readable (ClaimDecoder::padding).
    bool read(std::string_view line, Claim& c);

private:
    bool read_object(Claim& c);
    bool read_items(Claim& c);
    bool read_tags(Claim& c, int field);
    bool read_plain_amount(std::int64_t& fen);
    bool set_item_directly(Claim& c, std::size_t item, int field, std::string_view text, bool quoted);
    bool read_string(std::string_view& out);
    bool read_scalar(std::string_view& text, bool& quoted);
    void blanks() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }
    bool eat(char ch) {
        blanks();
        if (p_ == end_ || *p_ != ch) return false;
        ++p_;
        return true;
    }

    const Schema& s_;
    KeyLookup claim_keys_, item_keys_;
    std::vector<KeyLookup> item_labels_;  // per item field: its enum's labels (none for other types)
    std::vector<std::uint8_t> seen_claim_;
    const char* p_ = nullptr;
    const char* end_ = nullptr;
};

}  // namespace claimgraph::detail
