// One claim per JSON line, decoded against the policy's schema with simdjson
// On-Demand straight into a reused Claim. Every line is parsed on its own, so
// one bad line becomes one error record and cannot disturb its neighbours.
//
// Money never goes through binary floating point: numbers are handed on as their raw
// JSON text and converted by claimgraph's own parsers (set_claim_value & co).
//
// The hot path reads keys and strings in place when they hold no escape
// (simdjson has already validated their UTF-8 and rejected raw control
// characters), and guesses each key from the one that followed the previous
// key last time: claim files repeat one field order line after line.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "claimgraph/claim.hpp"
#include "claimgraph/error.hpp"
#include "claimgraph/io.hpp"
#include "engine/item_columns.hpp"
#include "engine/prefetch.hpp"
#include "io/json_text.hpp"
#include "io/key_lookup.hpp"
#include "io/plain_claim.hpp"
#include "io/simdjson_text.hpp"

namespace claimgraph {

namespace {

namespace od = simdjson::ondemand;

// On-Demand does not validate a number token it is not asked to convert, so we do.
using detail::is_json_number;
using detail::plain_string;
using detail::read_key;
using detail::KeyLookup;
using detail::kClaimId;
using detail::kDate;
using detail::kItems;
using detail::kMemberId;
using detail::kOwnKeys;

// Raised for text that is not JSON at all (as opposed to JSON of the wrong shape).
[[noreturn]] void json_fail(simdjson::error_code e, std::string_view where = {}) {
    if (where.empty()) throw ClaimError("json", fmt::format("invalid JSON: {}", simdjson::error_message(e)));
    throw ClaimError("json", fmt::format("invalid JSON at {}: {}", where, simdjson::error_message(e)));
}

const char* kind_name(od::json_type t) {
    switch (t) {
        case od::json_type::array: return "a list";
        case od::json_type::object: return "an object";
        case od::json_type::number: return "a number";
        case od::json_type::string: return "a string";
        case od::json_type::boolean: return "a boolean";
        case od::json_type::null: return "null";
    }
    return "a value";
}

std::string expected_name(const Schema& s, const FieldSpec& f) {
    switch (f.type) {
        case FieldType::money: return "an amount";
        case FieldType::ratio: return "a ratio in basis points";
        case FieldType::count: return "a whole number";
        case FieldType::boolean: return "true or false";
        case FieldType::date: return "a date \"YYYY-MM-DD\"";
        case FieldType::string: return "a string";
        case FieldType::tags: return "a list of tags";
        case FieldType::enumeration: {
            if (f.enum_type < 0 || static_cast<std::size_t>(f.enum_type) >= s.enums.size()) return "a value";
            const auto& values = s.enums[static_cast<std::size_t>(f.enum_type)].values;
            std::string out = "one of ";
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (i > 0) out += i + 1 == values.size() ? " or " : ", ";
                out += values[i];
            }
            return out;
        }
    }
    return "a value";
}

std::string_view trim_right(std::string_view t) {
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r'))
        t.remove_suffix(1);
    return t;
}

// At most kShown bytes of input text for a message, cut at a character boundary.
constexpr std::size_t kShown = 40;
std::string_view clip(std::string_view t) {
    if (t.size() <= kShown) return t;
    std::size_t n = kShown;
    while (n > 0 && (static_cast<unsigned char>(t[n]) & 0xC0) == 0x80) --n;  // t[n] continues a character
    return t.substr(0, n);
}

// Reads one scalar value and hands its text to `set(text, quoted)`.
// Numbers and booleans pass their raw token (quoted=false), strings their
// unescaped content (quoted=true). `name()` names the field in errors; it and
// the expected-type text are only built on the error path.
template <class Name, class Set>
void read_scalar(od::value v, const Schema& s, const FieldSpec& spec, Name&& name, Set&& set) {
    auto invalid = [&](std::string_view raw, const char* what) {
        raw = trim_right(raw);
        return ClaimError(name(), fmt::format("expected {}, found invalid JSON {}{}{}", expected_name(s, spec), what,
                                              clip(raw), raw.size() > kShown ? "..." : ""));
    };
    od::json_type t;
    if (auto e = v.type().get(t)) {
        if (trim_right(v.raw_json_token()).empty()) json_fail(e, name());
        throw invalid(v.raw_json_token(), "");
    }
    switch (t) {
        case od::json_type::string: {
            std::string_view str;
            if (!plain_string(v.raw_json_token(), str))
                if (auto e = v.get_string().get(str)) json_fail(e, name());
            set(str, true);
            return;
        }
        case od::json_type::number: {
            const std::string_view raw = trim_right(v.raw_json_token());
            if (!is_json_number(raw)) throw invalid(raw, "number ");
            set(raw, false);
            return;
        }
        case od::json_type::boolean: {
            bool b = false;
            if (v.get_bool().get(b)) throw invalid(v.raw_json_token(), "");
            set(b ? std::string_view("true") : std::string_view("false"), false);
            return;
        }
        case od::json_type::null: {
            bool is_null = false;
            if (v.is_null().get(is_null) || !is_null) throw invalid(v.raw_json_token(), "");
            throw ClaimError(name(), "expected a value, found null");
        }
        case od::json_type::array:
        case od::json_type::object:
            throw ClaimError(name(), fmt::format("expected {}, found {}", expected_name(s, spec), kind_name(t)));
    }
}

// Reads a string for one of the engine's own keys (claim_id, member_id, date).
std::string_view read_key_string(od::value v, const char* name, const char* expected) {
    od::json_type t;
    if (auto e = v.type().get(t)) json_fail(e, name);
    if (t == od::json_type::null) throw ClaimError(name, "expected a value, found null");
    if (t != od::json_type::string) throw ClaimError(name, fmt::format("expected {}, found {}", expected, kind_name(t)));
    std::string_view s;
    if (!plain_string(v.raw_json_token(), s))
        if (auto e = v.get_string().get(s)) json_fail(e, name);
    return s;
}

}  // namespace

