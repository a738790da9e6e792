#include "io/plain_claim.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <simdjson.h>

#include "claimgraph/error.hpp"
#include "io/byte_scan.hpp"
#include "io/json_text.hpp"

namespace claimgraph::detail {

// The digit conversions' 64-bit constants (eight_digits below). Not const and
// of external linkage on purpose: GCC then cannot fold them into immediates
// (a movabs each) and reads each as a memory operand. Never written.
struct SwarConstants {
    std::uint64_t low_nibbles, pair_bytes, quad_halves, octet_mul, cents;
};
SwarConstants swar_constants = {0x0F0F0F0F0F0F0F0Fu, 0x00FF00FF00FF00FFu, 0x0000FFFF0000FFFFu, 42949672960001u,
                                0x0F0F000000000000u};

namespace {

// UTF-8 as simdjson accepts it: no overlong forms, no surrogates, nothing
// above U+10FFFF. Inline for the short texts of a claim line (a call into
// simdjson's dispatcher costs more than checking a fee line's name). The text
// must be in a padded line: a 3-byte character is checked with one 4-byte load.
inline bool valid_utf8(const char* text, std::size_t n) {
    if (n > 64) return simdjson::validate_utf8(text, n);
    const auto* s = reinterpret_cast<const unsigned char*>(text);
    std::size_t i = 0;
#if defined(__SSE2__)
    // Up to five 3-byte characters at once: the first k bytes are leads
    // 1110xxxx at every third place and 10xxxxxx between, with no lead E0 or
    // ED (whose second byte is limited). The scalar loop checks the rest, or
    // everything when this shape does not hold.
    if (n >= 3) {
        const std::size_t k = (n < 15 ? n : 15) / 3 * 3;
        const unsigned bits = (1u << k) - 1;
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
        const unsigned lead = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8(static_cast<char>(0xF0))), _mm_set1_epi8(static_cast<char>(0xE0)))));
        const unsigned cont = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8(static_cast<char>(0xC0))), _mm_set1_epi8(static_cast<char>(0x80)))));
        const unsigned edge = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(0xE0))), _mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(0xED))))));
        constexpr unsigned kLeads = 0x1249;  // places 0, 3, 6, 9, 12
        if ((lead & bits) == (kLeads & bits) && (cont & bits) == (~kLeads & bits) && (edge & bits) == 0) i = k;
    }
#endif
    while (i < n) {
        const unsigned b0 = s[i];
        if (b0 < 0x80) {
            ++i;
            continue;
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (i + 6 <= n) {
            // Two such characters at once, when neither lead byte is E0 or ED
            // (the only leads whose second byte is limited).
            std::uint64_t w;
            std::memcpy(&w, s + i, 8);
            const unsigned b3 = s[i + 3];
            if ((w & 0xC0C0F0C0C0F0u) == 0x8080E08080E0u && b0 != 0xE0 && b0 != 0xED && b3 != 0xE0 && b3 != 0xED) {
                i += 6;
                continue;
            }
        }
        if (i + 3 <= n) {
            std::uint32_t w;
            std::memcpy(&w, s + i, 4);
            if ((w & 0xC0C0F0u) == 0x8080E0u) {  // 1110xxxx 10xxxxxx 10xxxxxx: the usual Chinese character
                const std::uint32_t top = (w & 0x0F) << 6 | (w >> 8 & 0x3F);  // the code point >> 6
                if (top < 0x20 || top - 0x360 < 0x20) return false;         // overlong (< U+0800), a surrogate
                i += 3;
                continue;
            }
        }
#endif
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

using Cursor = PlainClaimReader::Cursor;
// The fee lines' room (rows, text bytes) is made for this many lines at a time.
constexpr std::size_t kRoomRows = 8;
// Bytes a fee line is taken to have when the columns grow for the rest of a line.
constexpr std::size_t kGrowBytes = 80;
#define CG_INLINE inline __attribute__((always_inline))

// A cursor is only ever handed by reference to functions that are inlined, or
// as a copy: once its address escapes into a call, the compiler keeps it in
// memory and reloads it around every store into the claim.
CG_INLINE bool is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }
const char* after_blanks(const char* p, const char* end) {
    while (p < end && is_blank(*p)) ++p;
    return p;
}
CG_INLINE void blanks(Cursor& r) { r.p = after_blanks(r.p, r.end); }
// Blanks are rare: one compare on the usual byte (all JSON blanks are <= ' ').
CG_INLINE void skip_blanks(Cursor& r) {
    if (static_cast<unsigned char>(*r.p) <= ' ') blanks(r);
}
CG_INLINE bool eat(Cursor& r, char ch) {
    blanks(r);
    if (r.p == r.end || *r.p != ch) return false;
    ++r.p;
    return true;
}

// A string without escapes or control characters, its UTF-8 checked when it
// is not ASCII. Reads 16 bytes at a time; the line is padded (read() requires
// it), and nothing found past its end counts.
CG_INLINE bool read_text(Cursor& r, std::string_view& out) {
    if (r.p >= r.end || *r.p != '"') return false;
    const char* s = r.p + 1;
    const char* q = s;
    unsigned found = 0, high = 0, any_high = 0;
    for (; q < r.end; q += 16) {
        found = special_bytes(q, high);
        if (found != 0) {
            any_high |= high & ((found & -found) - 1);  // before the stop byte
            break;
        }
        any_high |= high;
    }
    if (found == 0) return false;
    q += __builtin_ctz(found);
    if (q >= r.end || *q != '"') return false;  // past the line, an escape or a control character
    out = std::string_view(s, static_cast<std::size_t>(q - s));
    r.p = q + 1;
    // A text that is kept must be valid UTF-8 (simdjson would refuse the line).
    // Keys, labels and dates need no check: only valid text can match them.
    return any_high == 0 || valid_utf8(out.data(), out.size());
}

#if defined(__SSE2__)
inline unsigned byte_bits(__m128i m) { return static_cast<unsigned>(_mm_movemask_epi8(m)); }
// True when the first n bytes (n <= 16) of x are whole 3-byte characters
// whose lead lets the second byte be any continuation byte (E1..EC, EE, EF;
// E0 and ED limit theirs): valid UTF-8 with nothing a string scan stops at.
CG_INLINE bool cjk_run(__m128i x, unsigned n) {
    // Each byte moved so that the bytes its place allows start at -128
    // (signed): leads E1..EF (at places 0, 3, 6, 9, 12, 15) to -128..-114,
    // continuation bytes 80..BF (between) stay -128..-65; then one signed
    // compare with each place's end, and no lead ED. Fewer steps than the
    // classes' masks and compares and the leads E0 and ED compared apart.
    const __m128i kShift = _mm_setr_epi8(-0x61, 0, 0, -0x61, 0, 0, -0x61, 0, 0, -0x61, 0, 0, -0x61, 0, 0, -0x61);
    const __m128i kEnd = _mm_setr_epi8(-113, -64, -64, -113, -64, -64, -113, -64, -64, -113, -64, -64, -113, -64, -64, -113);
    const unsigned bits = (1u << n) - 1;
    const unsigned shaped = byte_bits(_mm_cmplt_epi8(_mm_add_epi8(x, kShift), kEnd));
    const unsigned ed = byte_bits(_mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(0xED))));
    return (shaped & bits) == bits && (ed & bits & 0x9249u) == 0;
}

// True when the first n bytes (n < 16) of x are printable ASCII other than a
// backslash (no quote: n is the first one's place) and whole 3-byte
// characters with the leads cjk_run accepts, mixed in any order: valid UTF-8
// by shape. Each lead's two continuation bytes are the places after it, and
// every other byte >= 0x80 refuses the block.
inline bool mixed_run(__m128i x, unsigned n) {
    const unsigned bits = (1u << n) - 1;
    const unsigned high = byte_bits(x);
    const unsigned lead = byte_bits(_mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8(static_cast<char>(0xF0))), _mm_set1_epi8(static_cast<char>(0xE0)))) & bits;
    const unsigned cont = byte_bits(_mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8(static_cast<char>(0xC0))), _mm_set1_epi8(static_cast<char>(0x80)))) & bits;
    // A backslash, a control character (unsigned <= 0x1F), a lead E0 or ED.
    const unsigned odd = byte_bits(_mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\')), _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x)),
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(0xE0))), _mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(0xED))))));
    return ((odd | (high & ~(lead | cont))) & bits) == 0 && cont == (lead << 1 | lead << 2);
}
#endif

