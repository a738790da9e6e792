// A decoded claim: values laid out by the policy's schema, ready to settle.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "claimgraph/money.hpp"
#include "claimgraph/schema.hpp"

namespace claimgraph {

// A calendar date as days since 1970-01-01, with its civil parts.
struct Date {
    std::int32_t days = 0;
    static Date from_ymd(int y, unsigned m, unsigned d);
    int year() const;
    unsigned month() const;
    unsigned day() const;
    std::string str() const;  // YYYY-MM-DD
    friend auto operator<=>(Date, Date) = default;
};
// Parses YYYY-MM-DD strictly (real calendar dates only).
bool parse_date(std::string_view text, Date& out);

namespace detail {
class PlainClaimReader;
}

// The text of a claim's string fields, one slot per field (or per item field):
// all characters in one buffer, so decoding a fee line's code or name
// allocates nothing once the buffer has grown to a claim's size.
class TextColumn {
public:
    TextColumn() = default;
    TextColumn(const TextColumn& o) : chars_(o.chars_.data(), o.chars_.data() + o.used_), used_(o.used_), spans_(o.spans_) {}
    TextColumn(TextColumn&& o) noexcept : chars_(std::move(o.chars_)), used_(o.used_), spans_(std::move(o.spans_)) {
        o.used_ = 0;
    }
    TextColumn& operator=(const TextColumn& o) {
        if (this != &o) {
            chars_.assign(o.chars_.data(), o.chars_.data() + o.used_);
            used_ = o.used_;
            spans_ = o.spans_;
        }
        return *this;
    }
    TextColumn& operator=(TextColumn&& o) noexcept {
        chars_ = std::move(o.chars_);
        used_ = o.used_;
        spans_ = std::move(o.spans_);
        o.used_ = 0;
        return *this;
    }

    std::size_t size() const { return spans_.size(); }
    bool empty() const { return spans_.empty(); }
    std::string_view operator[](std::size_t k) const {
        return {chars_.data() + (spans_[k] >> 32), static_cast<std::size_t>(spans_[k] & 0xFFFFFFFFu)};
    }
    // New slots hold "".
    void resize(std::size_t n) { spans_.resize(n); }
    void reserve(std::size_t n) { spans_.reserve(n); }
    // No slots; the buffers keep their capacity.
    void clear() {
        spans_.clear();
        used_ = 0;
    }
    void assign(std::size_t k, std::string_view text) {
        if (chars_.size() - used_ < text.size() + kSlack) grow(text.size());
        std::memcpy(chars_.data() + used_, text.data(), text.size());
        set_span(k, text.size());
    }
    // The same for a text with 16 readable bytes from text.data() (a text in
    // a padded line): a short text is copied as one 16-byte block.
#if defined(__GNUC__)
    __attribute__((always_inline))
#endif
    void assign_padded(std::size_t k, std::string_view text) {
        if (chars_.size() - used_ < text.size() + kSlack) grow(text.size());
        std::memcpy(chars_.data() + used_, text.data(), kSlack);
        if (text.size() > kSlack) std::memcpy(chars_.data() + used_ + kSlack, text.data() + kSlack, text.size() - kSlack);
        set_span(k, text.size());
    }

private:
    // The decoder's fast path writes the slots of a whole claim without
    // zero-filling them first (it sets every slot it keeps).
    friend class detail::PlainClaimReader;
    static constexpr std::size_t kSlack = 16;
    void grow(std::size_t more);  // room for `more` characters and the slack after them
    void set_span(std::size_t k, std::size_t n) {
        // A slot set twice keeps its old characters: a claim sets each at most once.
        spans_[k] = static_cast<std::uint64_t>(used_) << 32 | n;
        used_ += n;
    }

