#include "io/plain_claim.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <simdjson.h>

#include "claimgraph/error.hpp"
#include "io/json_text.hpp"

namespace claimgraph::detail {

namespace {

// Bit i set when byte i of the 16 at p is a quote, a backslash or a control
// character (the bytes a string scan stops at); `high` gets the bytes >= 0x80.
#if defined(__SSE2__)
inline unsigned special_bytes(const char* p, unsigned& high) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    high = static_cast<unsigned>(_mm_movemask_epi8(x));
    const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    const __m128i slash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);  // x <= 0x1F
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control)));
}
// Bit i set when byte i of the 16 at p is a quote or a backslash.
inline unsigned quote_or_slash(const char* p) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')))));
}
// Bit i set when byte i of the 16 at p equals byte i of the 16 at q.
inline unsigned same_bytes(const char* p, const char* q) {
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                                                                  _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)))));
}
#else
inline unsigned special_bytes(const char* p, unsigned& high) {
    unsigned found = 0;
    high = 0;
    for (unsigned i = 0; i < 16; ++i) {
        const auto b = static_cast<unsigned char>(p[i]);
        if (b >= 0x80) high |= 1u << i;
        if (b == '"' || b == '\\' || b < 0x20) found |= 1u << i;
    }
    return found;
}
inline unsigned quote_or_slash(const char* p) {
    unsigned found = 0;
    for (unsigned i = 0; i < 16; ++i)
        if (p[i] == '"' || p[i] == '\\') found |= 1u << i;
    return found;
}
inline unsigned same_bytes(const char* p, const char* q) {
    unsigned found = 0;
    for (unsigned i = 0; i < 16; ++i)
        if (p[i] == q[i]) found |= 1u << i;
    return found;
}
#endif

// UTF-8 as simdjson accepts it: no overlong forms, no surrogates, nothing
// above U+10FFFF. Inline for the short texts of a claim line (a call into
// simdjson's dispatcher costs more than checking a fee line's name).
inline bool valid_utf8(const char* text, std::size_t n) {
    if (n > 64) return simdjson::validate_utf8(text, n);
    const auto* s = reinterpret_cast<const unsigned char*>(text);
    std::size_t i = 0;
    while (i < n) {
        const unsigned b0 = s[i];
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        if (b0 < 0xC2) return false;  // a continuation byte, or an overlong 2-byte form
        if (b0 < 0xE0) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return false;
            i += 2;
            continue;
        }
        if (b0 < 0xF0) {
            if (i + 2 >= n) return false;
            const unsigned b1 = s[i + 1];
            const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;  // overlong
            const unsigned hi = b0 == 0xED ? 0x9F : 0xBF;  // surrogates
            if (b1 < lo || b1 > hi || (s[i + 2] & 0xC0) != 0x80) return false;
            i += 3;
            continue;
        }
        if (b0 > 0xF4 || i + 3 >= n) return false;
        const unsigned b1 = s[i + 1];
        const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;  // overlong
        const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;  // above U+10FFFF
        if (b1 < lo || b1 > hi || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80) return false;
        i += 4;
    }
    return true;
}

// A name the fast path may match against raw line text: one without escapes
// or control characters (simdjson refuses those raw in a string) and valid
// UTF-8. Any other name is swapped for one raw text can never equal (raw text
// never holds a quote), so such a key or label always goes to the full decoder.
std::vector<std::string_view> matchable(std::vector<std::string_view> names) {
    for (auto& n : names) {
        bool ok = simdjson::validate_utf8(n.data(), n.size());
        for (const char ch : n) ok = ok && static_cast<unsigned char>(ch) >= 0x20 && ch != '"' && ch != '\\';
        if (!ok) n = "\"";
    }
    return names;
}

bool delimiter(char ch) {
    return ch == ',' || ch == '}' || ch == ']' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

}  // namespace

PlainClaimReader::Keys::Keys(std::vector<std::string_view> names)
    : lookup(matchable(names)), pattern(names.size()), pattern_bits(names.size(), 0), pattern_size(names.size(), 0),
      next(names.size() + 1, -1) {
    const auto ok = matchable(names);
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string_view n = ok[i];
        if (n == "\"" || n.size() + 3 > 16) continue;  // looked up by hash only
        auto& p = pattern[i];
        p.fill(0);
        p[0] = '"';
        std::memcpy(p.data() + 1, n.data(), n.size());
        p[n.size() + 1] = '"';
        p[n.size() + 2] = ':';
        pattern_size[i] = static_cast<std::uint8_t>(n.size() + 3);
        pattern_bits[i] = (1u << pattern_size[i]) - 1;
    }
}