// What the full decoder hands a setter: a string's contents (quoted), or a
// number's or boolean's token.
bool scalar_at(Cursor& r, std::string_view& text, bool& quoted) {
    blanks(r);
    if (r.p == r.end) return false;
    if (*r.p == '"') {
        quoted = true;
        return read_text(r, text);
    }
    quoted = false;
    const std::size_t left = static_cast<std::size_t>(r.end - r.p);
    if (*r.p == 't' || *r.p == 'f') {
        const std::string_view word = *r.p == 't' ? std::string_view("true") : std::string_view("false");
        if (left < word.size() || std::memcmp(r.p, word.data(), word.size()) != 0) return false;
        text = std::string_view(r.p, word.size());  // in the line, whose padding find_padded may read
        r.p += word.size();
        return true;
    }
    const char* from = r.p;
    while (r.p < r.end &&
           ((*r.p >= '0' && *r.p <= '9') || *r.p == '-' || *r.p == '+' || *r.p == '.' || *r.p == 'e' || *r.p == 'E'))
        ++r.p;
    text = std::string_view(from, static_cast<std::size_t>(r.p - from));
    return is_json_number(text);
}
CG_INLINE bool read_scalar(Cursor& r, std::string_view& text, bool& quoted) {
    Cursor t = r;
    if (!scalar_at(t, text, quoted)) return false;
    r.p = t.p;
    return true;
}

// After a value: 1 on a comma (and the blanks after it), 0 on the closing
// `close`, -1 on anything else.
int next_or_close_slow(Cursor& r, char close) {
    blanks(r);
    if (r.p < r.end && *r.p == ',') {
        ++r.p;
        skip_blanks(r);
        return 1;
    }
    if (r.p < r.end && *r.p == close) {
        ++r.p;
        return 0;
    }
    return -1;
}
CG_INLINE int next_or_close(Cursor& r, char close) {
    if (r.p < r.end) {
        if (*r.p == ',') {
            ++r.p;
            skip_blanks(r);
            return 1;
        }
        if (*r.p == close) {
            ++r.p;
            return 0;
        }
    }
    Cursor t = r;
    const int next = next_or_close_slow(t, close);
    r.p = t.p;
    return next;
}

CG_INLINE bool read_bool(Cursor& r, std::int64_t& v) {
    const std::size_t left = static_cast<std::size_t>(r.end - r.p);
    if (left >= 4 && std::memcmp(r.p, "true", 4) == 0) {
        v = 1;
        r.p += 4;
        return true;
    }
    if (left >= 5 && std::memcmp(r.p, "false", 5) == 0) {
        v = 0;
        r.p += 5;
        return true;
    }
    return false;
}

// What std::string::assign stores, in place when the id is no longer than
// the one before (a file's ids are about one length): assign's out-of-line
// replace is then not called.
CG_INLINE void assign_id(std::string& s, std::string_view text) {
    const std::size_t n = text.size();
    if (n <= s.size()) {
        // The usual id of 8 to 16 bytes as two 8-byte copies that may overlap
        // (no call to memcpy, and nothing written past the id).
        if (n >= 8 && n <= 16) {
            std::uint64_t head, tail;
            std::memcpy(&head, text.data(), 8);
            std::memcpy(&tail, text.data() + n - 8, 8);
            std::memcpy(s.data(), &head, 8);
            std::memcpy(s.data() + n - 8, &tail, 8);
        } else {
            std::memcpy(s.data(), text.data(), n);
        }
        s.erase(n);  // inline, where resize is a call
    } else {
        s.assign(text);
    }
}

// Bit i set when byte i of the 16 at p is a decimal digit.
#if defined(__SSE2__)
inline unsigned digit_bits(const char* p) {
    // '0'..'9' moved to -128..-119, the only bytes then below -118 (signed):
    // one compare, where an unsigned range took a minimum and a compare.
    const __m128i x = _mm_add_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8(static_cast<char>(0x80 - '0')));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(-118)))));
}
#else
inline unsigned digit_bits(const char* p) {
    unsigned found = 0;
    for (unsigned i = 0; i < 16; ++i)
        if (p[i] >= '0' && p[i] <= '9') found |= 1u << i;
    return found;
}
#endif

// The value of the n (1 to 8) decimal digits at p, 8 bytes readable: all n at
// once, in three multiplications of digit pairs, quads, octets (as in
// simdjson's parse_eight_digits_unrolled).
// The eight digits of w, the first in its low byte (a zero byte is a 0).
// Its 64-bit constants are read from memory (SwarConstants), each an operand
// of its and or multiply: as immediates they took a movabs each, every time,
// in loops with no register to keep them in.
inline std::uint64_t eight_digits(std::uint64_t w) {
    const SwarConstants& k = swar_constants;
    w = (w & k.low_nibbles) * 2561 >> 8;
    w = (w & k.pair_bytes) * 6553601 >> 16;
    return (w & k.quad_halves) * k.octet_mul >> 32;
}
// The same with each byte's high nibble already clear: no first mask.
inline std::uint64_t eight_nibbles(std::uint64_t w) {
    const SwarConstants& k = swar_constants;
    w = w * 2561 >> 8;
    w = (w & k.pair_bytes) * 6553601 >> 16;
    return (w & k.quad_halves) * k.octet_mul >> 32;
}
inline std::uint64_t digits_value(const char* p, unsigned n) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return eight_digits(w << 8 * (8 - n));  // the bytes after the digits out, leading zero digits in
}

// The leading run of digits at p (at most 15 of them, 16 bytes readable), no
// leading zero; 0 when there is no such run.
inline unsigned plain_digits(const char* p) {
    const unsigned n = static_cast<unsigned>(__builtin_ctz(~digit_bits(p)));
    if (n > 15 || (n > 1 && *p == '0')) return 0;
    return n;
}
inline std::uint64_t digits_value_15(const char* p, unsigned n) {
    return n <= 8 ? digits_value(p, n) : digits_value(p, n - 8) * 100000000 + digits_value(p + n - 8, 8);
}

// By the digit bits of an amount's first 9 bytes: n when they are n digits
// (1 to 5), a non-digit, two digits and a non-digit (the usual "75.17"), else 0.
constexpr std::array<std::uint8_t, 512> kAmountDigits = [] {
    std::array<std::uint8_t, 512> t{};
    for (unsigned n = 1; n <= 5; ++n) {
        const unsigned shape = ((1u << n) - 1) | (6u << n);  // bits n and n + 3 clear
        for (unsigned rest = 0; rest < 512; rest += 1u << (n + 4)) t[rest | shape] = static_cast<std::uint8_t>(n);
    }
    return t;
}();

// An amount written the plain way — digits, then at most two decimals, no sign
// or exponent, at most 15 integer digits — read straight to fen: what
// parse_money would read from the same text. False with nothing consumed for
// anything else, which read_scalar and the setters then handle, errors
// included. Whatever follows is the caller's to check: a value followed by
// anything but a blank, a comma or a closing bracket makes the line not plain.
CG_INLINE bool read_plain_amount(Cursor& r, std::int64_t& fen) {
    // Bytes past the line are in its padding; a number that ran into it is refused.
    const char* q = r.p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    {
        // The usual amount, 1 to 5 digits and two decimals ("75.17"): the
        // 8 bytes that end with it, the dot taken out, are its fen as 7
        // digits. Those bytes start at most 4 before the amount, inside the
        // line (its key is before it).
        const unsigned n = kAmountDigits[digit_bits(q) & 0x1FF];
        if (n != 0 && q[n] == '.' && (*q != '0' || n == 1) && q + n + 3 <= r.end) {
            // By n: the low nibbles of the bytes the n digits take once moved
            // up over the dot (the bytes before them, the key's, go in the
            // same step), those of the two decimals, and nothing else.
            static constexpr std::uint64_t kYuan[6] = {0, 0x00000F0000000000u, 0x00000F0F00000000u, 0x00000F0F0F000000u,
                                                       0x00000F0F0F0F0000u, 0x00000F0F0F0F0F00u};
            std::uint64_t w;
            std::memcpy(&w, q + n - 5, 8);
            fen = static_cast<std::int64_t>(eight_nibbles((w & swar_constants.cents) | (w << 8 & kYuan[n])));
            r.p = q + n + 3;
            return true;
        }
    }
#endif
    const unsigned n = plain_digits(q);
    if (n == 0) return false;
    const std::uint64_t yuan = digits_value_15(q, n);
    q += n;
    std::uint64_t cents = 0;
    if (*q == '.') {
        const unsigned d1 = static_cast<unsigned char>(q[1]) - unsigned{'0'};
        const unsigned d2 = static_cast<unsigned char>(q[2]) - unsigned{'0'};
        if (d1 > 9) return false;
        if (d2 > 9) {
            cents = d1 * 10;
            q += 2;
        } else {
            if (static_cast<unsigned char>(q[3]) - unsigned{'0'} <= 9) return false;  // a third decimal
            cents = d1 * 10 + d2;
            q += 3;
        }
    }
    if (q > r.end) return false;
    fen = static_cast<std::int64_t>(yuan * 100 + cents);
    r.p = q;
    return true;
}