struct ClaimDecoder::Impl {
    Impl(const Schema& s, bool fast_path) : s_(s), fast_path_(fast_path), plain_(s), claim_keys_(detail::claim_keys(s)), item_keys_(detail::item_keys(s)) {}

    // What the fee-line loop fetches ahead (ClaimDecoder::decode with `next`).
    detail::PlainClaimReader::Ahead& ahead() { return plain_.ahead; }

    // Decodes one line (`len` bytes at `p`, readable up to `capacity`).
    void decode(const char* p, std::size_t len, std::size_t capacity, ClaimRecord& rec) {
        Claim& c = rec.claim;
        rec.ok = true;
        rec.error_field.clear();
        rec.error_message.clear();
        try {
            // Reset and finished as finish_claim finishes a claim.
            if (fast_path_ && plain_.read(std::string_view(p, len), c)) return;
        } catch (const ClaimError&) {
        }
        c.reset(s_);  // the full decoder reads it again and words any error
        if (p != padded.data()) {
            // In place, the padding is whatever follows the line (the next
            // line, say), and simdjson's wording of some errors depends on
            // it: a copy with blank padding words them the same way wherever
            // the line was read from.
            padded.assign(p, len);
            padded.resize(len + padding, ' ');
            p = padded.data();
            capacity = padded.size();
        }
        try {
            decode_object(p, len, capacity, c);
            finish_claim(s_, c);
        } catch (const ClaimError& e) {
            rec.ok = false;
            rec.error_field = e.field();
            rec.error_message = e.what();
        } catch (const std::exception& e) {
            rec.ok = false;
            rec.error_field.clear();
            rec.error_message = e.what();
        }
        if (!rec.ok && c.claim_id.empty()) recover_claim_id(p, len, capacity, c);
    }

