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

// Exact byte strings of at most 32 bytes (`"key":`, `,"key":`, `"label"`),
// each found at a place in the line by the two bytes after its quote and one
// or two 16-byte compares: no scan for the closing quote, no hashing of the
// text. `Quote` is where the patterns' opening quote is (1 for `,"key":`).
// The usual pattern, of at most 16 bytes and alone in its bucket, is found in
// one table look-up and one compare.
template <std::size_t Quote>
class Patterns {
public:
    // Ignored when longer than 32 bytes, already there (the first one wins,
    // as in EnumType::index_of) or past kMax; those are then found the slow way.
    void add(std::string_view bytes, int value);
    // The value of the pattern the line holds at p (32 bytes readable), or -1;
    // `size` gets the pattern's length. Matches only whole within [p, end)
    // (nothing when p is past end).
    int match(const char* p, const char* end, std::size_t& size) const;

private:
    struct alignas(64) Entry {  // an index is a shift away from its entry
        std::array<char, 32> bytes{};
        std::uint32_t mask = 0;  // bit i: byte i is part of the pattern
        std::uint16_t value = 0;
        std::uint8_t size = 0;
        bool two_blocks = false;  // longer than 16 bytes
    };
    static std::size_t bucket(const char* p) {
        std::uint16_t w;
        std::memcpy(&w, p + Quote + 1, 2);
        return (w * 0x9E3779B1u) >> 24;
    }
    int match_rest(const char* p, const char* end, std::size_t& size) const;
    // Inline arrays, not vectors: the reader's stores into the claim's byte
    // arrays would otherwise make it reload a vector's data pointer on every match.
    static constexpr std::size_t kMax = 64;
    static constexpr std::uint8_t kEmpty = 0xFF;
    std::array<Entry, kMax> entries_{};
    std::size_t count_ = 0;
    std::array<std::array<std::uint8_t, 4>, 256> buckets_ = empty_buckets();
    // By bucket: its one pattern when that is at most 16 bytes long, else a
    // mask that matches nothing, and match_rest searches the bucket.
    struct alignas(32) Head {
        std::array<char, 16> bytes{};
        std::uint32_t free = 1u << 16;  // bit i: byte i is not part of the pattern; as made, one that never matches
        std::uint16_t value = 0;
        std::uint8_t size = 0;
    };
    std::array<Head, 256> heads_{};
    static std::array<std::array<std::uint8_t, 4>, 256> empty_buckets() {
        std::array<std::array<std::uint8_t, 4>, 256> b;
        for (auto& x : b) x.fill(kEmpty);
        return b;
    }
};

class PlainClaimReader {
public:
    explicit PlainClaimReader(const Schema& s);
    // True when the line was read whole into `c` (whatever it held before) and
    // `c` is what Claim::reset, the setters and finish_claim would make of it;
    // false leaves `c` half-filled, to be reset.
    // At least 64 bytes past the line's end must be readable
    // (ClaimDecoder::padding); nothing read there counts.
    bool read(std::string_view line, Claim& c);
    // Bytes to be read after this line (the next claim's): the fee-line loop
    // asks for one cache line of them per fee line it reads. Left where it
    // got to; the caller fetches the rest.
    struct Ahead {
        const char* p = nullptr;
        const char* end = nullptr;
    };
    Ahead ahead;

    // How a key's value is read.
    // A fee line's kinds first: its switch then needs no offset.
    enum class Kind : std::uint8_t { money, text, label, ratio, count, boolean, claim_id, member_id, date_key, items, tags, other };

    // Where the reader is in the line.
    struct Cursor {
        const char* p;
        const char* end;
    };

private:
    // One object's keys (the claim's or a fee line's): `"key":` patterns, the
    // same after their comma (`,"key":`, what follows a value), and the names
    // for keys written any other way (blanks around the colon, long).
    struct Keys {
        explicit Keys(std::vector<std::string_view> names);
        Patterns<0> patterns;
        Patterns<1> after_comma;
        KeyLookup lookup;
    };
    // One enum's labels: `"label"` patterns, and the labels themselves for
    // labels written any other way (unquoted, long).
    struct Labels {
        explicit Labels(std::vector<std::string_view> names);
        Patterns<0> patterns;
        KeyLookup lookup;
        std::array<int, 10> digit;  // the label "0".."9" written as a number (hosp_lv: 2), or -1
        std::array<std::int8_t, 256> one_byte;  // by byte b: the label "b" (category: "A"), or -1
    };
    struct Plan {
        Kind kind = Kind::other;
        std::int64_t min = INT64_MIN;  // the field's min_value, if any
        int labels = -1;               // index into labels_ (label and tags kinds)
    };