// A whole number written plainly (no sign, fraction, exponent or leading
// zero; at most 15 digits): what parse_int reads from the same token. False
// with nothing consumed otherwise; what follows is the caller's to check, as
// for amounts.
CG_INLINE bool read_plain_int(Cursor& r, std::int64_t& v) {
    // The usual one digit (a quantity), without the digit run's mask and conversion.
    const unsigned d0 = static_cast<unsigned char>(r.p[0]) - unsigned{'0'}, d1 = static_cast<unsigned char>(r.p[1]) - unsigned{'0'};
    if (d0 <= 9 && d1 > 9 && r.p < r.end) {
        v = d0;
        ++r.p;
        return true;
    }
    const unsigned n = plain_digits(r.p);
    if (n == 0 || r.p + n > r.end) return false;
    v = static_cast<std::int64_t>(digits_value_15(r.p, n));
    r.p += n;
    return true;
}

}  // namespace

template <std::size_t Quote>
void Patterns<Quote>::add(std::string_view bytes, int value) {
    if (bytes.size() > 32 || bytes.size() < Quote + 3 || count_ == kMax || value < 0 || value > UINT16_MAX) return;
    for (std::size_t i = 0; i < count_; ++i)
        if (std::string_view(entries_[i].bytes.data(), entries_[i].size) == bytes) return;
    const std::size_t at = bucket(bytes.data());
    auto& b = buckets_[at];
    std::size_t slot = 0;
    while (slot < b.size() && b[slot] != kEmpty) ++slot;
    if (slot == b.size()) return;
    Entry& e = entries_[count_];
    std::memcpy(e.bytes.data(), bytes.data(), bytes.size());
    e.size = static_cast<std::uint8_t>(bytes.size());
    e.mask = bytes.size() == 32 ? ~0u : (1u << bytes.size()) - 1;
    e.value = static_cast<std::uint16_t>(value);
    e.two_blocks = bytes.size() > 16;
    b[slot] = static_cast<std::uint8_t>(count_++);
    Head& h = heads_[at];
    if (slot == 0 && !e.two_blocks) {
        std::memcpy(h.bytes.data(), e.bytes.data(), h.bytes.size());
        h.free = 0xFFFFu & ~e.mask;
        h.value = e.value;
        h.size = e.size;
    } else {
        h = Head{};
    }
}

template <std::size_t Quote>
CG_INLINE int Patterns<Quote>::match(const char* p, const char* end, std::size_t& size) const {
    const Head& h = heads_[bucket(p)];
    // The head's block aligned (Head is): the compare takes it from memory.
#if defined(__SSE2__)
    const unsigned same = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_load_si128(reinterpret_cast<const __m128i*>(h.bytes.data())))));
#else
    const unsigned same = same_bytes(p, h.bytes.data());
#endif
    if ((same | h.free) != 0xFFFFu || p + h.size > end)
        return match_rest(p, end, size);
    size = h.size;
    return h.value;
}

template <std::size_t Quote>
int Patterns<Quote>::match_rest(const char* p, const char* end, std::size_t& size) const {
    for (const std::uint8_t i : buckets_[bucket(p)]) {
        if (i == kEmpty) break;
        const Entry& e = entries_[i];
        std::uint32_t same = same_bytes(p, e.bytes.data());
        if (e.two_blocks) same |= same_bytes(p + 16, e.bytes.data() + 16) << 16;
        if ((same & e.mask) == e.mask && p + e.size <= end) {
            size = e.size;
            return e.value;
        }
    }
    return -1;
}

PlainClaimReader::Keys::Keys(std::vector<std::string_view> names) : lookup(matchable(names)) {
    const auto ok = matchable(names);
    for (std::size_t i = 0; i < ok.size(); ++i) {
        if (ok[i] == "\"") continue;
        std::string key = "\"";  // appended, not "\"" + ...: GCC 12 warns of a false -Wrestrict there
        key.append(ok[i]).append("\":");
        patterns.add(key, static_cast<int>(i));
        after_comma.add("," + key, static_cast<int>(i));
    }
}

PlainClaimReader::Labels::Labels(std::vector<std::string_view> names) : lookup(matchable(names)) {
    digit.fill(-1);
    one_byte.fill(-1);
    for (std::size_t i = std::min<std::size_t>(names.size(), INT8_MAX); i-- > 0;) {  // the first one wins
        const auto b = names[i].empty() ? 0u : static_cast<unsigned char>(names[i][0]);
        if (names[i].size() == 1 && b >= 0x20 && b < 0x80 && b != '"' && b != '\\') one_byte[b] = static_cast<std::int8_t>(i);
    }
    for (std::size_t i = names.size(); i-- > 0;)  // the first one wins, as in EnumType::index_of
        if (names[i].size() == 1 && names[i][0] >= '0' && names[i][0] <= '9') digit[static_cast<std::size_t>(names[i][0] - '0')] = static_cast<int>(i);
    const auto ok = matchable(names);
    for (std::size_t i = 0; i < ok.size(); ++i)
        if (ok[i] != "\"") patterns.add(std::string("\"").append(ok[i]).append("\""), static_cast<int>(i));
}

PlainClaimReader::PlainClaimReader(const Schema& s) : s_(s), claim_keys_(claim_keys(s)), item_keys_(item_keys(s)) {
    {
        DateSlot none;
        std::memcpy(&none.head, "1970-01-", 8);
        std::memcpy(&none.tail, "01", 2);
        dates_.fill(none);
    }
    if (claim_keys_.lookup.size() > 64 || s.item_fields.size() > 64) {
        usable_ = false;  // the full decoder reads every line
        return;
    }
    auto labels_of = [&](const FieldSpec& f) {
        if (f.enum_type < 0 || static_cast<std::size_t>(f.enum_type) >= s.enums.size()) return -1;
        std::vector<std::string_view> names;
        for (const auto& v : s.enums[static_cast<std::size_t>(f.enum_type)].values) names.push_back(v);
        labels_.emplace_back(std::move(names));
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
        if (f.type == FieldType::string) claim_text_fields_.push_back(i);
        Plan p = plan_of(f);
        if (p.kind == Kind::money || p.kind == Kind::ratio || p.kind == Kind::count) p.kind = Kind::other;  // rare at claim level
        claim_plan_.push_back(p);
        const std::uint64_t bit = std::uint64_t{1} << (i + kOwnKeys);
        claim_row_.push_back(f.default_value.value_or(0));
        if (f.default_value)
            claim_defaults_ |= bit;
        else if (!f.optional)
            claim_required_ |= bit;
        else
            claim_optional_ |= bit;
    }
    item_width_ = s.item_width();
    for (std::size_t i = 0; i < s.item_fields.size(); ++i) {
        const FieldSpec& f = s.item_fields[i];
        Plan p = plan_of(f);
        if (p.kind == Kind::tags) p.kind = Kind::other;  // not a fee-line value: the full decoder says so
        item_plan_.push_back(p);
        // Any kind a fee line cannot hold as claim_id, the one after the fee
        // line's own: the switch in read_item then covers every value it can
        // meet, with no range check before its jump.
        item_kind_[i] = p.kind < Kind::claim_id ? p.kind : Kind::claim_id;
        if (const int column = s.item_column(static_cast<int>(i)); column >= 0) {
            item_column_[i] = static_cast<std::uint8_t>(column);
            item_row_[static_cast<std::size_t>(column)] = f.default_value.value_or(0);
        }
        if (p.kind == Kind::text) item_text_room_ += 32 * kRoomRows;
        const std::uint64_t bit = std::uint64_t{1} << i;
        if (f.default_value)
            item_defaults_ |= bit;
        else if (!f.optional)
            item_required_ |= bit;
    }
    for (std::size_t k = 0; k < claim_plan_.size(); ++k) {  // labels_ is complete: its elements stay put
        claim_kind_[k] = claim_plan_[k].kind;
        if (claim_plan_[k].labels >= 0) claim_labels_[k] = &labels_[static_cast<std::size_t>(claim_plan_[k].labels)];
    }
    for (std::size_t i = 0; i < item_plan_.size(); ++i) {
        item_min_[i] = item_plan_[i].min;
        if (item_plan_[i].labels >= 0) item_labels_[i] = &labels_[static_cast<std::size_t>(item_plan_[i].labels)];
    }
    for (std::size_t k = 0; k < claim_keys_.lookup.size(); ++k) {
        const std::string_view name = claim_keys_.lookup.name(k);
        char buf[96] = {};
        const std::size_t size = name.size() + 4;
        if (size > 32) continue;
        buf[0] = ',';
        buf[1] = '"';
        std::memcpy(buf + 2, name.data(), name.size());
        buf[name.size() + 2] = '"';
        buf[name.size() + 3] = ':';
        std::size_t found = 0;
        if (claim_keys_.after_comma.match(buf, buf + size, found) != static_cast<int>(k) || found != size) continue;
        NextKey& e = claim_key_after_comma_[k];
        std::memcpy(e.bytes.data(), buf, 32);
        e.size = static_cast<std::uint8_t>(size);
        e.mask = size == 32 ? ~0u : (1u << size) - 1;
        e.key = static_cast<std::int8_t>(k);
    }
    plan_label_run(s);
    plan_item_start(s);
    plan_item_heads();
    plan_item_tail(s);
    plan_item_ints(s);
    for (unsigned m = 0; m < 256; ++m) {
        unsigned char bytes[8];
        const std::uint64_t given = m | item_defaults_;
        for (unsigned b = 0; b < 8; ++b) bytes[b] = static_cast<unsigned char>(given >> b & 1);
        std::memcpy(&present_bytes_[m], bytes, 8);
        if ((m & item_required_) != item_required_) present_bytes_[m] |= kMissingRequired;
    }
}