PlainClaimReader::PlainClaimReader(const Schema& s)
    : s_(s), claim_keys_(claim_keys(s)), item_keys_(item_keys(s)) {
    if (claim_keys_.lookup.size() > 64 || s.item_fields.size() > 64) {
        usable_ = false;  // the full decoder reads every line
        return;
    }
    auto labels_of = [&](const FieldSpec& f) {
        if (f.enum_type < 0 || static_cast<std::size_t>(f.enum_type) >= s.enums.size()) return -1;
        std::vector<std::string_view> names;
        for (const auto& v : s.enums[static_cast<std::size_t>(f.enum_type)].values) names.push_back(v);
        labels_.emplace_back(matchable(std::move(names)));
        return static_cast<int>(labels_.size() - 1);
    };
    auto plan_of = [&](const FieldSpec& f) {
        Plan p;
        if (f.min_value) p.min = *f.min_value;
        switch (f.type) {
            case FieldType::money: p.kind = Kind::money; break;
            case FieldType::ratio: p.kind = Kind::ratio; break;
            case FieldType::count: p.kind = Kind::count; break;
            case FieldType::boolean: p.kind = Kind::boolean; break;
            case FieldType::string: p.kind = Kind::text; break;
            case FieldType::enumeration:
            case FieldType::tags:
                p.labels = labels_of(f);
                if (p.labels >= 0) p.kind = f.type == FieldType::tags ? Kind::tags : Kind::label;
                break;
            default: break;
        }
        return p;
    };
    claim_plan_.resize(kOwnKeys);
    claim_plan_[kClaimId].kind = Kind::claim_id;
    claim_plan_[kMemberId].kind = Kind::member_id;
    claim_plan_[kDate].kind = Kind::date_key;
    claim_plan_[kItems].kind = Kind::items;
    claim_required_ = 1u << kClaimId | 1u << kMemberId | 1u << kDate;
    for (std::size_t i = 0; i < s.claim_fields.size(); ++i) {
        const FieldSpec& f = s.claim_fields[i];
        Plan p = plan_of(f);
        if (p.kind == Kind::money || p.kind == Kind::ratio || p.kind == Kind::count) p.kind = Kind::other;  // rare at claim level
        claim_plan_.push_back(p);
        const std::uint64_t bit = std::uint64_t{1} << (i + kOwnKeys);
        if (f.default_value)
            claim_defaults_ |= bit;
        else if (!f.optional)
            claim_required_ |= bit;
    }
    for (std::size_t i = 0; i < s.item_fields.size(); ++i) {
        const FieldSpec& f = s.item_fields[i];
        Plan p = plan_of(f);
        if (p.kind == Kind::tags) p.kind = Kind::other;  // not a fee-line value: the full decoder says so
        item_plan_.push_back(p);
        item_default_values_.push_back(f.default_value.value_or(0));
        const std::uint64_t bit = std::uint64_t{1} << i;
        if (f.default_value)
            item_defaults_ |= bit;
        else if (!f.optional)
            item_required_ |= bit;
    }
    for (unsigned m = 0; m < 256; ++m)
        for (unsigned b = 0; b < 8; ++b)
            if (m >> b & 1) present_bytes_[m] |= std::uint64_t{1} << (8 * b);  // little-endian bytes
}

bool PlainClaimReader::read(std::string_view line, Claim& c) {
    if (!usable_) return false;
    p_ = line.data();
    end_ = line.data() + line.size();
    try {
        return read_claim(c);
    } catch (const ClaimError&) {
        return false;  // the full decoder words it
    }
}

// A string without escapes or control characters, its UTF-8 checked when it
// is not ASCII. Reads 16 bytes at a time; the line is padded (read() requires
// it), and nothing found past its end counts.
bool PlainClaimReader::read_text(std::string_view& out) {
    if (p_ >= end_ || *p_ != '"') return false;
    const char* s = p_ + 1;
    const char* q = s;
    unsigned found = 0, high = 0, any_high = 0;
    for (; q < end_; q += 16) {
        found = special_bytes(q, high);
        if (found != 0) {
            any_high |= high & ((found & -found) - 1);  // before the stop byte
            break;
        }
        any_high |= high;
    }
    if (found == 0) return false;
    q += __builtin_ctz(found);
    if (q >= end_ || *q != '"') return false;  // past the line, an escape or a control character
    out = std::string_view(s, static_cast<std::size_t>(q - s));
    p_ = q + 1;
    // A text that is kept must be valid UTF-8 (simdjson would refuse the line).
    // Keys, labels and dates need no check: only valid text can match them.
    return any_high == 0 || valid_utf8(out.data(), out.size());
}