    // A cursor whose address goes into a call is kept in memory by its
    // caller, reloaded after every store into the claim: read_claim's is
    // its own, and read_tags and read_items return where they end (nullptr:
    // not plain).
    bool read_claim(Cursor r, Claim& c);
    const char* read_items(Cursor r, Claim& c);
    // The fee lines after the list's opening bracket; Narrow: at most 8 fields.
    template <bool Narrow>
    const char* read_rows(Cursor r, Claim& c);
    static void no_items(Claim& c);
    struct Item {
        const char* p = nullptr;  // after the line's closing brace; nullptr: not plain
        std::uint64_t seen = 0;   // bits by item field
    };
    // The fee lines' text column while they are read: its state in locals
    // (registers), not reloaded from the claim after every store.
    struct ItemTexts {
        char* chars;
        std::size_t used, size;  // bytes written, bytes allocated
        std::uint64_t* spans;
        TextColumn* column;
    };
    // Room for every text field of the next rows written the usual way (32
    // bytes each, kRoomRows rows), made before them: the texts then need no
    // room check each.
    void make_text_room(ItemTexts& t) const;
    bool read_item_text(Cursor& r, ItemTexts& t, std::size_t slot) const;
    bool read_item_text_at(Cursor& r, ItemTexts& t, std::size_t slot) const;
    const char* read_item_text_slow(Cursor r, TextColumn& column, std::size_t used, std::size_t slot) const;
    Item read_item(const char* p, const char* end, std::int64_t* row, ItemTexts& texts, std::size_t first);
    const char* read_tags(Cursor r, Claim& c, std::size_t field, Labels& labels);
    static int read_key(Cursor& r, Keys& keys);
    static int next_key(Cursor& r, Keys& keys);
    static bool match_label(Cursor& r, const Labels& labels, std::int64_t& v);
    static bool read_label(Cursor& r, Labels& labels, std::int64_t& v);
    static bool read_item_label(Cursor& r, Labels& labels, std::int64_t& v);

    // The usual middle of a fee line, `,"category":"A","amount":`: a label
    // field written as one byte and the money field after it in the schema,
    // checked in one 32-byte compare after the text of a fee line's usual
    // start (ItemStart: the code) instead of two key look-ups and a label's. It stands for exactly
    // what next_key, read_item_label and next_key again read from those bytes.
    // As made, no run: its mask (0) matches any bytes, and its labels none.
    struct alignas(64) LabelRun {
        std::array<char, 32> bytes{};  // the run, the label's byte 0
        std::uint32_t mask = 0;        // bit i: byte i is part of the run (not the label's byte)
        std::size_t size = 0;
        std::size_t at = 0;     // the label's byte
        std::size_t label = 0;  // the label field, the money field after it
        int money = -1;
        std::size_t label_column = 0, money_column = 0;  // theirs in a row of values (Schema::item_column)
        std::uint64_t fields = 0;  // the two fields' bits
        const std::array<std::int8_t, 256>* one_byte = &kNoLabels;  // the label field's Labels::one_byte
    };
    static constexpr std::array<std::int8_t, 256> kNoLabels = [] {
        std::array<std::int8_t, 256> none{};
        for (auto& x : none) x = -1;
        return none;
    }();
    bool read_label_run(Cursor& r, std::int64_t* row) const;
    void plan_label_run(const Schema& s);
    // The usual start of a fee line, `{"code":"`: its first field in the
    // schema, a text, matched with the braces and quotes around its key in
    // one 16-byte compare, then read straight away.
    struct alignas(32) ItemStart {
        std::array<char, 16> bytes{};
        std::uint32_t mask = 1u << 16;  // bit i: byte i is part of the start; as made, one that never matches
        std::size_t size = 0;
    };
    bool read_item_start(Cursor& r) const;
    void plan_item_start(const Schema& s);