// The first label field followed by a money field, when both keys are found
// whole by after_comma (so the run reads what the general loop would).
void PlainClaimReader::plan_label_run(const Schema& s) {
    for (std::size_t i = 0; i + 1 < s.item_fields.size(); ++i) {
        if (item_plan_[i].kind != Kind::label || item_plan_[i + 1].kind != Kind::money) continue;
        auto after_comma = [](std::string_view name) {
            std::string key = ",\"";
            key.append(name);
            key.append("\":");
            return key;
        };
        const std::string label = after_comma(s.item_fields[i].name), money = after_comma(s.item_fields[i + 1].name);
        const std::string run = label + "\"_\"" + money;
        if (run.size() > 32) continue;
        auto whole_key = [&](const std::string& key, std::size_t field) {
            char buf[64] = {};  // match reads 32 bytes
            std::memcpy(buf, key.data(), key.size());
            std::size_t found = 0;
            return item_keys_.after_comma.match(buf, buf + key.size(), found) == static_cast<int>(field) && found == key.size();
        };
        if (!whole_key(label, i) || !whole_key(money, i + 1)) continue;
        LabelRun& e = item_run_;
        std::memcpy(e.bytes.data(), run.data(), run.size());
        e.at = label.size() + 1;
        e.bytes[e.at] = 0;
        e.mask = (run.size() == 32 ? ~0u : (1u << run.size()) - 1) & ~(1u << e.at);
        e.size = run.size();
        e.label = i;
        e.money = static_cast<int>(i + 1);
        e.label_column = item_column_[i];
        e.money_column = item_column_[i + 1];
        e.fields = std::uint64_t{3} << i;
        e.one_byte = &item_labels_[i]->one_byte;
        return;
    }
}

// `{"key":"` for the first fee-line field when it is a text whose key
// patterns finds whole (so the start reads what the general one would).
void PlainClaimReader::plan_item_start(const Schema& s) {
    if (s.item_fields.empty() || item_plan_[0].kind != Kind::text) return;
    std::string key = "\"";
    key.append(s.item_fields[0].name);
    key.append("\":");
    char buf[64] = {};  // match reads 32 bytes
    if (key.size() + 2 > 16) return;
    std::memcpy(buf, key.data(), key.size());
    std::size_t found = 0;
    if (item_keys_.patterns.match(buf, buf + key.size(), found) != 0 || found != key.size()) return;
    ItemStart& e = item_start_;
    e.bytes[0] = '{';
    std::memcpy(e.bytes.data() + 1, key.data(), key.size());
    e.bytes[key.size() + 1] = '"';
    e.size = key.size() + 2;
    e.mask = (1u << e.size) - 1;
}

// The usual start, a text of each length it can have with its closing quote
// in the start's 16 bytes, and the label run after it, when the schema has both.
void PlainClaimReader::plan_item_heads() {
    const ItemStart& start = item_start_;
    const LabelRun& run = item_run_;
    if (start.size == 0 || run.money < 0) return;
    item_run_one_byte_ = *run.one_byte;
    item_head_seen_ = 1 | run.fields;
    item_head_text_ = 0xFFFFu & ~((1u << start.size) - 1);
    for (std::size_t n = 0; start.size + n < 16; ++n) {
        const std::size_t quote = start.size + n, size = quote + 1 + run.size;
        if (size > 48) break;
        ItemHead& h = item_heads_[quote];
        h.label = static_cast<std::uint8_t>(quote + 1 + run.at);
        h.end = static_cast<std::uint8_t>(size);
        std::memcpy(h.bytes.data(), start.bytes.data(), start.size);
        h.bytes[quote] = '"';
        std::memcpy(h.bytes.data() + quote + 1, run.bytes.data(), run.size);
        h.mask = ((std::uint64_t{1} << start.size) - 1) | std::uint64_t{1} << quote | std::uint64_t{run.mask} << (quote + 1);
    }
}

// `,"key":"` for the first text field after the usual start's, when the
// label run is planned (the tail is tried only after it) and after_comma
// finds the key whole (so the tail reads what the general loop would).
void PlainClaimReader::plan_item_tail(const Schema& s) {
    if (item_start_.size == 0 || item_run_.money < 0) return;
    for (std::size_t i = 1; i < s.item_fields.size(); ++i) {
        if (item_plan_[i].kind != Kind::text) continue;
        std::string key = ",\"";
        key.append(s.item_fields[i].name);
        key.append("\":");
        if (key.size() + 1 > 16) return;
        char buf[64] = {};  // match reads 32 bytes
        std::memcpy(buf, key.data(), key.size());
        std::size_t found = 0;
        if (item_keys_.after_comma.match(buf, buf + key.size(), found) != static_cast<int>(i) || found != key.size()) return;
        ItemTail& e = item_tail_;
        std::memcpy(e.bytes.data(), key.data(), key.size());
        e.bytes[key.size()] = '"';
        e.quote = static_cast<std::uint32_t>(key.size());
        e.free = 0xFFFFu & ~((1u << (key.size() + 1)) - 1);
        e.field = i;
        e.bit = std::uint64_t{1} << i;
        return;
    }
}

// The first count field followed by a money field (CountRun), and the first
// ratio or count field of neither (IntKey), when the head is planned (they are
// tried only after it), neither is one of the head's or the tail's fields, and
// after_comma finds their keys whole (so they read what the general loop would).
void PlainClaimReader::plan_item_ints(const Schema& s) {
    if (item_start_.size == 0 || item_run_.money < 0) return;
    const std::uint64_t taken = item_head_seen_ | item_tail_.bit;
    auto after_comma = [](std::string_view name) {
        std::string key = ",\"";
        key.append(name);
        key.append("\":");
        return key;
    };
    auto whole_key = [&](const std::string& key, std::size_t field) {
        char buf[64] = {};  // match reads 32 bytes
        if (key.size() > 32) return false;
        std::memcpy(buf, key.data(), key.size());
        std::size_t found = 0;
        return item_keys_.after_comma.match(buf, buf + key.size(), found) == static_cast<int>(field) && found == key.size();
    };
    for (std::size_t i = 0; i + 1 < s.item_fields.size(); ++i) {
        if (item_plan_[i].kind != Kind::count || item_plan_[i + 1].kind != Kind::money) continue;
        const std::uint64_t fields = std::uint64_t{3} << i;
        if (taken & fields) continue;
        const std::string count = after_comma(s.item_fields[i].name), money = after_comma(s.item_fields[i + 1].name);
        const std::string run = count + "0" + money;
        if (run.size() > 32 || !whole_key(count, i) || !whole_key(money, i + 1)) continue;
        CountRun& e = item_count_run_;
        std::memcpy(e.bytes.data(), run.data(), run.size());
        e.at = count.size();
        e.bytes[e.at] = 0;
        e.free = ~((std::uint64_t{1} << run.size()) - 1) | std::uint64_t{1} << e.at;
        e.free &= 0xFFFFFFFFu;
        e.size = run.size();
        e.count = i;
        e.money = i + 1;
        e.count_column = item_column_[i];
        e.money_column = item_column_[i + 1];
        e.fields = fields;
        break;
    }
    for (std::size_t i = 0; i < s.item_fields.size(); ++i) {
        if (item_plan_[i].kind != Kind::ratio && item_plan_[i].kind != Kind::count) continue;
        const std::uint64_t bit = std::uint64_t{1} << i;
        if ((taken | item_count_run_.fields) & bit) continue;
        const std::string key = after_comma(s.item_fields[i].name);
        if (key.size() > 16 || !whole_key(key, i)) continue;
        IntKey& e = item_int_;
        std::memcpy(e.bytes.data(), key.data(), key.size());
        e.size = static_cast<std::uint32_t>(key.size());
        e.free = 0xFFFFu & ~((1u << key.size()) - 1);
        e.field = i;
        e.column = item_column_[i];
        e.bit = bit;
        e.max = item_plan_[i].kind == Kind::ratio ? 10000 : INT64_MAX;
        break;
    }
}