    // chars_[0, used_) holds the texts; the rest is room, kept from claim to
    // claim, so decoding a fee line's code or name allocates nothing once the
    // buffer has grown to a claim's size.
    std::vector<char> chars_;
    std::size_t used_ = 0;
    // Offset << 32 | length: a plain integer, so growing the column is a memset.
    std::vector<std::uint64_t> spans_;
};

// Field values are stored as int64 in the field's own unit: money in fen, ratio
// in bp, enum as the value's index, tags as a bit mask, bool 0/1, date in days.
// What settling reads comes first (three cache lines), the texts after: a
// batch of claims settled in member order is read from memory claim by claim.
struct Claim {
    std::string claim_id;
    std::string member_id;
    Date date;
    std::size_t item_count = 0;
    std::vector<std::int64_t> fields;   // by Schema::claim_fields index
    std::vector<std::uint8_t> present;  // 1 when the field was given (or defaulted)
    // Fee line i's values: items[i × w + Schema::item_column(f)], w =
    // Schema::item_width() (string fields have no column: their texts are
    // in item_texts). Presence and texts have a slot per field:
    // item_present[i × n + f] and item_texts[i × n + f], n = item_fields.size().
    std::vector<std::int64_t> items;
    std::vector<std::uint8_t> item_present;
    std::size_t line = 0;               // input line, for error rows (0 when not from a file)
    TextColumn texts;                   // string fields, by field index
    TextColumn item_texts;

    // Empty claim, buffers kept (no allocation when the sizes are unchanged).
    // The date is left unset (days == INT32_MIN) until given; finish_claim
    // rejects a claim whose date was never set.
    void reset(const Schema& s);
};

// Builds a Claim in code by field name, with the same checks as the decoders.
// Throws ClaimError naming the field on a wrong name, type or value.
class ClaimBuilder {
public:
    explicit ClaimBuilder(const Schema& schema);
    ClaimBuilder& id(std::string claim_id, std::string member_id, std::string_view date);
    ClaimBuilder& set(std::string_view field, std::string_view value);  // enum label, "true", "1234.56", ...
    ClaimBuilder& set(std::string_view field, Money value);
    ClaimBuilder& set(std::string_view field, std::int64_t value);      // count, bool, ratio in bp
    ClaimBuilder& set_tags(std::string_view field, const std::vector<std::string>& tags);
    ClaimBuilder& add_item();  // following item_set calls fill this line
    ClaimBuilder& item_set(std::string_view field, std::string_view value);
    ClaimBuilder& item_set(std::string_view field, Money value);
    ClaimBuilder& item_set(std::string_view field, std::int64_t value);
    Claim build();  // applies defaults, checks required fields

private:
    const Schema* schema_;
    Claim claim_;
};

// Helpers shared by the builder and the decoders: set one value from its text.
// They throw ClaimError(field, message); the field is the claim field's name or
// `items[i].name` (0-based i) for an item field.
// `text` is the raw JSON token for numbers and booleans (quoted = false) or the
// unescaped string contents (quoted = true). Money must be unquoted (at most two
// decimals, not negative), ratio an unquoted integer 0..10000 bp, count an
// unquoted integer >= 0 (and >= min_value), bool unquoted true/false, date a
// quoted YYYY-MM-DD, string quoted; an enum label may be quoted or not (hosp_lv
// is written as the number 2). Setting a field twice is a "duplicate field".
// A tags field is started with set_claim_value(s, c, field, "", true), which
// marks it present with no tags (so an empty list counts as given); then one
// add_claim_tag per tag. add_claim_tag alone also marks the field present.
void set_claim_value(const Schema& s, Claim& c, int field, std::string_view text, bool quoted);
void set_item_value(const Schema& s, Claim& c, std::size_t item, int field, std::string_view text, bool quoted);
void add_claim_tag(const Schema& s, Claim& c, int field, std::string_view tag);
// start_item may leave room for more lines than item_count; finish_claim trims it.
void start_item(const Schema& s, Claim& c);
// Fills defaults, rejects missing required fields and sizes the line storage
// to item_count lines.
void finish_claim(const Schema& s, Claim& c);

}  // namespace claimgraph