    // Room for a line that cannot be parsed in place.
    std::string padded;

private:
    void decode_object(const char* p, std::size_t len, std::size_t capacity, Claim& c) {
        od::document doc;
        if (auto e = parser_.iterate(p, len, capacity).get(doc)) json_fail(e);
        od::json_type t;
        if (doc.type().get(t) || t != od::json_type::object) {
            std::string_view text = trim_right(std::string_view(p, len));
            while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
            throw ClaimError("json", fmt::format("expected a claim object {{...}}, found {}{}",
                                                 clip(text), text.size() > kShown ? "..." : ""));
        }
        od::object obj;
        if (auto e = doc.get_object().get(obj)) json_fail(e);

        seen_claim_.assign(claim_keys_.size(), 0);
        int prev = -1;
        for (auto field_result : obj) {
            od::field field;
            if (auto e = std::move(field_result).get(field)) json_fail(e);
            std::string_view key;
            if (auto e = read_key(field, key)) json_fail(e);
            const int k = claim_keys_.find(key, prev);
            if (k < 0) throw ClaimError(std::string(key), "unknown field");
            prev = k;
            if (seen_claim_[static_cast<std::size_t>(k)]) {
                throw ClaimError(k < kOwnKeys ? std::string(key) : s_.claim_fields[static_cast<std::size_t>(k - kOwnKeys)].name,
                                 "duplicate field");
            }
            seen_claim_[static_cast<std::size_t>(k)] = 1;
            od::value v = field.value();
            switch (k) {
                case kClaimId: {
                    const std::string_view id = read_key_string(v, "claim_id", "a string");
                    if (id.empty()) throw ClaimError("claim_id", "expected a non-empty string, found \"\"");
                    c.claim_id.assign(id);
                    break;
                }
                case kMemberId: {
                    const std::string_view m = read_key_string(v, "member_id", "a string");
                    if (m.empty()) throw ClaimError("member_id", "expected a non-empty string, found \"\"");
                    c.member_id.assign(m);
                    break;
                }
                case kDate: {
                    const std::string_view d = read_key_string(v, "date", "a date \"YYYY-MM-DD\"");
                    if (!parse_date(d, c.date))
                        throw ClaimError("date", fmt::format("expected a date \"YYYY-MM-DD\", found \"{}{}\"", clip(d),
                                                             d.size() > kShown ? "..." : ""));
                    break;
                }
                case kItems: read_items(v, c); break;
                default: {
                    const int f = k - kOwnKeys;
                    const FieldSpec& spec = s_.claim_fields[static_cast<std::size_t>(f)];
                    if (spec.type == FieldType::tags)
                        read_tags(v, c, f, spec);
                    else
                        read_scalar(
                            v, s_, spec, [&] { return spec.name; },
                            [&](std::string_view text, bool quoted) { set_claim_value(s_, c, f, text, quoted); });
                }
            }
        }
        // Anything after the object's closing brace is not one claim per line.
        const char* end = nullptr;
        if (doc.current_location().get(end) == simdjson::SUCCESS)
            throw ClaimError("json", "invalid JSON: trailing content after the claim object");
    }

    void read_tags(od::value v, Claim& c, int f, const FieldSpec& spec) {
        od::json_type t;
        if (auto e = v.type().get(t)) json_fail(e, spec.name);
        if (t == od::json_type::null) throw ClaimError(spec.name, "expected a value, found null");
        if (t != od::json_type::array)
            throw ClaimError(spec.name, fmt::format("expected a list of tags, found {}", kind_name(t)));
        od::array arr;
        if (auto e = v.get_array().get(arr)) json_fail(e, spec.name);
        set_claim_value(s_, c, f, "", true);  // present, no tags yet
        for (auto el_result : arr) {
            od::value el;
            if (auto e = std::move(el_result).get(el)) json_fail(e, spec.name);
            od::json_type et;
            if (auto e = el.type().get(et)) json_fail(e, spec.name);
            if (et != od::json_type::string)
                throw ClaimError(spec.name, fmt::format("expected a list of tags (strings), found {} in the list",
                                                        kind_name(et)));
            std::string_view tag;
            if (!plain_string(el.raw_json_token(), tag))
                if (auto e = el.get_string().get(tag)) json_fail(e, spec.name);
            add_claim_tag(s_, c, f, tag);
        }
    }