bool PlainClaimReader::read(std::string_view line, Claim& c) {
    if (!usable_) return false;
    // What Claim::reset does, but for the values a read line always sets
    // (ids, date, every field and fee-line slot it keeps): the fee lines'
    // storage keeps its size, so that no claim zero-fills it again.
    const std::size_t n = s_.claim_fields.size();
    if (c.fields.size() != n) c.fields.assign(n, 0);
    if (c.present.size() != n) c.present.assign(n, 0);
    // Only string fields' slots ever hold a text (set_value's, read_value's):
    // the others stay "" from claim to claim, and need no zero-fill.
    if (c.texts.spans_.size() == n) {
        c.texts.used_ = 0;
        for (const std::size_t f : claim_text_fields_) c.texts.spans_[f] = 0;
    } else {
        c.texts.clear();
        c.texts.resize(n);
    }
    c.item_count = 0;
    c.line = 0;
    Cursor r{line.data(), line.data() + line.size()};
    try {
        return read_claim(r, c);
    } catch (const ClaimError&) {
        return false;  // the full decoder words it
    }
}

// The pattern at the cursor and the blanks after it: its value, or -1.
template <std::size_t Quote>
CG_INLINE int read_pattern(Cursor& r, const Patterns<Quote>& patterns) {
    std::size_t size = 0;
    const int k = patterns.match(r.p, r.end, size);
    if (k >= 0) {
        r.p += size;
        skip_blanks(r);
    }
    return k;
}

// A key and its colon, and the blanks after them; -1 for a key that is not
// one of `keys` or is not written plainly.
CG_INLINE int PlainClaimReader::read_key(Cursor& r, Keys& keys) {
    if (const int k = read_pattern(r, keys.patterns); k >= 0) return k;
    // Blanks before the colon, a long key, or not a key of this object.
    std::string_view key;
    if (!read_text(r, key)) return -1;
    const int found = keys.lookup.find_padded(key, -1);
    if (found < 0 || !eat(r, ':')) return -1;
    skip_blanks(r);
    return found;
}

constexpr int kClosed = -2;
// After a value: the next key as read_key reads it, kClosed after the
// object's closing brace, or -1.
CG_INLINE int PlainClaimReader::next_key(Cursor& r, Keys& keys) {
    if (*r.p == ',') {  // in the line or its padding: the match is within the line
        if (const int k = read_pattern(r, keys.after_comma); k >= 0) return k;
    }
    const int next = next_or_close(r, '}');
    if (next <= 0) return next == 0 ? kClosed : -1;
    return read_key(r, keys);
}

// A quoted label that is one of the patterns.
CG_INLINE bool PlainClaimReader::match_label(Cursor& r, const Labels& labels, std::int64_t& v) {
    std::size_t size = 0;
    const int k = labels.patterns.match(r.p, r.end, size);
    if (k < 0) return false;
    v = k;
    r.p += size;
    return true;
}

// An enum label, quoted or not: the index EnumType::index_of gives.
CG_INLINE bool PlainClaimReader::read_label(Cursor& r, Labels& labels, std::int64_t& v) {
    if (*r.p == '"' && match_label(r, labels, v)) return true;
    std::string_view text;
    bool quoted = false;
    if (!read_scalar(r, text, quoted)) return false;
    const int idx = labels.lookup.find_padded(text, -1);  // text is in the padded line
    if (idx < 0) return false;
    v = idx;
    return true;
}

// The same in a fee line, where it may call nothing but the UTF-8 check: a
// label other than a quoted one or a one-digit number makes the line not plain.
CG_INLINE bool PlainClaimReader::read_item_label(Cursor& r, Labels& labels, std::int64_t& v) {
    if (r.p[0] == '"' && r.p[2] == '"' && r.p + 3 <= r.end) {  // the usual one-letter label, in one look-up
        const int one = labels.one_byte[static_cast<unsigned char>(r.p[1])];
        if (one >= 0) {
            v = one;
            r.p += 3;
            return true;
        }
    }
    if (match_label(r, labels, v)) return true;
    const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(*r.p)) - '0';
    if (d <= 9 && labels.digit[d] >= 0 && r.p + 1 < r.end && delimiter(r.p[1])) {
        v = labels.digit[d];
        ++r.p;
        return true;
    }
    std::string_view text;
    if (!read_text(r, text)) return false;
    const int idx = labels.lookup.find_padded(text, -1);  // text is in the padded line
    v = idx;
    return idx >= 0;
}

// The 10 bytes at text (a padded line's) as parse_date reads them, the day
// of the same bytes read before taken from dates_.
CG_INLINE bool PlainClaimReader::read_date(const char* text, Date& d) {
    std::uint64_t head;
    std::uint16_t tail;
    std::memcpy(&head, text, 8);
    std::memcpy(&tail, text + 8, 2);
    DateSlot& slot = dates_[((head ^ std::uint64_t{tail} << 20) * 0x9E3779B97F4A7C15u) >> (64 - kDateBits)];
    if (slot.head == head && slot.tail == tail) {
        d.days = slot.days;
        return true;
    }
    if (!parse_date(std::string_view(text, 10), d)) return false;
    slot.head = head;
    slot.tail = tail;
    slot.days = d.days;
    return true;
}

// The value of a claim key of this kind (f: its claim field, labels: its
// enum's), stored as the setters would store it.
CG_INLINE bool PlainClaimReader::read_value(Kind kind, std::size_t f, Labels* labels, Cursor& r, Claim& c) {
    // Each case its own text: one whose address escapes (read_scalar)
    // would otherwise be zeroed for every key.
    std::int64_t v = 0;
    switch (kind) {
        case Kind::claim_id: {
            std::string_view text;
            if (!read_text(r, text) || text.empty()) return false;
            assign_id(c.claim_id, text);
            return true;
        }
        case Kind::member_id: {
            std::string_view text;
            if (!read_text(r, text) || text.empty()) return false;
            assign_id(c.member_id, text);
            return true;
        }
        case Kind::date_key:
            if (std::string_view text; r.end - r.p >= 12 && r.p[0] == '"' && r.p[11] == '"') {
                if (!read_date(r.p + 1, c.date)) return false;
                r.p += 12;
            } else if (!read_text(r, text) || !parse_date(text, c.date)) {
                return false;
            }
            return true;
        case Kind::items:
            r.p = read_items(r, c);
            return r.p != nullptr;
        case Kind::boolean:
            if (!read_bool(r, v)) return false;
            c.fields[f] = v;
            c.present[f] = 1;
            return true;
        case Kind::label: {
            // A one-digit number and its delimiter (hosp_lv: 2).
            const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(*r.p)) - '0';
            if (d <= 9 && labels->digit[d] >= 0 && r.p + 1 < r.end && delimiter(r.p[1])) {
                v = labels->digit[d];
                ++r.p;
            } else if (!read_label(r, *labels, v)) {
                return false;
            }
            c.fields[f] = v;
            c.present[f] = 1;
            return true;
        }
        case Kind::tags:
            if (r.p[0] == '[' && r.p[1] == ']' && r.p + 2 <= r.end) {  // the usual empty list, without a call
                c.fields[f] = 0;
                c.present[f] = 1;
                r.p += 2;
                return true;
            }
            r.p = read_tags(r, c, f, *labels);
            return r.p != nullptr;
        case Kind::text: {
            std::string_view text;
            if (!read_text(r, text)) return false;
            c.texts.assign_padded(f, text);
            c.fields[f] = 0;
            c.present[f] = 1;
            return true;
        }
        // Every kind is listed, the numbers' too (the plan makes them
        // `other` at claim level): the switch then jumps with no range check.
        case Kind::money:
        case Kind::ratio:
        case Kind::count:
        case Kind::other: {
            std::string_view text;
            bool quoted = false;
            if (!read_scalar(r, text, quoted)) return false;
            c.present[f] = 0;  // left from an earlier claim; the caller has ruled out a duplicate
            set_claim_value(s_, c, static_cast<int>(f), text, quoted);
            return true;
        }
        default: __builtin_unreachable();
    }
}

