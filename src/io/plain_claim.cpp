#include "io/plain_claim.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <simdjson.h>

#include "claimgraph/error.hpp"
#include "io/json_text.hpp"

namespace claimgraph::detail {

PlainClaimReader::PlainClaimReader(const Schema& s) : s_(s), claim_keys_(claim_keys(s)), item_keys_(item_keys(s)) {
    for (const auto& f : s.item_fields) {
        std::vector<std::string_view> labels;
        if (f.type == FieldType::enumeration && f.enum_type >= 0 && static_cast<std::size_t>(f.enum_type) < s.enums.size())
            for (const auto& v : s.enums[static_cast<std::size_t>(f.enum_type)].values) labels.push_back(v);
        item_labels_.emplace_back(std::move(labels));
    }
}

bool PlainClaimReader::read(std::string_view line, Claim& c) {
    p_ = line.data();
    end_ = line.data() + line.size();
    try {
        if (!read_object(c)) return false;
    } catch (const ClaimError&) {
        return false;  // the full decoder words it
    }
    blanks();
    return p_ == end_;
}

namespace {

// Bit i set when byte i of the 16 at p is a quote, a backslash or a control
// character: the bytes the string scan stops at.
#if defined(__SSE2__)
inline unsigned special_bytes(const unsigned char* p, unsigned& high) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    high = static_cast<unsigned>(_mm_movemask_epi8(x));  // not ASCII
    const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    const __m128i slash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
    const __m128i printable = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x20)), x);  // x >= 0x20
    const unsigned stop = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(quote, slash))) |
                          (~static_cast<unsigned>(_mm_movemask_epi8(printable)) & 0xFFFFu);
    return stop;
}
#else
inline unsigned special_bytes(const unsigned char* p, unsigned& high) {
    unsigned found = 0;
    high = 0;
    for (unsigned i = 0; i < 16; ++i) {
        if (p[i] >= 0x80) high |= 1u << i;
        if (p[i] == '"' || p[i] == '\\' || p[i] < 0x20) found |= 1u << i;
    }
    return found;
}
#endif

}  // namespace

// A string without escapes, its UTF-8 checked when it is not ASCII. Reads
// 16 bytes at a time; the line is padded (read() requires it), and nothing
// found past its end counts.
bool PlainClaimReader::read_string(std::string_view& out) {
    blanks();
    if (p_ == end_ || *p_ != '"') return false;
    const auto* q = reinterpret_cast<const unsigned char*>(++p_);
    const auto* end = reinterpret_cast<const unsigned char*>(end_);
    unsigned found = 0, high = 0, any_high = 0;
    for (; q < end; q += 16) {
        found = special_bytes(q, high);
        if (found != 0) {
            any_high |= high & ((found & -found) - 1);  // before the stop byte
            break;
        }
        any_high |= high;
    }
    if (found == 0) return false;
    q += __builtin_ctz(found);
    if (q >= end || *q != '"') return false;  // past the line, an escape or a control character
    out = std::string_view(p_, static_cast<std::size_t>(reinterpret_cast<const char*>(q) - p_));
    p_ = reinterpret_cast<const char*>(q) + 1;
    // A text that is kept must be valid UTF-8 (simdjson would refuse the line).
    // Keys, labels and dates need no check: only valid text can match them.
    return any_high == 0 || simdjson::validate_utf8(out.data(), out.size());
}