bool PlainClaimReader::read_string(std::string_view& out) {
    blanks();
    return read_text(out);
}

// What the full decoder hands a setter: a string's contents (quoted), or a
// number's or boolean's token.
bool PlainClaimReader::read_scalar(std::string_view& text, bool& quoted) {
    blanks();
    if (p_ == end_) return false;
    if (*p_ == '"') {
        quoted = true;
        return read_text(text);
    }
    quoted = false;
    const std::size_t left = static_cast<std::size_t>(end_ - p_);
    if (*p_ == 't' || *p_ == 'f') {
        const std::string_view word = *p_ == 't' ? std::string_view("true") : std::string_view("false");
        if (left < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
        text = std::string_view(p_, word.size());  // in the line, whose padding find_padded may read
        p_ += word.size();
        return true;
    }
    const char* from = p_;
    while (p_ < end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '-' || *p_ == '+' || *p_ == '.' || *p_ == 'e' || *p_ == 'E'))
        ++p_;
    text = std::string_view(from, static_cast<std::size_t>(p_ - from));
    return is_json_number(text);
}

// A key and its colon, and the blanks after them; -1 for a key that is not
// one of `keys` or is not written plainly. First the key that followed `prev`
// last time, as `"key":` in one compare; then a hash of the key's text.
int PlainClaimReader::read_key(Keys& keys, int prev) {
    int& guess = keys.next[static_cast<std::size_t>(prev + 1)];
    if (guess >= 0) {
        const auto g = static_cast<std::size_t>(guess);
        const unsigned bits = keys.pattern_bits[g];
        if ((same_bytes(p_, keys.pattern[g].data()) & bits) == bits && p_ + keys.pattern_size[g] <= end_) {
            p_ += keys.pattern_size[g];
            skip_blanks();
            return guess;
        }
    }
    if (p_ >= end_ || *p_ != '"') return -1;
    const char* s = p_ + 1;
    const unsigned stop = quote_or_slash(s);
    int k = -1;
    if (stop != 0) {
        const unsigned len = static_cast<unsigned>(__builtin_ctz(stop));
        if (s + len >= end_ || s[len] != '"') return -1;
        k = keys.lookup.find_padded(std::string_view(s, len), prev);
        p_ = s + len + 1;
    } else {
        std::string_view key;
        if (!read_text(key)) return -1;
        k = keys.lookup.find_padded(key, prev);
    }
    if (k < 0 || !eat(':')) return -1;
    skip_blanks();
    if (keys.pattern_bits[static_cast<std::size_t>(k)] != 0) guess = k;
    return k;
}

bool PlainClaimReader::read_bool(std::int64_t& v) {
    const std::size_t left = static_cast<std::size_t>(end_ - p_);
    if (left >= 4 && std::memcmp(p_, "true", 4) == 0) {
        v = 1;
        p_ += 4;
        return true;
    }
    if (left >= 5 && std::memcmp(p_, "false", 5) == 0) {
        v = 0;
        p_ += 5;
        return true;
    }
    return false;
}

// An enum label, quoted or not: the index EnumType::index_of gives, by hash.
bool PlainClaimReader::read_label(KeyLookup& labels, std::int64_t& v) {
    if (p_ < end_ && *p_ == '"') {
        const char* s = p_ + 1;
        const unsigned stop = quote_or_slash(s);
        if (stop != 0) {
            const unsigned len = static_cast<unsigned>(__builtin_ctz(stop));
            if (s + len >= end_ || s[len] != '"') return false;
            const int idx = labels.find_padded(std::string_view(s, len), -1);
            if (idx < 0) return false;
            v = idx;
            p_ = s + len + 1;
            return true;
        }
    }
    std::string_view text;
    bool quoted = false;
    if (!read_scalar(text, quoted)) return false;
    const int idx = labels.find_padded(text, -1);  // text is in the padded line
    if (idx < 0) return false;
    v = idx;
    return true;
}

// After a value: 1 on a comma (and the blanks after it), 0 on the closing
// `close`, -1 on anything else.
int PlainClaimReader::next_or_close(char close) {
    if (p_ < end_ && *p_ == ',') {
        ++p_;
        skip_blanks();
        return 1;
    }
    blanks();
    if (p_ < end_ && *p_ == ',') {
        ++p_;
        skip_blanks();
        return 1;
    }
    if (p_ < end_ && *p_ == close) {
        ++p_;
        return 0;
    }
    return -1;
}