// Whether the line holds the step's key at the cursor, whole and within the
// line. A key matched into the padding could not change a result (the cursor
// never comes back to the line's end), but the values after it would be read
// from further and further past it.
CG_INLINE bool PlainClaimReader::follows(const Step& step, const Cursor& r) const {
    unsigned same = same_bytes(r.p, step.bytes.data());  // in the line or its padding
    if (step.size > 16) same |= same_bytes(r.p + 16, step.bytes.data() + 16) << 16;
    return (same & step.mask) == step.mask && r.p + step.size <= r.end;
}

// Key k at place i of the line, the keys before it (`seen`) those of the
// order's first i steps: the order's step i, or its end when the key has no
// pattern read whole (a long key, one sharing a full bucket). The step after
// the order's last is one that never matches.
void PlainClaimReader::learn_step(std::size_t i, int k, std::uint64_t seen) {
    const NextKey& key = claim_key_after_comma_[static_cast<std::size_t>(k)];
    if (i + 1 >= order_.size() || key.key != k) {
        order_[i] = Step{};
        order_size_ = i;
        return;
    }
    Step& step = order_[i];
    std::memcpy(step.bytes.data(), key.bytes.data(), step.bytes.size());
    if (i == 0) step.bytes[0] = '{';
    step.mask = key.mask;
    step.size = key.size;
    step.kind = claim_kind_[static_cast<std::size_t>(k)];
    step.field = static_cast<std::uint16_t>(k >= kOwnKeys ? k - kOwnKeys : 0);
    step.labels = claim_labels_[static_cast<std::size_t>(k)];
    step.seen = seen | std::uint64_t{1} << k;
    order_[i + 1] = Step{};
    order_size_ = i + 1;
}

bool PlainClaimReader::read_claim(Cursor r, Claim& c) {
    skip_blanks(r);
    if (r.p >= r.end || *r.p != '{') return false;
    std::uint64_t seen = 0;
    std::size_t i = 0;  // the keys read so far
    int k = -1;
    // The key order of the line before, as far as this line follows it: no
    // key look-up or duplicate check (the order's keys are distinct).
    if (const Step* step = order_.data(); follows(*step, r)) {
        do {
            r.p += step->size;
            skip_blanks(r);
            if (!read_value(step->kind, step->field, step->labels, r, c)) return false;
        } while (follows(*++step, r));
        i = static_cast<std::size_t>(step - order_.data());
        seen = step[-1].seen;
        k = next_key(r, claim_keys_);
    } else {
        ++r.p;
        skip_blanks(r);
        k = read_key(r, claim_keys_);
    }
    // The rest key by key. The order's first i steps stay this line's first
    // i keys (each key read here is learnt in its place), so it stays distinct.
    while (k != kClosed) {
        if (k < 0) return false;
        const std::uint64_t bit = std::uint64_t{1} << k;
        if (seen & bit) return false;
        if (i <= order_size_) learn_step(i, k, seen);
        seen |= bit;
        ++i;
        const auto f = static_cast<std::size_t>(k - kOwnKeys);
        if (!read_value(claim_kind_[static_cast<std::size_t>(k)], f, claim_labels_[static_cast<std::size_t>(k)], r, c))
            return false;
        k = next_key(r, claim_keys_);
    }
    blanks(r);
    if (r.p != r.end || (seen & claim_required_) != claim_required_) return false;
    // finish_claim's claim-level defaults, and reset's zeros for the other
    // fields not given.
    for (std::uint64_t m = (claim_defaults_ | claim_optional_) & ~seen; m != 0; m &= m - 1) {
        const auto bit = static_cast<unsigned>(__builtin_ctzll(m));
        const std::size_t f = bit - kOwnKeys;
        c.fields[f] = claim_row_[f];
        c.present[f] = static_cast<std::uint8_t>(claim_defaults_ >> bit & 1);
    }
    if ((seen & std::uint64_t{1} << kItems) == 0) no_items(c);
    return true;
}

const char* PlainClaimReader::read_tags(Cursor r, Claim& c, std::size_t f, Labels& labels) {
    if (r.p >= r.end || *r.p != '[') return nullptr;
    ++r.p;
    c.fields[f] = 0;
    c.present[f] = 1;  // present, no tags yet
    skip_blanks(r);
    if (r.p < r.end && *r.p == ']') {
        return r.p + 1;
    }
    std::int64_t mask = 0;
    for (;;) {
        std::int64_t idx = 0;
        if (r.p >= r.end || *r.p != '"' || !read_label(r, labels, idx) || idx >= 63) return nullptr;
        mask |= std::int64_t{1} << idx;
        const int next = next_or_close(r, ']');
        if (next > 0) continue;
        if (next < 0) return nullptr;
        break;
    }
    c.fields[f] = mask;
    return r.p;
}

void PlainClaimReader::no_items(Claim& c) {
    c.items.clear();
    c.item_present.clear();
    c.item_texts.clear();
}

const char* PlainClaimReader::read_items(Cursor r, Claim& c) {
    if (r.p >= r.end || *r.p != '[') return nullptr;
    ++r.p;
    skip_blanks(r);
    if (r.p < r.end && *r.p == ']') {
        no_items(c);
        return r.p + 1;
    }
    // Each its own loop: the row's width and copies then need no test. (No
    // fee-line field at all: the wide loop, which counts its rows.)
    const std::size_t n = s_.item_fields.size();
    return n <= 8 && n > 0 ? read_rows<true>(r, c) : read_rows<false>(r, c);
}

template <bool Narrow>
const char* PlainClaimReader::read_rows(Cursor r, Claim& c) {
    const std::size_t n = s_.item_fields.size(), w = item_width_;
    // What one row writes, slack included: its presence flags and text
    // slots (a slot per field), its values (a column per field not a text).
    const std::size_t width = Narrow ? 8 : n, value_width = Narrow ? 8 : w;
    const std::uint64_t required = item_required_, defaults = item_defaults_;
    TextColumn& texts = c.item_texts;
    texts.used_ = 0;  // the characters go; the slots stay, each set again below
    // The columns as an earlier claim left them: every slot of a row is
    // written before it is kept, so they need no zero-fill, only growing
    // (which zero-fills what is new).
    std::size_t size = std::min(c.item_present.size(), texts.spans_.size());
    std::size_t value_size = c.items.size();
    std::size_t count = 0;  // the wide rows' count; a narrow row's is row / n (n > 0)
    std::int64_t* values = c.items.data();
    std::uint8_t* present = c.item_present.data();
    std::uint64_t* spans = texts.spans_.data();
    ItemTexts item_texts{texts.chars_.data(), 0, texts.chars_.size(), spans, &texts};
    std::size_t row = 0;        // the next row's first slot: count * n
    std::size_t value_row = 0;  // and its first value: count * w
    std::size_t room = 0;       // the rows left before room must be made again
    // A line's ~20 cache lines asked for at once wait for the cache's few
    // outstanding misses: one a fee line, as this claim is read, does not.
    const char* ahead_p = ahead.p;
    const char* const ahead_end = ahead.end;
    for (;;) {
        if (ahead_p < ahead_end) {
            __builtin_prefetch(ahead_p);
            ahead_p += 64;
        }
        // One test a row: texts' room is made for kRoomRows rows at a time,
        // and the columns grow only for a row that does not fit. They are cut
        // to the claim's rows at its end, and growing zero-fills what is new,
        // so a claim grows them only when it has more rows than the one before.
        if (room == 0) {
            make_text_room(item_texts);
            if (row + width > size || value_row + value_width > value_size) {
                // As many rows as the rest of the line might hold at
                // kGrowBytes a row (at least kRoomRows): one growth for most claims.
                const std::size_t rows = std::max<std::size_t>(kRoomRows, static_cast<std::size_t>(r.end - r.p) / kGrowBytes);
                size = row + rows * n + width;
                value_size = value_row + rows * w + value_width;
                c.items.resize(value_size);
                c.item_present.resize(size);
                texts.spans_.resize(size);
                values = c.items.data();
                present = c.item_present.data();
                spans = texts.spans_.data();
                item_texts.spans = spans;
            }
            // The rows that fit in every column, at most kRoomRows.
            room = kRoomRows;
            if (n != 0) room = std::min(room, (size - width - row) / n + 1);
            if (w != 0) room = std::min(room, (value_size - value_width - value_row) / w + 1);
        }
        --room;
        // The defaults (finish_claim's), and zeros as start_item leaves them,
        // before the fields overwrite theirs; no texts yet.
        if constexpr (Narrow) {
            std::memcpy(values + value_row, item_row_.data(), 8 * sizeof(std::int64_t));
            std::memset(spans + row, 0, 8 * sizeof(std::uint64_t));
        } else {
            std::memcpy(values + value_row, item_row_.data(), w * sizeof(std::int64_t));
            for (std::size_t f = 0; f < n; ++f) spans[row + f] = 0;
        }
        const Item line = read_item(r.p, r.end, values + value_row, item_texts, row);
        if (line.p == nullptr) return nullptr;
        r.p = line.p;
        if constexpr (Narrow) {
            // The required fields' test in the same look-up (n <= 8: every bit of seen is in it).
            const std::uint64_t bytes = present_bytes_[line.seen & 0xFF];
            std::memcpy(present + row, &bytes, 8);
            if (bytes & kMissingRequired) return nullptr;
        } else {
            if ((line.seen & required) != required) return nullptr;
            const std::uint64_t given = line.seen | defaults;
            for (std::size_t f = 0; f < n; ++f) present[row + f] = static_cast<std::uint8_t>(given >> f & 1);
            ++count;
        }
        row += n;
        value_row += w;
        if (r.p < r.end && *r.p == ',') {  // the usual comma: the blanks after it are read_item's
            ++r.p;
            continue;
        }
        const int next = next_or_close(r, ']');
        if (next > 0) continue;
        if (next < 0) return nullptr;
        break;
    }
    ahead.p = ahead_p;
    texts.used_ = item_texts.used;
    c.item_count = Narrow ? row / n : count;
    c.items.resize(value_row);
    c.item_present.resize(row);
    texts.spans_.resize(row);
    return r.p;
}

