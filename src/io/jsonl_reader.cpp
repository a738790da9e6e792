// JSON Lines claims in: one claim object per line, decoded against the policy's
// schema with simdjson On-Demand. Every line is parsed on its own, so one bad
// line becomes one error record and cannot disturb its neighbours.
//
// Money never goes through a binary float: numbers are handed on as their raw
// JSON text and converted by claimgraph's own parsers (set_claim_value & co).

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "claimgraph/claim.hpp"
#include "claimgraph/error.hpp"
#include "claimgraph/io.hpp"
#include "io/json_text.hpp"

namespace claimgraph {

namespace {

namespace od = simdjson::ondemand;

// On-Demand does not validate a number token it is not asked to convert, so we do.
using detail::is_json_number;

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
    if (auto e = v.get_string().get(s)) json_fail(e, name);
    return s;
}

class Decoder {
public:
    explicit Decoder(const Schema& s) : s_(s) {}

    // Decodes one line (`len` bytes at `p`, readable up to `capacity`).
    void decode(const char* p, std::size_t len, std::size_t capacity, ClaimRecord& rec) {
        Claim& c = rec.claim;
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

        seen_claim_.assign(s_.claim_fields.size(), 0);
        bool seen_id = false, seen_member = false, seen_date = false, seen_items = false;
        for (auto field_result : obj) {
            od::field field;
            if (auto e = std::move(field_result).get(field)) json_fail(e);
            std::string_view key;
            if (auto e = field.unescaped_key().get(key)) json_fail(e);
            od::value v = field.value();

            if (key == "claim_id") {
                once(seen_id, "claim_id");
                const std::string_view id = read_key_string(v, "claim_id", "a string");
                if (id.empty()) throw ClaimError("claim_id", "expected a non-empty string, found \"\"");
                c.claim_id.assign(id);
            } else if (key == "member_id") {
                once(seen_member, "member_id");
                const std::string_view m = read_key_string(v, "member_id", "a string");
                if (m.empty()) throw ClaimError("member_id", "expected a non-empty string, found \"\"");
                c.member_id.assign(m);
            } else if (key == "date") {
                once(seen_date, "date");
                const std::string_view d = read_key_string(v, "date", "a date \"YYYY-MM-DD\"");
                if (!parse_date(d, c.date))
                    throw ClaimError("date", fmt::format("expected a date \"YYYY-MM-DD\", found \"{}{}\"", clip(d),
                                                         d.size() > kShown ? "..." : ""));
            } else if (key == "items") {
                once(seen_items, "items");
                read_items(v, c);
            } else {
                const int f = s_.claim_field(key);
                if (f < 0) throw ClaimError(std::string(key), "unknown field");
                const auto k = static_cast<std::size_t>(f);
                const FieldSpec& spec = s_.claim_fields[k];
                if (seen_claim_[k]) throw ClaimError(spec.name, "duplicate field");
                seen_claim_[k] = 1;
                if (spec.type == FieldType::tags)
                    read_tags(v, c, f, spec);
                else
                    read_scalar(
                        v, s_, spec, [&] { return spec.name; },
                        [&](std::string_view text, bool quoted) { set_claim_value(s_, c, f, text, quoted); });
            }
        }
        // Anything after the object's closing brace is not one claim per line.
        const char* end = nullptr;
        if (doc.current_location().get(end) == simdjson::SUCCESS)
            throw ClaimError("json", "invalid JSON: trailing content after the claim object");
    }

    static void once(bool& seen, const char* name) {
        if (seen) throw ClaimError(name, "duplicate field");
        seen = true;
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
        // Size the claim's line storage once instead of growing it line by line
        // (count_elements rewinds the array).
        std::size_t lines = 0;
        if (arr.count_elements().get(lines) == simdjson::SUCCESS) {
            const std::size_t n = (c.item_count + lines) * s_.item_fields.size();
            c.items.reserve(n);
            c.item_present.reserve(n);
            c.item_texts.reserve(n);
        }
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
            start_item(s_, c);
            seen_item_.assign(s_.item_fields.size(), 0);
            for (auto field_result : line) {
                od::field field;
                if (auto e = std::move(field_result).get(field)) json_fail(e, "items");
                std::string_view key;
                if (auto e = field.unescaped_key().get(key)) json_fail(e, "items");
                const int f = s_.item_field(key);
                if (f < 0) throw ClaimError(fmt::format("items[{}].{}", item, key), "unknown field");
                const auto k = static_cast<std::size_t>(f);
                const FieldSpec& spec = s_.item_fields[k];
                auto name = [&] { return fmt::format("items[{}].{}", item, spec.name); };
                if (seen_item_[k]) throw ClaimError(name(), "duplicate field");
                seen_item_[k] = 1;
                read_scalar(field.value(), s_, spec, name, [&](std::string_view text, bool quoted) {
                    set_item_value(s_, c, item, f, text, quoted);
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
    od::parser parser_;
    std::vector<std::uint8_t> seen_claim_;
    std::vector<std::uint8_t> seen_item_;
};

bool is_blank(std::string_view line) {
    for (char ch : line)
        if (ch != ' ' && ch != '\t' && ch != '\r') return false;
    return true;
}

// `data` holds `size` bytes of text and is readable up to `capacity` bytes,
// with capacity >= size + SIMDJSON_PADDING.
std::vector<ClaimRecord> decode_all(const Graph& g, const char* data, std::size_t size, std::size_t capacity) {
    const Schema& s = g.schema();
    Decoder decoder(s);
    std::vector<ClaimRecord> out;
    std::size_t pos = 0;
    if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) pos = 3;  // UTF-8 byte order mark
    std::size_t line_no = 0;
    while (pos < size) {
        ++line_no;
        const void* nl = std::memchr(data + pos, '\n', size - pos);
        const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : size;
        std::size_t len = end - pos;
        if (len > 0 && data[pos + len - 1] == '\r') --len;
        const std::string_view line(data + pos, len);
        if (!is_blank(line)) {
            ClaimRecord& rec = out.emplace_back();
            rec.claim.reset(s);
            decoder.decode(data + pos, len, capacity - pos, rec);
            rec.claim.line = line_no;
        }
        pos = end + 1;
    }
    return out;
}

}  // namespace

std::vector<ClaimRecord> read_claims_jsonl(const Graph& g, std::string_view text) {
    // Pad once for the whole text; every line is then parsed in place.
    std::string buf;
    buf.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    buf.assign(text);
    return decode_all(g, buf.data(), buf.size(), buf.capacity());
}

std::vector<ClaimRecord> read_claims_jsonl_file(const Graph& g, const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw std::runtime_error(fmt::format("cannot read claims file {}: is a directory", path));
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error(fmt::format("cannot open claims file {}: {}", path, std::strerror(errno)));
    std::string buf;
    char chunk[1 << 16];
    for (;;) {
        const std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
        buf.append(chunk, n);
        if (n < sizeof chunk) break;
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path, std::strerror(err)));
    buf.reserve(buf.size() + simdjson::SIMDJSON_PADDING);
    return decode_all(g, buf.data(), buf.size(), buf.capacity());
}

}  // namespace claimgraph