bool PlainClaimReader::read_claim(Claim& c) {
    skip_blanks();
    if (p_ >= end_ || *p_ != '{') return false;
    ++p_;
    skip_blanks();
    std::uint64_t seen = 0;
    int prev = -1;
    for (;;) {
        const int k = read_key(claim_keys_, prev);
        if (k < 0) return false;
        const std::uint64_t bit = std::uint64_t{1} << k;
        if (seen & bit) return false;
        seen |= bit;
        prev = k;
        const Plan& plan = claim_plan_[static_cast<std::size_t>(k)];
        const auto f = static_cast<std::size_t>(k - kOwnKeys);
        std::string_view text;
        std::int64_t v = 0;
        switch (plan.kind) {
            case Kind::claim_id:
                if (!read_text(text) || text.empty()) return false;
                c.claim_id.assign(text);
                break;
            case Kind::member_id:
                if (!read_text(text) || text.empty()) return false;
                c.member_id.assign(text);
                break;
            case Kind::date_key:
                if (end_ - p_ >= 12 && p_[0] == '"' && p_[11] == '"') {
                    if (!parse_date(std::string_view(p_ + 1, 10), c.date)) return false;
                    p_ += 12;
                } else if (!read_text(text) || !parse_date(text, c.date)) {
                    return false;
                }
                break;
            case Kind::items:
                if (!read_items(c)) return false;
                break;
            case Kind::boolean:
                if (!read_bool(v)) return false;
                c.fields[f] = v;
                c.present[f] = 1;
                break;
            case Kind::label:
                if (!read_label(labels_[static_cast<std::size_t>(plan.labels)], v)) return false;
                c.fields[f] = v;
                c.present[f] = 1;
                break;
            case Kind::tags:
                if (!read_tags(c, static_cast<int>(f), labels_[static_cast<std::size_t>(plan.labels)])) return false;
                break;
            case Kind::text:
                if (!read_text(text)) return false;
                c.texts.assign(f, text);
                c.present[f] = 1;
                break;
            default: {
                bool quoted = false;
                if (!read_scalar(text, quoted)) return false;
                set_claim_value(s_, c, static_cast<int>(f), text, quoted);
            }
        }
        const int next = next_or_close('}');
        if (next > 0) continue;
        if (next < 0) return false;
        break;
    }
    blanks();
    if (p_ != end_ || (seen & claim_required_) != claim_required_) return false;
    // finish_claim's claim-level defaults.
    for (std::uint64_t m = claim_defaults_ & ~seen; m != 0; m &= m - 1) {
        const auto f = static_cast<std::size_t>(__builtin_ctzll(m) - kOwnKeys);
        c.fields[f] = *s_.claim_fields[f].default_value;
        c.present[f] = 1;
    }
    return true;
}

bool PlainClaimReader::read_tags(Claim& c, int field, KeyLookup& labels) {
    if (p_ >= end_ || *p_ != '[') return false;
    ++p_;
    const auto f = static_cast<std::size_t>(field);
    c.present[f] = 1;  // present, no tags yet
    skip_blanks();
    if (p_ < end_ && *p_ == ']') {
        ++p_;
        return true;
    }
    std::int64_t mask = 0;
    for (;;) {
        std::int64_t idx = 0;
        if (p_ >= end_ || *p_ != '"' || !read_label(labels, idx) || idx >= 63) return false;
        mask |= std::int64_t{1} << idx;
        const int next = next_or_close(']');
        if (next > 0) continue;
        if (next < 0) return false;
        break;
    }
    c.fields[f] = mask;
    return true;
}