    void read_items(od::value v, Claim& c) {
        od::json_type t;
        if (auto e = v.type().get(t)) json_fail(e, "items");
        if (t == od::json_type::null) throw ClaimError("items", "expected a value, found null");
        if (t != od::json_type::array)
            throw ClaimError("items", fmt::format("expected a list of fee lines, found {}", kind_name(t)));
        od::array arr;
        if (auto e = v.get_array().get(arr)) json_fail(e, "items");
        // The claim's line storage keeps its capacity from claim to claim (Claim::reset),
        // so lines are appended without counting them first.
        for (auto el_result : arr) {
            const std::size_t item = c.item_count;
            od::value el;
            if (auto e = std::move(el_result).get(el)) json_fail(e, "items");
            od::json_type et;
            if (auto e = el.type().get(et)) json_fail(e, "items");
            if (et != od::json_type::object)
                throw ClaimError(fmt::format("items[{}]", item),
                                 fmt::format("expected a fee line object, found {}", kind_name(et)));
            od::object line;
            if (auto e = el.get_object().get(line)) json_fail(e, "items");
            detail::start_item(s_, item_columns_, c);
            seen_item_.assign(s_.item_fields.size(), 0);
            int prev = -1;
            for (auto field_result : line) {
                od::field field;
                if (auto e = std::move(field_result).get(field)) json_fail(e, "items");
                std::string_view key;
                if (auto e = read_key(field, key)) json_fail(e, "items");
                const int f = item_keys_.find(key, prev);
                if (f < 0) throw ClaimError(fmt::format("items[{}].{}", item, key), "unknown field");
                prev = f;
                const auto k = static_cast<std::size_t>(f);
                const FieldSpec& spec = s_.item_fields[k];
                auto name = [&] { return fmt::format("items[{}].{}", item, spec.name); };
                if (seen_item_[k]) throw ClaimError(name(), "duplicate field");
                seen_item_[k] = 1;
                read_scalar(field.value(), s_, spec, name, [&](std::string_view text, bool quoted) {
                    detail::set_item_value(s_, item_columns_, c, item, f, text, quoted);
                });
            }
        }
    }

    // An error row should name its claim even when claim_id came after the
    // offending field: look it up again on error paths only.
    void recover_claim_id(const char* p, std::size_t len, std::size_t capacity, Claim& c) {
        od::document doc;
        if (parser_.iterate(p, len, capacity).get(doc)) return;
        od::object obj;
        if (doc.get_object().get(obj)) return;
        for (auto field_result : obj) {
            od::field field;
            if (std::move(field_result).get(field)) return;
            std::string_view key;
            if (field.unescaped_key().get(key)) return;
            if (key != "claim_id") continue;
            std::string_view id;
            if (field.value().get_string().get(id) == simdjson::SUCCESS) c.claim_id.assign(id);
            return;
        }
    }

    const Schema& s_;
    bool fast_path_;
    detail::PlainClaimReader plain_;
    od::parser parser_;
    KeyLookup claim_keys_, item_keys_;
    std::vector<std::uint8_t> seen_claim_;
    std::vector<std::uint8_t> seen_item_;
    detail::ItemColumns item_columns_{s_};
};

static_assert(ClaimDecoder::padding >= simdjson::SIMDJSON_PADDING);
static_assert(ClaimDecoder::padding >= 32, "the plain-line reader compares up to 32 bytes from a place inside the line");

ClaimDecoder::ClaimDecoder(const Graph& g, bool fast_path) : impl_(std::make_unique<Impl>(g.schema(), fast_path)) {}
ClaimDecoder::~ClaimDecoder() = default;
ClaimDecoder::ClaimDecoder(ClaimDecoder&&) noexcept = default;
ClaimDecoder& ClaimDecoder::operator=(ClaimDecoder&&) noexcept = default;

void ClaimDecoder::decode(std::string_view line, std::size_t readable, ClaimRecord& rec) {
    if (readable >= line.size() + padding) {
        impl_->decode(line.data(), line.size(), readable, rec);
        return;
    }
    decode(line, rec);
}

void ClaimDecoder::decode(std::string_view line, std::size_t readable, ClaimRecord& rec, std::string_view next) {
    // Enough for the claim's own fields, which are read first.
    constexpr std::size_t kAtOnce = 256;
    const std::size_t now = std::min(next.size(), kAtOnce);
    detail::prefetch_lines(next.data(), now);
    // Set for this line only, whatever leaves decode: a later line decoded
    // without `next` must not fetch this one's.
    struct Guard {
        detail::PlainClaimReader::Ahead& range;
        ~Guard() {
            if (range.p < range.end) detail::prefetch_lines(range.p, static_cast<std::size_t>(range.end - range.p));
            range = {};
        }
    } ahead{impl_->ahead()};
    ahead.range = {next.data() + now, next.data() + next.size()};
    decode(line, readable, rec);
}

void ClaimDecoder::decode(std::string_view line, ClaimRecord& rec) {
    std::string& buf = impl_->padded;
    buf.assign(line);
    buf.resize(line.size() + padding, ' ');
    impl_->decode(buf.data(), line.size(), buf.size(), rec);
}

}  // namespace claimgraph