    // The usual start, its text and the label run together, by the text's
    // length (0 to 15 - the start's size): three 16-byte compares at fixed
    // places from the line's brace, where the parts one after the other took
    // three dependent matches. The text's bytes and the label's are free in
    // the compare (mask bit clear); as made, one that never matches.
    struct alignas(64) ItemHead {
        std::array<char, 48> bytes{};
        std::uint64_t mask = std::uint64_t{1} << 63;  // bit i: byte i is part of the head
        // Places from the line's brace, so that no other load is needed to
        // step over the head: the label's byte, the money field's value.
        std::uint8_t label = 0, end = 0;
    };
    bool read_item_head(Cursor& r, ItemTexts& t, std::size_t slot, std::int64_t* row) const;
    void plan_item_heads();

    // The usual key after the label run's money field when the fee line goes
    // on: `,"name":"`, the first text field after the start's in the schema,
    // matched with its comma and the text's quote in one 16-byte compare and
    // its text read straight away (no key look-up, no duplicate check: only
    // the start's field and the run's can have been seen).
    struct alignas(32) ItemTail {
        std::array<char, 16> bytes{};
        std::uint32_t free = 0x10000;  // bit i: byte i is not part of the tail; as made, one that never matches
        std::uint32_t quote = 0;       // the text's quote, where the cursor goes
        std::size_t field = 0;
        std::uint64_t bit = 0;  // the field's
    };
    bool read_item_tail(Cursor& r) const;
    void plan_item_tail(const Schema& s);

    // The usual optional whole numbers after the tail, in the schema's
    // order: `,"selfpay_prop":` (IntKey: a ratio or count field's key with
    // its comma, matched in one 16-byte compare) and `,"qty":5,"price_cap":`
    // (CountRun: a count field written as one digit and the money field
    // after it in the schema, in one 32-byte compare). Tried only after the
    // head (and the tail), whose fields they are not (so no duplicate check):
    // each stands for exactly what next_key, the loop's read of the value
    // and next_key again read from those bytes.
    struct alignas(32) IntKey {
        std::array<char, 16> bytes{};
        std::uint32_t free = 0x10000;  // bit i: byte i is not part of the key; as made, one that never matches
        std::uint32_t size = 0;
        std::size_t field = 0;
        std::size_t column = 0;  // the field's in a row of values
        std::uint64_t bit = 0;
        std::int64_t max = INT64_MAX;  // a ratio's 10000
    };
    bool read_int_key(Cursor& r) const;
    struct alignas(64) CountRun {
        std::array<char, 32> bytes{};  // the digit's byte 0
        std::uint64_t free = std::uint64_t{1} << 32;  // bit i: byte i is not part of the run (the digit's is not); as made, one that never matches
        std::size_t size = 0;
        std::size_t at = 0;     // the digit's byte
        std::size_t count = 0;  // the count field, the money field after it
        std::size_t money = 0;
        std::size_t count_column = 0, money_column = 0;  // theirs in a row of values
        std::uint64_t fields = 0;  // the two fields' bits
    };
    bool read_count_run(Cursor& r, std::int64_t* row) const;
    void plan_item_ints(const Schema& s);

    // A claim key written `,"key":`, as after_comma finds it; one that never
    // matches when after_comma would not give that key for those bytes.
    struct alignas(64) NextKey {
        std::array<char, 32> bytes{};
        std::uint32_t mask = ~0u;  // bit i: byte i is part of the pattern (never all 32 bits when size <= 16)
        std::uint8_t size = 0;
        std::int8_t key = -1;
    };
    // One claim key of the key order the line before had: its `,"key":`
    // (`{"key":` for the first), what read_claim's loop looks up by key, and
    // the keys up to it. Claim lines repeat one key order, so a line that
    // follows it is read with no key look-ups and no duplicate checks (the
    // order's keys are distinct).
    struct alignas(64) Step {
        std::array<char, 32> bytes{};
        std::uint32_t mask = 1u << 16;  // as made: one that never matches
        std::uint8_t size = 0;
        Kind kind = Kind::other;
        std::uint16_t field = 0;  // the key's claim field (when it is one)
        Labels* labels = nullptr;
        std::uint64_t seen = 0;  // bits of the keys of this step and those before it
    };
    bool read_value(Kind kind, std::size_t f, Labels* labels, Cursor& r, Claim& c);
    bool follows(const Step& step, const Cursor& r) const;
    void learn_step(std::size_t i, int k, std::uint64_t seen);