// What the full decoder hands a setter: a string's contents (quoted), or a
// number's or boolean's token.
bool PlainClaimReader::read_scalar(std::string_view& text, bool& quoted) {
    blanks();
    if (p_ == end_) return false;
    if (*p_ == '"') {
        quoted = true;
        return read_string(text);
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

bool PlainClaimReader::read_object(Claim& c) {
    if (!eat('{')) return false;
    seen_claim_.assign(claim_keys_.size(), 0);
    int prev = -1;
    for (;;) {
        std::string_view key, v;
        if (!read_string(key) || !eat(':')) return false;
        const int k = claim_keys_.find_padded(key, prev);
        if (k < 0 || seen_claim_[static_cast<std::size_t>(k)]) return false;
        seen_claim_[static_cast<std::size_t>(k)] = 1;
        prev = k;
        switch (k) {
            case kClaimId:
                if (!read_string(v) || v.empty()) return false;
                c.claim_id.assign(v);
                break;
            case kMemberId:
                if (!read_string(v) || v.empty()) return false;
                c.member_id.assign(v);
                break;
            case kDate:
                if (!read_string(v) || !parse_date(v, c.date)) return false;
                break;
            case kItems:
                if (!read_items(c)) return false;
                break;
            default: {
                const int f = k - kOwnKeys;
                if (s_.claim_fields[static_cast<std::size_t>(f)].type == FieldType::tags) {
                    if (!read_tags(c, f)) return false;
                } else {
                    bool quoted = false;
                    if (!read_scalar(v, quoted)) return false;
                    set_claim_value(s_, c, f, v, quoted);
                }
            }
        }
        if (eat(',')) continue;
        return eat('}');
    }
}

bool PlainClaimReader::read_tags(Claim& c, int field) {
    if (!eat('[')) return false;
    set_claim_value(s_, c, field, "", true);  // present, no tags yet
    if (eat(']')) return true;
    do {
        std::string_view tag;
        if (!read_string(tag)) return false;
        add_claim_tag(s_, c, field, tag);
    } while (eat(','));
    return eat(']');
}

// What set_item_value does for a good amount, label or text, without its
// checks that cannot fail here (the slot exists and is fresh: start_item made
// it and the key was seen once). False: let set_item_value decide.
bool PlainClaimReader::set_item_directly(Claim& c, std::size_t item, int field, std::string_view text, bool quoted) {
    const FieldSpec& f = s_.item_fields[static_cast<std::size_t>(field)];
    const std::size_t k = item * s_.item_fields.size() + static_cast<std::size_t>(field);
    std::int64_t v = 0;
    switch (f.type) {
        case FieldType::money: {
            if (quoted) return false;
            const MoneyParse p = parse_money(text);
            if (!p || (f.min_value && p.value.fen() < *f.min_value)) return false;
            v = p.value.fen();
            break;
        }
        case FieldType::enumeration: {
            // The label is inside the padded line: EnumType::index_of's answer, by hash.
            const int idx = item_labels_[static_cast<std::size_t>(field)].find_padded(text, -1);
            if (idx < 0) return false;
            v = idx;
            break;
        }
        case FieldType::string:
            if (!quoted) return false;
            c.item_texts.assign(k, text);
            break;
        default: return false;
    }
    c.items[k] = v;
    c.item_present[k] = 1;
    return true;
}

bool PlainClaimReader::read_items(Claim& c) {
    if (!eat('[')) return false;
    if (eat(']')) return true;
    const std::size_t nf = s_.item_fields.size();
    do {
        if (!eat('{')) return false;
        const std::size_t item = c.item_count;
        start_item(s_, c);
        if (eat('}')) continue;
        // Fields seen on this line: start_item's slots are fresh and every
        // setter marks its slot present, so a present slot is a repeated key.
        const std::uint8_t* seen = c.item_present.data() + item * nf;
        int prev = -1;
        do {
            std::string_view key, v;
            if (!read_string(key) || !eat(':')) return false;
            const int f = item_keys_.find_padded(key, prev);
            if (f < 0 || seen[f]) return false;
            prev = f;
            const FieldSpec& spec = s_.item_fields[static_cast<std::size_t>(f)];
            blanks();
            std::int64_t fen = 0;
            if (spec.type == FieldType::money && read_plain_amount(fen) && !(spec.min_value && fen < *spec.min_value)) {
                const std::size_t k = item * nf + static_cast<std::size_t>(f);
                c.items[k] = fen;
                c.item_present[k] = 1;
                continue;
            }
            bool quoted = false;
            if (!read_scalar(v, quoted)) return false;
            if (!set_item_directly(c, item, f, v, quoted)) set_item_value(s_, c, item, f, v, quoted);
        } while (eat(','));
        if (!eat('}')) return false;
    } while (eat(','));
    return eat(']');
}

// An amount written the plain way — digits, then at most two decimals, no sign
// or exponent, at most 15 integer digits, followed by a delimiter — read
// straight to fen; what parse_money would read from the same text. False
// (nothing consumed) for anything else, which read_scalar and the setters
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
    if (q < end_ && *q != ',' && *q != '}' && *q != ']' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
        return false;
    fen = yuan * 100 + cents;
    p_ = q;
    return true;
}

}  // namespace claimgraph::detail