// The label run at the cursor (LabelRun): its label stored, the cursor after
// the money field's key and the blanks after it. False with nothing changed
// on any other bytes or a label other than a one-byte one (the general loop
// then reads them). Tried only right after the usual start, whose text field
// is neither of the run's: neither can have been seen yet.
// Its bytes may be matched into the padding: the amount read after it must
// end within the line, and a run past the line's end leaves the cursor past
// it, so the line is then refused (the label stored from the padding with it).
CG_INLINE bool PlainClaimReader::read_label_run(Cursor& r, std::int64_t* row) const {
    const LabelRun& run = item_run_;
    const std::uint32_t same = same_bytes(r.p, run.bytes.data()) | same_bytes(r.p + 16, run.bytes.data() + 16) << 16;  // in the line or its padding
    if ((same & run.mask) != run.mask) return false;
    const int v = (*run.one_byte)[static_cast<unsigned char>(r.p[run.at])];
    if (v < 0) return false;
    row[run.label_column] = v;
    r.p += run.size;
    skip_blanks(r);
    return true;
}

// A fee line that starts `{"code":"` (its first field a text, as the
// schema lists it): the cursor at the text's quote, as the general start and
// read_key leave it. False with nothing changed on any other bytes.
// Its bytes may be matched into the padding: the text read after it must end
// within the line, and a start past the line's end leaves the text's quote
// past it, so the line is then refused.
CG_INLINE bool PlainClaimReader::read_item_start(Cursor& r) const {
    const ItemStart& start = item_start_;
    if ((same_bytes(r.p, start.bytes.data()) & start.mask) != start.mask) return false;  // in the line or its padding
    r.p += start.size - 1;
    return true;
}

// The usual start, its text and the label run (ItemHead) at the cursor: the
// text stored with the start's bytes before it (the block loaded from the
// brace; the span points past them), the label as
// read_label_run, the cursor after the money field's key and the blanks after
// it. False with nothing changed on any other bytes (the parts are then tried
// one by one). Its bytes may be matched into the padding: the amount read
// after it must end within the line, so a head past the line's end refuses it.
CG_INLINE bool PlainClaimReader::read_item_head(Cursor& r, ItemTexts& t, std::size_t slot, std::int64_t* row) const {
#if defined(__SSE2__)
    const char* p = r.p;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    // As in read_item_text_at: the text is plain ASCII when its first quote,
    // backslash, control character or byte >= 0x80 is a quote. The places
    // are the line's (the start's own bytes masked out), so that the head
    // is found by its quote's place with no shift.
    const unsigned stops = byte_bits(_mm_or_si128(_mm_or_si128(quote, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                                                  _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)))) & item_head_text_;
    if ((stops & -stops & byte_bits(quote)) == 0) return false;
    const unsigned q = static_cast<unsigned>(__builtin_ctz(stops));
    const ItemHead& h = item_heads_[q];
    // The head's blocks are aligned (ItemHead is): each compare takes its block from memory.
    const auto* b = reinterpret_cast<const __m128i*>(h.bytes.data());
    auto same_at = [&](std::size_t i) {
        return byte_bits(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), _mm_load_si128(b + i)));
    };
    const std::uint64_t same = byte_bits(_mm_cmpeq_epi8(x, _mm_load_si128(b))) | same_at(1) << 16 | std::uint64_t{same_at(2)} << 32;
    if ((same & h.mask) != h.mask) return false;
    const int v = item_run_one_byte_[static_cast<unsigned char>(p[h.label])];
    if (v < 0) return false;
    // The block as loaded goes into the column, the start's bytes before
    // the text with it (left unused: no second load of the text).
    const std::size_t from = item_start_.size;  // the text's first byte
    _mm_storeu_si128(reinterpret_cast<__m128i*>(t.chars + t.used), x);
    t.spans[slot] = static_cast<std::uint64_t>(t.used + from) << 32 | (q - from);
    t.used += q;
    row[item_run_.label_column] = v;
    r.p = p + h.end;
    skip_blanks(r);
    return true;
#else
    (void)r, (void)t, (void)slot, (void)row;
    return false;
#endif
}

// same_bytes of p and a 16-byte block that is 16-byte aligned (ItemTail's,
// IntKey's), so that the compare takes the block straight from memory.
CG_INLINE unsigned same_aligned(const char* p, const char* aligned) {
#if defined(__SSE2__)
    return byte_bits(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                                    _mm_load_si128(reinterpret_cast<const __m128i*>(aligned))));
#else
    return same_bytes(p, aligned);
#endif
}

// The tail (ItemTail) at the cursor: the cursor at its text's quote, as
// next_key and the blanks after it leave it. False with nothing changed on
// any other bytes. Its bytes may be matched into the padding: the text read
// after it must end within the line, so a tail past the line's end refuses it.
CG_INLINE bool PlainClaimReader::read_item_tail(Cursor& r) const {
    const ItemTail& tail = item_tail_;
    // In the line or its padding; its free bytes or-ed in.
    if ((same_aligned(r.p, tail.bytes.data()) | tail.free) != 0xFFFFu) return false;
    r.p += tail.quote;
    return true;
}

// The int key (IntKey) at the cursor: the cursor at its value, as next_key
// and the blanks after it leave it. False with nothing changed on any other
// bytes. Its bytes may be matched into the padding: the number read after it
// must end within the line.
CG_INLINE bool PlainClaimReader::read_int_key(Cursor& r) const {
    const IntKey& key = item_int_;
    if ((same_aligned(r.p, key.bytes.data()) | key.free) != 0xFFFFu) return false;
    r.p += key.size;
    skip_blanks(r);
    return true;
}

// The count run (CountRun) at the cursor: its count stored (one digit, at
// least the field's minimum), the cursor after the money field's key and the
// blanks after it. False with nothing changed on any other bytes (the general
// loop then reads them, and refuses what this refuses). Its bytes may be
// matched into the padding: the amount read after it must end within the line.
CG_INLINE bool PlainClaimReader::read_count_run(Cursor& r, std::int64_t* row) const {
    const CountRun& run = item_count_run_;
    const std::uint64_t same = same_bytes(r.p, run.bytes.data()) | same_bytes(r.p + 16, run.bytes.data() + 16) << 16;  // in the line or its padding
    if ((same | run.free) != 0xFFFFFFFFu) return false;
    const std::int64_t d = static_cast<std::int64_t>(static_cast<unsigned char>(r.p[run.at])) - '0';
    if (static_cast<std::uint64_t>(d) > 9 || d < item_min_[run.count]) return false;
    row[run.count_column] = d;
    r.p += run.size;
    skip_blanks(r);
    return true;
}