    // The claims' dates as parse_date read them, by their text: a file's
    // claims span a few hundred days, each parsed once. A slot holds its
    // text's 10 bytes (as made: 1970-01-01, day 0) and its day.
    struct DateSlot {
        std::uint64_t head = 0;  // "YYYY-MM-"
        std::uint16_t tail = 0;  // "DD"
        std::int32_t days = 0;
    };
    static constexpr unsigned kDateBits = 10;
    bool read_date(const char* text, Date& d);
    std::array<DateSlot, std::size_t{1} << kDateBits> dates_{};

    const Schema& s_;
    bool usable_ = true;  // false for schemas the masks below cannot hold
    Keys claim_keys_, item_keys_;
    std::array<NextKey, 64> claim_key_after_comma_{};  // by claim key
    std::array<Step, 65> order_{};  // the key order of the line before, and the step after it
    std::size_t order_size_ = 0;
    std::vector<Plan> claim_plan_, item_plan_;  // by claim key, by item field
    // claim_plan_'s kinds and labels in the reader itself: a vector's data
    // pointer would be reloaded for every key, the claim's stores between.
    std::array<Kind, 64> claim_kind_{};
    std::array<Labels*, 64> claim_labels_{};
    std::array<Kind, 64> item_kind_{};          // item_plan_'s kinds, one load away
    std::array<std::int64_t, 64> item_min_{};   // and their minimums
    std::array<Labels*, 64> item_labels_{};     // and their labels
    // And their columns in a row of values (Schema::item_column): a text has
    // none (0 here, never written: its value is its text).
    std::array<std::uint8_t, 64> item_column_{};
    std::size_t item_width_ = 0;  // Schema::item_width
    LabelRun item_run_;
    ItemStart item_start_;
    std::array<ItemHead, 16> item_heads_{};  // by the place of the text's closing quote
    std::uint32_t item_head_text_ = 0;       // bits of the places after the start (the text's own)
    std::uint64_t item_head_seen_ = 0;       // the head's fields: the start's and the run's
    std::array<std::int8_t, 256> item_run_one_byte_{};  // *item_run_.one_byte, one load nearer
    ItemTail item_tail_;
    IntKey item_int_;
    CountRun item_count_run_;

    std::vector<Labels> labels_;
    // Bits by claim key (own keys first) and by item field.
    std::uint64_t claim_required_ = 0, claim_defaults_ = 0, claim_optional_ = 0;
    std::vector<std::int64_t> claim_row_;  // by claim field: its default, else 0
    std::vector<std::size_t> claim_text_fields_;  // the string fields
    std::uint64_t item_required_ = 0, item_defaults_ = 0;
    // A fee line's values before its fields are read, by column: defaults,
    // else 0 (a short row is filled by one fixed-size copy of 8). In the
    // reader, not a vector, whose data pointer would be reloaded for every line.
    std::array<std::int64_t, 64> item_row_{};
    std::size_t item_text_room_ = 0;  // make_text_room's: 32 bytes by text field and row
    // A narrow row's present bytes by the bits of the fields its line gave:
    // 8 bits -> 8 bytes of 0/1, the defaults' bytes 1 (finish_claim's), and
    // kMissingRequired when a required field is not among them (the row
    // is then refused after its bytes are stored: one look-up for both).
    std::array<std::uint64_t, 256> present_bytes_{};
    static constexpr std::uint64_t kMissingRequired = 2;  // no present byte is ever 2
};

}  // namespace claimgraph::detail
