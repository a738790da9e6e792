#include "claimgraph/claim.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <fmt/format.h>

#include "claimgraph/error.hpp"
#include "engine/item_columns.hpp"

namespace claimgraph {

// ---------------------------------------------------------------------------
// Date

namespace {
constexpr std::int32_t kNoDate = INT32_MIN;  // Claim::reset leaves the date unset

std::chrono::year_month_day to_ymd(Date d) {
    return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{d.days}}};
}
}  // namespace

Date Date::from_ymd(int y, unsigned m, unsigned d) {
    const std::chrono::sys_days sd{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
    return Date{static_cast<std::int32_t>(sd.time_since_epoch().count())};
}

int Date::year() const { return static_cast<int>(to_ymd(*this).year()); }
unsigned Date::month() const { return static_cast<unsigned>(to_ymd(*this).month()); }
unsigned Date::day() const { return static_cast<unsigned>(to_ymd(*this).day()); }

std::string Date::str() const {
    const auto ymd = to_ymd(*this);
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

bool parse_date(std::string_view t, Date& out) {
    if (t.size() != 10) return false;
    // Digits by arithmetic on 8-byte words rather than through <chrono>: a
    // date is parsed twice for every claim line (key pass and decoder).
    // tests/test_decoder_paths.cpp checks it against <chrono> and a byte-wise parser.
    std::uint64_t a;  // "YYYY-MM-", the first byte lowest
    std::uint16_t b;  // "DD"
    std::memcpy(&a, t.data(), 8);
    std::memcpy(&b, t.data() + 8, 2);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    a = __builtin_bswap64(a);
    b = __builtin_bswap16(b);
#endif
    if ((a & 0xFF0000FF00000000u) != 0x2D00002D00000000u) return false;  // the dashes
    const std::uint64_t w = (a & 0xFFFFFFFFu) | (a >> 8 & 0x0000FFFF00000000u) | std::uint64_t{b} << 48;  // YYYYMMDD
    constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0u, kZeros = 0x3030303030303030u;
    // Every byte 0x30..0x3F, and still so after adding 6 (no carry can cross
    // a byte once the first holds): '0'..'9'.
    if (((w & kHigh) ^ kZeros) | (((w + 0x0606060606060606u) & kHigh) ^ kZeros)) return false;
    // Each 16-bit lane: its first digit times 10 plus its second.
    const std::uint64_t d = w - kZeros;
    const std::uint64_t pairs = (d * 10 + (d >> 8)) & 0x00FF00FF00FF00FFu;
    const unsigned y = static_cast<unsigned>(pairs & 0xFF) * 100 + static_cast<unsigned>(pairs >> 16 & 0xFF);
    const auto m = static_cast<unsigned>(pairs >> 32 & 0xFF), day = static_cast<unsigned>(pairs >> 48);
    if (m - 1 > 11) return false;
    // By month: its days in a common year, and the days before its first in
    // a year that starts on March 1st (so that a leap day is the year's last).
    static constexpr unsigned char kLast[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    static constexpr unsigned short kBefore[13] = {0, 306, 337, 0, 31, 61, 92, 122, 153, 184, 214, 245, 275};
    if (day - 1 >= kLast[m]) {
        const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        if (!(m == 2 && day == 29 && leap)) return false;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
    // days_from_civil, which <chrono> also computes), with the year moved 400
    // on so that January and February of year 0 need no negative division.
    const unsigned yy = y + 400 - (m <= 2);
    const unsigned centuries = yy / 100;
    const unsigned days = yy * 365 + yy / 4 - centuries + centuries / 4 + kBefore[m] + day - 1;
    out.days = static_cast<std::int32_t>(days) - 719468 - 146097;
    return true;
}

// ---------------------------------------------------------------------------
// Claim

void TextColumn::grow(std::size_t more) {
    // Offsets are 32-bit: a claim's texts stay under 4 GB.
    // The buffer never outgrows them, so the checks in assign are the room checks.
    if (used_ + more > UINT32_MAX) throw ClaimError("texts", "claim text too long");
    const std::size_t want = std::max<std::size_t>(2 * chars_.size(), used_ + more + kSlack);
    chars_.resize(std::min<std::size_t>(want, std::size_t{UINT32_MAX} + kSlack));
}

void Claim::reset(const Schema& s) {
    claim_id.clear();
    member_id.clear();
    date.days = kNoDate;
    const std::size_t n = s.claim_fields.size();
    fields.assign(n, 0);
    present.assign(n, 0);
    texts.clear();
    texts.resize(n);
    item_count = 0;
    items.clear();
    item_present.clear();
    item_texts.clear();
    line = 0;
}

// ---------------------------------------------------------------------------
// Setting values

namespace {

// How a value was found, for "expected ..., found ..." messages.
std::string found(std::string_view text, bool quoted) {
    if (text.empty() && !quoted) return "nothing";
    constexpr std::size_t kMax = 40;
    std::string shown(text.substr(0, kMax));
    if (text.size() > kMax) shown += "...";
    return quoted ? fmt::format("\"{}\"", shown) : shown;
}

std::string allowed_values(const EnumType& e) {
    std::string out;
    for (std::size_t i = 0; i < e.values.size(); ++i) {
        if (i > 0) out += i + 1 == e.values.size() ? " or " : ", ";
        out += e.values[i];
    }
    return out;
}

// Names a field for errors; the item name is formatted only when an error is thrown.
struct FieldRef {
    const std::string& name;
    std::size_t item = 0;
    bool is_item = false;
    operator std::string() const { return is_item ? fmt::format("items[{}].{}", item, name) : name; }
};

const EnumType& enum_of(const Schema& s, const FieldSpec& f, const FieldRef& field_name) {
    if (f.enum_type < 0 || static_cast<std::size_t>(f.enum_type) >= s.enums.size())
        throw ClaimError(field_name, fmt::format("schema error: field has no {} values", field_type_name(f.type)));
    return s.enums[static_cast<std::size_t>(f.enum_type)];
}

void check_min(const FieldSpec& f, const FieldRef& name, std::int64_t v, std::string_view text, bool quoted) {
    if (f.min_value && v < *f.min_value) {
        const std::string lo = f.type == FieldType::money ? format_money(Money::from_fen(*f.min_value))
                                                          : std::to_string(*f.min_value);
        throw ClaimError(name, fmt::format("expected at least {}, found {}", lo, found(text, quoted)));
    }
}

// Where one value goes: a claim field or an item field.
struct Slot {
    std::int64_t* value;  // null for a fee line's string field, which has no column
    std::uint8_t& present;
    TextColumn& texts;
    std::size_t k;  // the slot in `texts`
};

void set_value(const Schema& s, const FieldSpec& f, const FieldRef& name, Slot slot, std::string_view text,
               bool quoted) {
    if (slot.present) throw ClaimError(name, "duplicate field");
    std::int64_t v = 0;
    switch (f.type) {
        case FieldType::money: {
            if (quoted)
                throw ClaimError(name, fmt::format("expected an amount as a number such as 1234.56, found {}",
                                                   found(text, quoted)));
            const MoneyParse p = parse_money(text);
            switch (p.status) {
                case ParseStatus::ok: break;
                case ParseStatus::too_many_decimals:
                    throw ClaimError(name, fmt::format("expected an amount with at most two decimals, found {}",
                                                       found(text, quoted)));
                case ParseStatus::negative:
                    throw ClaimError(name,
                                     fmt::format("expected a non-negative amount, found {}", found(text, quoted)));
                case ParseStatus::out_of_range:
                    throw ClaimError(name, fmt::format("expected an amount below {}, found {}",
                                                       format_money(Money::from_fen(INT64_MAX)), found(text, quoted)));
                default:
                    throw ClaimError(name, fmt::format("expected an amount such as 1234.56, found {}",
                                                       found(text, quoted)));
            }
            v = p.value.fen();
            check_min(f, name, v, text, quoted);
            break;
        }
        case FieldType::ratio: {
            const IntParse p = quoted ? IntParse{0, ParseStatus::not_a_number} : parse_int(text, true);
            if (!p || p.value < 0 || p.value > 10000)
                throw ClaimError(name, fmt::format("expected a ratio in basis points from 0 to 10000, found {}",
                                                   found(text, quoted)));
            v = p.value;
            check_min(f, name, v, text, quoted);
            break;
        }
        case FieldType::count: {
            const IntParse p = quoted ? IntParse{0, ParseStatus::not_a_number} : parse_int(text, true);
            if (!p || p.value < 0)
                throw ClaimError(name,
                                 fmt::format("expected a whole number of at least {}, found {}",
                                             f.min_value && *f.min_value > 0 ? *f.min_value : 0, found(text, quoted)));
            v = p.value;
            check_min(f, name, v, text, quoted);
            break;
        }
        case FieldType::boolean:
            if (!quoted && text == "true")
                v = 1;
            else if (!quoted && text == "false")
                v = 0;
            else
                throw ClaimError(name, fmt::format("expected true or false, found {}", found(text, quoted)));
            break;
        case FieldType::date: {
            Date d;
            if (!quoted || !parse_date(text, d))
                throw ClaimError(name, fmt::format("expected a date \"YYYY-MM-DD\", found {}", found(text, quoted)));
            v = d.days;
            break;
        }
        case FieldType::string:
            if (!quoted) throw ClaimError(name, fmt::format("expected a string, found {}", found(text, quoted)));
            slot.texts.assign(slot.k, text);
            break;
        case FieldType::enumeration: {
            const EnumType& e = enum_of(s, f, name);
            const auto idx = e.index_of(text);
            if (!idx)
                throw ClaimError(name,
                                 fmt::format("expected one of {}, found {}", allowed_values(e), found(text, quoted)));
            v = static_cast<std::int64_t>(*idx);
            break;
        }
        case FieldType::tags:
            // An empty quoted text starts the list: the field is present with no tags.
            if (!quoted || !text.empty())
                throw ClaimError(name, fmt::format("expected a list of tags, found {}", found(text, quoted)));
            v = 0;
            break;
    }
    if (slot.value != nullptr) *slot.value = v;
    slot.present = 1;
}

void add_tag(const Schema& s, const FieldSpec& f, const FieldRef& name, Slot slot, std::string_view tag) {
    if (f.type != FieldType::tags)
        throw ClaimError(name, fmt::format("expected a {} value, found a list", field_type_name(f.type)));
    const EnumType& e = enum_of(s, f, name);
    const auto idx = e.index_of(tag);
    if (!idx) throw ClaimError(name, fmt::format("expected tags among {}, found {}", allowed_values(e), found(tag, true)));
    if (*idx >= 63) throw ClaimError(name, "schema error: a tags field holds at most 63 values");
    *slot.value |= std::int64_t{1} << *idx;
    slot.present = 1;
}

std::string item_field_name(const Schema& s, std::size_t item, int field) {
    return fmt::format("items[{}].{}", item, s.item_fields[static_cast<std::size_t>(field)].name);
}

const FieldSpec& claim_spec(const Schema& s, const Claim& c, int field) {
    if (field < 0 || static_cast<std::size_t>(field) >= s.claim_fields.size())
        throw ClaimError(fmt::format("#{}", field), "unknown field");
    if (c.fields.size() != s.claim_fields.size())
        throw ClaimError(s.claim_fields[static_cast<std::size_t>(field)].name, "claim not reset for this schema");
    return s.claim_fields[static_cast<std::size_t>(field)];
}

// `column`, `width`: the field's (Schema::item_column) and the row's (Schema::item_width).
Slot item_slot(const Schema& s, Claim& c, std::size_t item, int field, int column, std::size_t width) {
    const std::size_t k = item * s.item_fields.size() + static_cast<std::size_t>(field);
    std::int64_t* value = column < 0 ? nullptr : &c.items[item * width + static_cast<std::size_t>(column)];
    return Slot{value, c.item_present[k], c.item_texts, k};
}

void check_item(const Schema& s, const Claim& c, std::size_t item, int field) {
    if (field < 0 || static_cast<std::size_t>(field) >= s.item_fields.size())
        throw ClaimError(fmt::format("items[{}].#{}", item, field), "unknown field");
    if (item >= c.item_count) throw ClaimError(fmt::format("items[{}]", item), "no such item");
}

void set_item_at(const Schema& s, Claim& c, std::size_t item, int field, int column, std::size_t width,
                 std::string_view text, bool quoted) {
    check_item(s, c, item, field);
    const FieldSpec& f = s.item_fields[static_cast<std::size_t>(field)];
    set_value(s, f, FieldRef{f.name, item, true}, item_slot(s, c, item, field, column, width), text, quoted);
}

void start_item_of(const Schema& s, Claim& c, std::size_t width) {
    ++c.item_count;
    const std::size_t n = s.item_fields.size();
    // Grown eight lines at a time (finish_claim trims): resizing for every
    // line was a fifth of decoding. Slots past item_count stay as reset left them.
    if (c.item_present.size() < c.item_count * n || c.items.size() < c.item_count * width) {
        const std::size_t lines = c.item_count + 7;
        c.items.resize(lines * width, 0);
        c.item_present.resize(lines * n, 0);
        c.item_texts.resize(lines * n);
    }
}

}  // namespace

namespace detail {

ItemColumns::ItemColumns(const Schema& s) : width(s.item_width()) {
    for (std::size_t i = 0; i < s.item_fields.size(); ++i) column.push_back(s.item_column(static_cast<int>(i)));
}

void set_item_value(const Schema& s, const ItemColumns& columns, Claim& c, std::size_t item, int field,
                    std::string_view text, bool quoted) {
    const int column = field >= 0 && static_cast<std::size_t>(field) < columns.column.size()
                           ? columns.column[static_cast<std::size_t>(field)]
                           : -1;
    set_item_at(s, c, item, field, column, columns.width, text, quoted);
}

void start_item(const Schema& s, const ItemColumns& columns, Claim& c) { start_item_of(s, c, columns.width); }

}  // namespace detail

void set_claim_value(const Schema& s, Claim& c, int field, std::string_view text, bool quoted) {
    const FieldSpec& f = claim_spec(s, c, field);
    const auto k = static_cast<std::size_t>(field);
    set_value(s, f, FieldRef{f.name}, Slot{&c.fields[k], c.present[k], c.texts, k}, text, quoted);
}

void set_item_value(const Schema& s, Claim& c, std::size_t item, int field, std::string_view text, bool quoted) {
    set_item_at(s, c, item, field, s.item_column(field), s.item_width(), text, quoted);
}

void add_claim_tag(const Schema& s, Claim& c, int field, std::string_view tag) {
    const FieldSpec& f = claim_spec(s, c, field);
    const auto k = static_cast<std::size_t>(field);
    add_tag(s, f, FieldRef{f.name}, Slot{&c.fields[k], c.present[k], c.texts, k}, tag);
}

void start_item(const Schema& s, Claim& c) { start_item_of(s, c, s.item_width()); }

void finish_claim(const Schema& s, Claim& c) {
    if (c.claim_id.empty()) throw ClaimError("claim_id", "missing required field");
    if (c.member_id.empty()) throw ClaimError("member_id", "missing required field");
    if (c.date.days == kNoDate) throw ClaimError("date", "missing required field");
    for (std::size_t k = 0; k < s.claim_fields.size(); ++k) {
        if (c.present[k]) continue;
        const FieldSpec& f = s.claim_fields[k];
        if (f.default_value) {
            c.fields[k] = *f.default_value;
            c.present[k] = 1;
        } else if (!f.optional) {
            throw ClaimError(f.name, "missing required field");
        }
    }
    const std::size_t n = s.item_fields.size(), w = s.item_width();
    c.items.resize(c.item_count * w);
    c.item_present.resize(c.item_count * n);
    c.item_texts.resize(c.item_count * n);
    // Field by field rather than line by line: each field's branch then goes
    // the same way on every line. The first missing field is still named in
    // line order.
    bool missing = false;
    for (std::size_t k = 0; k < n; ++k) {
        const FieldSpec& f = s.item_fields[k];
        if (f.default_value) {
            const int column = s.item_column(static_cast<int>(k));
            for (std::size_t i = 0; i < c.item_count; ++i) {
                const std::size_t at = i * n + k;
                if (c.item_present[at]) continue;
                if (column >= 0) c.items[i * w + static_cast<std::size_t>(column)] = *f.default_value;
                c.item_present[at] = 1;
            }
        } else if (!f.optional) {
            for (std::size_t at = k; at < c.item_count * n; at += n) missing |= !c.item_present[at];
        }
    }
    if (!missing) return;
    for (std::size_t i = 0; i < c.item_count; ++i)
        for (std::size_t k = 0; k < n; ++k)
            if (!c.item_present[i * n + k] && !s.item_fields[k].optional && !s.item_fields[k].default_value)
                throw ClaimError(item_field_name(s, i, static_cast<int>(k)), "missing required field");
}

// ---------------------------------------------------------------------------
// ClaimBuilder

namespace {

bool quoted_type(FieldType t) {
    return t == FieldType::string || t == FieldType::enumeration || t == FieldType::date;
}

int builder_claim_field(const Schema& s, std::string_view name) {
    const int k = s.claim_field(name);
    if (k < 0) throw ClaimError(std::string(name), "unknown field");
    return k;
}

int builder_item_field(const Schema& s, const Claim& c, std::string_view name) {
    if (c.item_count == 0) throw ClaimError(fmt::format("items.{}", name), "no item: call add_item() first");
    const int k = s.item_field(name);
    if (k < 0) throw ClaimError(fmt::format("items[{}].{}", c.item_count - 1, name), "unknown field");
    return k;
}

// The text form of a Money or integer argument, checked against the field's type.
std::string money_text(const FieldSpec& f, const std::string& name, Money m) {
    if (f.type != FieldType::money)
        throw ClaimError(name, fmt::format("expected a {} value, found an amount", field_type_name(f.type)));
    return format_money(m);
}

std::string int_text(const FieldSpec& f, const std::string& name, std::int64_t v) {
    switch (f.type) {
        case FieldType::count:
        case FieldType::ratio:
        case FieldType::enumeration: return std::to_string(v);
        case FieldType::boolean:
            if (v == 0) return "false";
            if (v == 1) return "true";
            throw ClaimError(name, fmt::format("expected true or false (1 or 0), found {}", v));
        case FieldType::money:
            throw ClaimError(name, fmt::format("expected an amount (Money), found the integer {}", v));
        default: throw ClaimError(name, fmt::format("expected a {} value, found the integer {}", field_type_name(f.type), v));
    }
}

}  // namespace

ClaimBuilder::ClaimBuilder(const Schema& schema) : schema_(&schema) { claim_.reset(schema); }

ClaimBuilder& ClaimBuilder::id(std::string claim_id, std::string member_id, std::string_view date) {
    Date d;
    if (!parse_date(date, d)) throw ClaimError("date", fmt::format("expected a date \"YYYY-MM-DD\", found {}", found(date, true)));
    claim_.claim_id = std::move(claim_id);
    claim_.member_id = std::move(member_id);
    claim_.date = d;
    return *this;
}

ClaimBuilder& ClaimBuilder::set(std::string_view field, std::string_view value) {
    const int k = builder_claim_field(*schema_, field);
    const FieldSpec& f = schema_->claim_fields[static_cast<std::size_t>(k)];
    set_claim_value(*schema_, claim_, k, value, quoted_type(f.type));
    return *this;
}

ClaimBuilder& ClaimBuilder::set(std::string_view field, Money value) {
    const int k = builder_claim_field(*schema_, field);
    const FieldSpec& f = schema_->claim_fields[static_cast<std::size_t>(k)];
    set_claim_value(*schema_, claim_, k, money_text(f, f.name, value), false);
    return *this;
}

ClaimBuilder& ClaimBuilder::set(std::string_view field, std::int64_t value) {
    const int k = builder_claim_field(*schema_, field);
    const FieldSpec& f = schema_->claim_fields[static_cast<std::size_t>(k)];
    set_claim_value(*schema_, claim_, k, int_text(f, f.name, value), false);
    return *this;
}

ClaimBuilder& ClaimBuilder::set_tags(std::string_view field, const std::vector<std::string>& tags) {
    const int k = builder_claim_field(*schema_, field);
    set_claim_value(*schema_, claim_, k, {}, true);  // present, no tags yet (checks the type and duplicates)
    for (const auto& t : tags) add_claim_tag(*schema_, claim_, k, t);
    return *this;
}

ClaimBuilder& ClaimBuilder::add_item() {
    start_item(*schema_, claim_);
    return *this;
}

ClaimBuilder& ClaimBuilder::item_set(std::string_view field, std::string_view value) {
    const int k = builder_item_field(*schema_, claim_, field);
    const FieldSpec& f = schema_->item_fields[static_cast<std::size_t>(k)];
    set_item_value(*schema_, claim_, claim_.item_count - 1, k, value, quoted_type(f.type));
    return *this;
}

ClaimBuilder& ClaimBuilder::item_set(std::string_view field, Money value) {
    const int k = builder_item_field(*schema_, claim_, field);
    const FieldSpec& f = schema_->item_fields[static_cast<std::size_t>(k)];
    const std::string name = item_field_name(*schema_, claim_.item_count - 1, k);
    set_item_value(*schema_, claim_, claim_.item_count - 1, k, money_text(f, name, value), false);
    return *this;
}

ClaimBuilder& ClaimBuilder::item_set(std::string_view field, std::int64_t value) {
    const int k = builder_item_field(*schema_, claim_, field);
    const FieldSpec& f = schema_->item_fields[static_cast<std::size_t>(k)];
    const std::string name = item_field_name(*schema_, claim_.item_count - 1, k);
    set_item_value(*schema_, claim_, claim_.item_count - 1, k, int_text(f, name, value), false);
    return *this;
}

Claim ClaimBuilder::build() {
    finish_claim(*schema_, claim_);
    return claim_;
}

}  // namespace claimgraph