CG_INLINE void PlainClaimReader::make_text_room(ItemTexts& t) const {
    if (t.size - t.used >= item_text_room_) return;
    t.column->used_ = t.used;
    t.column->grow(item_text_room_);
    t.chars = t.column->chars_.data();
    t.size = t.column->chars_.size();
}

// A fee line's text into the column, as read_text and assign_padded would
// store it.
CG_INLINE bool PlainClaimReader::read_item_text(Cursor& r, ItemTexts& t, std::size_t slot) const {
    if (*r.p != '"') return false;  // in the line or its padding; a text past the line finds its quote there, refused below
    return read_item_text_at(r, t, slot);
}

// The same at a quote. The usual texts take one or two 16-byte loads, which
// are also what is copied (make_text_room made room for them): ASCII up to
// 15 bytes (a code), or up to ten 3-byte characters whose leads need no range
// check (a Chinese name: valid UTF-8 by shape). Anything else goes the
// general way.
CG_INLINE bool PlainClaimReader::read_item_text_at(Cursor& r, ItemTexts& t, std::size_t slot) const {
#if defined(__SSE2__)
    const char* s = r.p + 1;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    const unsigned quotes = byte_bits(quote);
    unsigned n;
    // By the first byte: plain ASCII can only start below 0x80, the
    // characters of a block only at a lead (>= 0x80).
    if ((byte_bits(x) & 1) == 0) {
        // A quote, a backslash, a control character or a byte >= 0x80 (signed < 0x20).
        const unsigned stops = byte_bits(_mm_or_si128(_mm_or_si128(quote, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                                                      _mm_cmplt_epi8(x, _mm_set1_epi8(0x20))));
        if ((stops & -stops & quotes) == 0) goto mixed;
        n = static_cast<unsigned>(__builtin_ctz(stops));  // plain ASCII
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t.chars + t.used), x);
    } else if (quotes != 0) {
        n = static_cast<unsigned>(__builtin_ctz(quotes));
        if ((0x9249u >> n & 1) == 0 || !cjk_run(x, n)) goto mixed;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t.chars + t.used), x);
    } else {
        // Past 16 bytes: the next block from byte 15, a lead's place.
        const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 15));
        const unsigned more = byte_bits(_mm_cmpeq_epi8(y, _mm_set1_epi8('"')));
        const unsigned m = more == 0 ? 16 : static_cast<unsigned>(__builtin_ctz(more));
        if ((0x9249u >> m & 1) == 0 || !cjk_run(x, 16) || !cjk_run(y, m)) goto general;
        n = 15 + m;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t.chars + t.used), x);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t.chars + t.used + 15), y);
    }
stored:
    if (s + n >= r.end) return false;  // the quote is past the line
    t.spans[slot] = static_cast<std::uint64_t>(t.used) << 32 | n;
    t.used += n;
    r.p = s + n + 1;
    return true;
mixed:
    // ASCII and such 3-byte characters mixed, up to 15 bytes (胸部CT).
    if (quotes == 0) goto general;
    n = static_cast<unsigned>(__builtin_ctz(quotes));
    if (!mixed_run(x, n)) goto general;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(t.chars + t.used), x);
    goto stored;
general:
#endif
    r.p = read_item_text_slow(r, *t.column, t.used, slot);
    t.used = t.column->used_;
    t.chars = t.column->chars_.data();
    t.size = t.column->chars_.size();
    return r.p != nullptr;
}

// Any other text: read_text and assign_padded, the column's state handed over
// by value (a cursor or state whose address escaped would live in memory).
// Then room again for the texts of as many rows as make_text_room makes room
// for (those left of its rows, this one's other texts): assign_padded makes
// room for its own text only.
const char* PlainClaimReader::read_item_text_slow(Cursor r, TextColumn& column, std::size_t used, std::size_t slot) const {
    column.used_ = used;
    std::string_view text;
    if (!read_text(r, text)) return nullptr;
    column.assign_padded(slot, text);  // the text is in the padded line
    if (column.chars_.size() - column.used_ < item_text_room_) column.grow(item_text_room_);
    return r.p;
}

// One fee line, blanks before it and braces included, from p: its values
// into the claim's items from `first` on. With a cursor of its own, and no
// call but the UTF-8 check on its way: the fields' loop then keeps its state
// in registers. So a value the plain readers decline, which the setters would
// take or word an error about, makes the line not plain here.
CG_INLINE PlainClaimReader::Item PlainClaimReader::read_item(const char* p, const char* end, std::int64_t* row, ItemTexts& texts, std::size_t first) {
    Cursor r{p, end};
    std::uint64_t seen = 0, before = 0;
    // Declared before the loop: the usual start jumps into it, and the label
    // run after it to its money field's value (run_amount) with the field
    // already known, no key look-up.
    int f = 0;
    std::size_t k = 0;
    std::int64_t v = 0;
    if (read_item_head(r, texts, first, row)) {  // at the money field's value
        seen = item_head_seen_;
        goto run_amount;
    }
    if (read_item_start(r)) {  // at the first field's text, the field read_key would give
        if (!read_item_text_at(r, texts, first)) return {};
        seen = 1;
        if (read_label_run(r, row)) {  // at the money field's value
            seen |= item_run_.fields;
            goto run_amount;
        }
        f = next_key(r, item_keys_);
        goto loop;
    }
    if (r.p[0] == '{' && r.p[1] == '"') {  // the usual start (in the line or its padding: the key matches only within the line)
        ++r.p;
    } else {
        skip_blanks(r);  // after the comma before the fee line
        if (r.p >= r.end || *r.p != '{') return {};
        ++r.p;
        skip_blanks(r);
        if (r.p < r.end && *r.p == '}') return {r.p + 1, 0};
    }
    f = read_key(r, item_keys_);
    goto loop;
run_amount:
    // The label run's money field, as the loop's money case reads it, then
    // the usual text key after it.
    f = item_run_.money;
    if (!read_plain_amount(r, v) || v < item_min_[static_cast<std::size_t>(f)]) return {};
    row[item_run_.money_column] = v;
    if (read_item_tail(r)) {  // at the text's quote
        seen |= item_tail_.bit;
        if (!read_item_text_at(r, texts, first + item_tail_.field)) return {};
    }
    // The usual fee line ends here: the runs are tried only on a comma (in
    // the line or its padding; what is read after them must end within the line).
    if (*r.p == ',') {
        if (read_int_key(r)) {  // at its value
            const std::size_t g = item_int_.field;
            seen |= item_int_.bit;
            if (!read_plain_int(r, v) || v > item_int_.max || v < item_min_[g]) return {};
            row[item_int_.column] = v;
        }
        if (*r.p == ',' && read_count_run(r, row)) {  // at the money field's value
            const std::size_t g = item_count_run_.money;
            seen |= item_count_run_.fields;
            if (!read_plain_amount(r, v) || v < item_min_[g]) return {};
            row[item_count_run_.money_column] = v;
        }
    }
    f = next_key(r, item_keys_);
loop:
    while (f != kClosed) {
        if (f < 0) return {};
        k = static_cast<std::size_t>(f);
        before = seen;
        seen |= std::uint64_t{1} << k;
        if (seen == before) return {};  // given twice (set and test in one: no bit test before)
        v = 0;
        switch (item_kind_[k]) {
            case Kind::money:
                if (!read_plain_amount(r, v) || v < item_min_[k]) return {};
                break;
            case Kind::text:
                if (!read_item_text(r, texts, first + k)) return {};
                f = next_key(r, item_keys_);
                continue;
            case Kind::label:
                if (!read_item_label(r, *item_labels_[k], v)) return {};
                break;
            case Kind::ratio:
                if (!read_plain_int(r, v) || v > 10000 || v < item_min_[k]) return {};
                break;
            case Kind::count:
                if (!read_plain_int(r, v) || v < item_min_[k]) return {};
                break;
            case Kind::boolean:
                if (!read_bool(r, v)) return {};
                break;
            case Kind::claim_id: return {};  // not a fee-line value: the full decoder says so
            default: __builtin_unreachable();
        }
        row[item_column_[k]] = v;
        f = next_key(r, item_keys_);
    }
    return {r.p, seen};
}

}  // namespace claimgraph::detail