bool PlainClaimReader::read_items(Claim& c) {
    if (p_ >= end_ || *p_ != '[') return false;
    ++p_;
    skip_blanks();
    if (p_ < end_ && *p_ == ']') {
        ++p_;
        return true;
    }
    const std::size_t n = s_.item_fields.size();
    std::size_t count = 0, room = 0;
    for (;;) {
        if (p_ >= end_ || *p_ != '{') return false;
        ++p_;
        if (count == room) {
            // Fresh rows are zero, as start_item leaves them; the present
            // flags get 8 bytes of slack for the 8-byte store below.
            room = room == 0 ? 16 : 2 * room;
            c.items.resize(room * n);
            c.item_present.resize(room * n + 8);
            c.item_texts.resize(room * n);
        }
        c.item_count = count + 1;
        const std::size_t row = count * n;
        std::uint64_t seen = 0;
        int prev = -1;
        skip_blanks();
        if (p_ < end_ && *p_ == '}') {
            ++p_;
        } else {
            for (;;) {
                const int f = read_key(item_keys_, prev);
                if (f < 0) return false;
                const std::uint64_t bit = std::uint64_t{1} << f;
                if (seen & bit) return false;
                seen |= bit;
                prev = f;
                const Plan& plan = item_plan_[static_cast<std::size_t>(f)];
                const std::size_t k = row + static_cast<std::size_t>(f);
                std::int64_t v = 0;
                bool done = false;
                switch (plan.kind) {
                    case Kind::money:
                        done = read_plain_amount(v) && v >= plan.min;
                        break;
                    case Kind::text: {
                        std::string_view text;
                        if (!read_text(text)) return false;
                        c.item_texts.assign(k, text);
                        done = true;
                        break;
                    }
                    case Kind::label:
                        if (!read_label(labels_[static_cast<std::size_t>(plan.labels)], v)) return false;
                        done = true;
                        break;
                    case Kind::ratio:
                        done = read_plain_int(v) && v <= 10000 && v >= plan.min;
                        break;
                    case Kind::count:
                        done = read_plain_int(v) && v >= plan.min;
                        break;
                    case Kind::boolean:
                        if (!read_bool(v)) return false;
                        done = true;
                        break;
                    default: break;
                }
                if (done) {
                    c.items[k] = v;
                } else {
                    // Whatever the plain readers above did not take (they
                    // consume nothing when they decline): the setter decides.
                    std::string_view text;
                    bool quoted = false;
                    if (!read_scalar(text, quoted)) return false;
                    set_item_value(s_, c, count, f, text, quoted);
                }
                const int next = next_or_close('}');
                if (next > 0) continue;
                if (next < 0) return false;
                break;
            }
        }
        // finish_claim's fee-line part: required fields, defaults, present flags.
        if ((seen & item_required_) != item_required_) return false;
        for (std::uint64_t m = item_defaults_ & ~seen; m != 0; m &= m - 1) {
            const auto f = static_cast<std::size_t>(__builtin_ctzll(m));
            c.items[row + f] = item_default_values_[f];
        }
        const std::uint64_t present = seen | item_defaults_;
        if (n <= 8) {
            std::memcpy(c.item_present.data() + row, &present_bytes_[present & 0xFF], 8);
        } else {
            for (std::size_t f = 0; f < n; ++f) c.item_present[row + f] = static_cast<std::uint8_t>(present >> f & 1);
        }
        ++count;
        skip_blanks();
        if (p_ < end_ && *p_ == ',') {
            ++p_;
            skip_blanks();
            continue;
        }
        if (p_ < end_ && *p_ == ']') {
            ++p_;
            break;
        }
        return false;
    }
    c.items.resize(count * n);
    c.item_present.resize(count * n);
    c.item_texts.resize(count * n);
    return true;
}

// An amount written the plain way — digits, then at most two decimals, no sign
// or exponent, at most 15 integer digits, followed by a delimiter — read
// straight to fen; what parse_money would read from the same text. False
// with nothing consumed for anything else, which read_scalar and the setters
// then handle, errors included.
bool PlainClaimReader::read_plain_amount(std::int64_t& fen) {
    const char* q = p_;
    auto digit = [&](const char* at) { return at < end_ && *at >= '0' && *at <= '9'; };
    if (!digit(q)) return false;
    std::int64_t yuan = 0;
    const char* first = q;
    while (digit(q)) yuan = yuan * 10 + (*q++ - '0');
    if (q - first > 15 || (*first == '0' && q - first > 1)) return false;
    std::int64_t cents = 0;
    if (q < end_ && *q == '.') {
        ++q;
        if (!digit(q)) return false;
        cents = (*q++ - '0') * 10;
        if (digit(q)) cents += *q++ - '0';
        if (digit(q)) return false;  // a third decimal
    }
    if (q < end_ && !delimiter(*q)) return false;
    fen = yuan * 100 + cents;
    p_ = q;
    return true;
}

// A whole number written plainly (no sign, fraction, exponent or leading
// zero; at most 18 digits, so no overflow), followed by a delimiter: what
// parse_int reads from the same token. False with nothing consumed otherwise.
bool PlainClaimReader::read_plain_int(std::int64_t& v) {
    const char* q = p_;
    auto digit = [&](const char* at) { return at < end_ && *at >= '0' && *at <= '9'; };
    if (!digit(q)) return false;
    std::int64_t x = 0;
    if (*q == '0') {
        ++q;
    } else {
        const char* first = q;
        while (digit(q) && q - first < 18) x = x * 10 + (*q++ - '0');
    }
    if (q < end_ && !delimiter(*q)) return false;  // more digits, a fraction, an exponent, ...
    v = x;
    p_ = q;
    return true;
}

}  // namespace claimgraph::detail
