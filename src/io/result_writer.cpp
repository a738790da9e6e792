// Settlement results out: one JSON object per line (optionally with a
// per-stage detail), or CSV rows; amounts as two-decimal strings. Everything is
// appended to the caller's buffer; nothing else is allocated per field.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "claimgraph/io.hpp"
#include "io/json_text.hpp"

namespace claimgraph {

namespace {

using detail::append_json_string;
using detail::utf8_length;

// Longest amount text: "-92233720368547758.08" with its quotes.
constexpr std::size_t kMaxAmount = 23;

// The 8 decimal digits of v < 10^8, most significant first in memory, as
// the values 0..9 (not yet ASCII): each step splits every lane of the word in
// two at once (10^4, then 100, then 10), the divisions done as multiplications
// exact for the lane's range. A row's dozen amounts are the writer's hot loop.
inline std::uint64_t eight_digits(std::uint32_t v) {
    std::uint64_t x = (v / 10000) | std::uint64_t{v % 10000} << 32;           // 32-bit lanes < 10^4
    const std::uint64_t h = ((x * 10486) >> 20) & 0x0000007F0000007FULL;      // lane / 100
    x = h | (x - h * 100) << 16;                                               // 16-bit lanes < 100
    const std::uint64_t t = ((x * 103) >> 10) & 0x000F000F000F000FULL;        // lane / 10
    return t | (x - t * 10) << 8;                                              // bytes < 10
}

// Amounts below this many fen (a million yuan) have 8 digits or fewer.
constexpr std::uint64_t kEightDigits = 100000000;

#if defined(__SSE2__)
// eight_digits of a and of b at once: a in the low half of the register, b in
// the high. The same splits: 10^4 in 32-bit lanes, 100 in 16-bit lanes, 10
// within them, each division a multiplication exact for the lane's range.
inline void eight_digits_2(std::uint32_t a, std::uint32_t b, std::uint64_t& da, std::uint64_t& db) {
    const __m128i x = _mm_set_epi64x(b, a);
    const __m128i q = _mm_srli_epi64(_mm_mul_epu32(x, _mm_set1_epi64x(3518437209)), 45);  // x / 10^4
    const __m128i r = _mm_sub_epi32(x, _mm_mul_epu32(q, _mm_set1_epi64x(10000)));
    const __m128i y = _mm_or_si128(q, _mm_slli_epi64(r, 32));                         // 32-bit lanes < 10^4
    // GCC would multiply by 100 and 10 in shifts and adds (9 instructions):
    // the constants hidden from it, one pmullw each.
    __m128i c100 = _mm_set1_epi16(100), c10 = _mm_set1_epi16(10);
#if defined(__GNUC__)
    __asm__("" : "+x"(c100), "+x"(c10));
#endif
    const __m128i h = _mm_srli_epi16(_mm_mulhi_epu16(y, _mm_set1_epi16(5243)), 3);    // lane / 100
    const __m128i z = _mm_or_si128(h, _mm_slli_epi32(_mm_sub_epi16(y, _mm_mullo_epi16(h, c100)), 16));
    const __m128i t = _mm_mulhi_epu16(z, _mm_set1_epi16(6554));                         // 16-bit lane / 10
    const __m128i d = _mm_or_si128(t, _mm_slli_epi16(_mm_sub_epi16(z, _mm_mullo_epi16(t, c10)), 8));
    da = static_cast<std::uint64_t>(_mm_cvtsi128_si64(d));
    db = static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(d, d)));
}
#endif

// Writes an amount in fen as yuan with exactly two decimals: 1234.56, 0.05,
// -0.05 (same text as format_money), quoted as a JSON string or bare; returns
// the end. At most kMaxAmount bytes are written.
char* write_long_amount(char* p, std::int64_t fen, bool quoted);

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline char* write_amount(char* p, std::int64_t fen, bool quoted) {
    const std::uint64_t mag0 = fen < 0 ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
    if (mag0 < 100000000) {  // under a million yuan: nearly every amount
        const std::uint64_t d = eight_digits(static_cast<std::uint32_t>(mag0));
        // Leading zeros of the yuan part go, down to one digit ("0.05").
        const unsigned zeros = d == 0 ? 5 : std::min(5u, static_cast<unsigned>(__builtin_ctzll(d)) / 8);
        // The text in two registers, not assembled in memory byte by byte: a
        // 16-byte load of bytes just stored one at a time waits for them.
        // Bytes 0-5: yuan digits; 6: '.'; 7 and the next word's 0: the cents.
        const std::uint64_t ascii = d + 0x3030303030303030ULL;
        const std::uint64_t lo = (ascii & 0x0000FFFFFFFFFFFFULL) | std::uint64_t{'.'} << 48 | (ascii & 0x00FF000000000000ULL) << 8;
        const std::uint64_t hi = ascii >> 56;
        const unsigned __int128 text = (static_cast<unsigned __int128>(hi) << 64 | lo) >> (8 * zeros);
        *p = '"';
        p += quoted;
        *p = '-';
        p += fen < 0;
        std::memcpy(p, &text, 16);  // 9 - zeros of them count
        p += 9 - zeros;
        *p = '"';
        return p + quoted;
    }
    return write_long_amount(p, fen, quoted);
}

// write_amount's rare case, out of line so that the common one needs no
// registers saved.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
char* write_long_amount(char* p, std::int64_t fen, bool quoted) {
    // Digits two at a time from the right into a scratch buffer, then one copy:
    // 13 amounts per row make this the writer's hot loop.
    static constexpr char kPairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char tmp[kMaxAmount + 1];
    char* end = tmp + sizeof tmp;
    char* q = end;
    if (quoted) *--q = '"';
    std::uint64_t mag = fen < 0 ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
    const auto cents = static_cast<unsigned>(mag % 100);
    q -= 2;
    std::memcpy(q, kPairs + 2 * cents, 2);
    *--q = '.';
    mag /= 100;
    while (mag >= 100) {
        q -= 2;
        std::memcpy(q, kPairs + 2 * (mag % 100), 2);
        mag /= 100;
    }
    if (mag >= 10) {
        q -= 2;
        std::memcpy(q, kPairs + 2 * mag, 2);
    } else {
        *--q = static_cast<char>('0' + mag);
    }
    if (fen < 0) *--q = '-';
    if (quoted) *--q = '"';
    // Two overlapping fixed-size copies instead of a call to memcpy.
    const auto n = static_cast<std::size_t>(end - q);
    if (n >= 16) {
        std::memcpy(p, q, 16);
        std::memcpy(p + n - 16, q + n - 16, 16);
    } else if (n >= 8) {
        std::memcpy(p, q, 8);
        std::memcpy(p + n - 8, q + n - 8, 8);
    } else {  // at least 4: "0.00"
        std::memcpy(p, q, 4);
        std::memcpy(p + n - 4, q + n - 4, 4);
    }
    return p + n;
}

void append_amount(std::string& out, std::int64_t fen, bool quoted) {
    char buf[kMaxAmount];
    out.append(buf, static_cast<std::size_t>(write_amount(buf, fen, quoted) - buf));
}

// Rows are written through a raw cursor into room made once per row (a
// resize to an upper bound, then back to what was written), which is what
// makes the writer cheap: no capacity check or length update per piece.
char* make_room(std::string& out, std::size_t bound) {
    const std::size_t at = out.size();
    out.resize(at + bound);
    return out.data() + at;
}

void trim_to(std::string& out, const char* end) { out.resize(static_cast<std::size_t>(end - out.data())); }

char* put(char* p, std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

void append_money(std::string& out, std::int64_t fen) { append_amount(out, fen, true); }

void append_error(std::string& out, std::string_view field, std::string_view message) {
    out.append("\"error\":{\"field\":");
    append_json_string(out, field);
    out.append(",\"message\":");
    append_json_string(out, message);
    out.push_back('}');
}

}  // namespace

void write_result_json(const Graph& g, const Settlement& s, std::string& out) {
    out.append("{\"claim_id\":");
    append_json_string(out, s.claim_id);
    switch (s.status) {
        case SettleStatus::settled: {
            const auto& names = g.output_names();
            if (s.outputs.size() != names.size()) {  // never pass off a short row as a result
                out.push_back(',');
                append_error(out, "",
                             fmt::format("internal error: the settlement has {} outputs, the policy declares {}",
                                         s.outputs.size(), names.size()));
                break;
            }
            // A batch's settlements are rarely in cache: fetch the amounts
            // while the names are checked.
            for (std::size_t i = 0; i < s.outputs.size(); i += 8) __builtin_prefetch(s.outputs.data() + i);
            std::size_t bound = 0;
            bool plain = true;
            for (const auto& name : names) {
                bound += name.size() + 5 + kMaxAmount;  // ,"name":amount
                plain = plain && detail::is_plain_json(name);
            }
            if (plain) {
                char* p = make_room(out, bound);
                for (std::size_t i = 0; i < names.size(); ++i) {
                    p = put(p, ",\"");
                    p = put(p, names[i]);
                    p = put(p, "\":");
                    p = write_amount(p, s.outputs[i].fen(), true);
                }
                trim_to(out, p);
                break;
            }
            for (std::size_t i = 0; i < names.size(); ++i) {
                out.push_back(',');
                append_json_string(out, names[i]);
                out.push_back(':');
                append_money(out, s.outputs[i].fen());
            }
            break;
        }
        case SettleStatus::rejected:
            out.append(",\"rejected\":{\"code\":");
            append_json_string(out, s.code);
            out.append(",\"message\":");
            append_json_string(out, s.message);
            out.push_back('}');
            break;
        case SettleStatus::error:
            out.push_back(',');
            append_error(out, s.field, s.message);
            break;
    }
    out.push_back('}');
}

void write_error_json(const ClaimRecord& r, std::string& out) {
    if (!r.claim.claim_id.empty()) {
        out.append("{\"claim_id\":");
        append_json_string(out, r.claim.claim_id);
    } else {
        fmt::format_to(std::back_inserter(out), "{{\"line\":{}", r.claim.line);
    }
    out.push_back(',');
    append_error(out, r.error_field, r.error_message);
    out.push_back('}');
}


// ---------------------------------------------------------------------------
// Other formats: CSV, and JSON Lines with the per-stage detail.

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Appends `s` as one CSV field (RFC 4180): quoted when it holds a comma, a
// quote, CR or LF, inner quotes doubled. Malformed UTF-8 bytes become U+FFFD,
// as in the JSON writer, so the file is always valid UTF-8.
void append_csv(std::string& out, std::string_view s) {
    bool quote = false, clean = true;
    for (std::size_t i = 0; i < s.size();) {
        const auto ch = static_cast<unsigned char>(s[i]);
        if (ch < 0x80) {
            if (ch == ',' || ch == '"' || ch == '\r' || ch == '\n') quote = true;
            ++i;
        } else if (const std::size_t n = utf8_length(s, i)) {
            i += n;
        } else {
            clean = false;
            ++i;
        }
    }
    if (!quote && clean) {
        out.append(s);
        return;
    }
    if (quote) out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto ch = static_cast<unsigned char>(s[i]);
        if (ch == '"') {
            out.append(s.data() + run, i + 1 - run);
            out.push_back('"');
            run = ++i;
        } else if (ch < 0x80) {
            ++i;
        } else if (const std::size_t n = utf8_length(s, i)) {
            i += n;
        } else {
            out.append(s.data() + run, i - run);
            out.append(kReplacement);
            run = ++i;
        }
    }
    out.append(s.data() + run, s.size() - run);
    if (quote) out.push_back('"');
}

constexpr std::size_t kCsvStageColumns = 6;  // applied, eligible, deductible, benefit, copay, rejection

// A settled row whose shape does not match the policy cannot be written as a
// result; this says why (empty when it matches).
std::string shape_problem(const Graph& g, const Settlement& s, bool detail) {
    if (s.status != SettleStatus::settled) return {};
    if (s.outputs.size() != g.output_names().size())
        return fmt::format("internal error: the settlement has {} outputs, the policy declares {}", s.outputs.size(),
                           g.output_names().size());
    if (detail && s.stages.size() != g.stage_ids().size())
        return fmt::format("internal error: the settlement has {} stages, the policy declares {}", s.stages.size(),
                           g.stage_ids().size());
    return {};
}

// The stage's share of its eligible amount it left unpaid (copay).
std::int64_t stage_copay(const StageResult& r) { return r.base.fen() - r.deductible.fen() - r.pay.fen(); }

// A CSV row without amounts: rejected and error rows.
void csv_row_without_amounts(const Graph& g, bool detail, std::string_view claim_id, std::string_view status,
                             std::string_view code, std::string_view field, std::string_view message_prefix,
                             std::string_view message, std::string& out) {
    append_csv(out, claim_id);
    out.push_back(',');
    out.append(status);
    out.append(g.output_names().size(), ',');
    out.push_back(',');
    append_csv(out, code);
    out.push_back(',');
    append_csv(out, field);
    out.push_back(',');
    if (message_prefix.empty()) {
        append_csv(out, message);
    } else {
        // Rare (a bad record without a claim_id): one small allocation is fine.
        std::string m(message_prefix);
        m.append(message);
        append_csv(out, m);
    }
    if (detail) out.append(g.stage_ids().size() * kCsvStageColumns, ',');
}

void write_result_csv(const Graph& g, const Settlement& s, bool detail, std::string& out) {
    if (const std::string problem = shape_problem(g, s, detail); !problem.empty()) {
        csv_row_without_amounts(g, detail, s.claim_id, "error", "", "", "", problem, out);
        return;
    }
    switch (s.status) {
        case SettleStatus::rejected:
            csv_row_without_amounts(g, detail, s.claim_id, "rejected", s.code, "", "", s.message, out);
            return;
        case SettleStatus::error:
            csv_row_without_amounts(g, detail, s.claim_id, "error", "", s.field, "", s.message, out);
            return;
        case SettleStatus::settled: break;
    }
    append_csv(out, s.claim_id);
    char* p = make_room(out, 8 + s.outputs.size() * (1 + kMaxAmount) + 3);
    p = put(p, ",settled");
    for (const Money m : s.outputs) {
        *p++ = ',';
        p = write_amount(p, m.fen(), false);
    }
    p = put(p, ",,,");  // code, error_field, message
    trim_to(out, p);
    if (!detail) return;
    for (const StageResult& r : s.stages) {
        out.append(r.applied ? ",true," : ",false,");
        append_amount(out, r.base.fen(), false);
        out.push_back(',');
        append_amount(out, r.deductible.fen(), false);
        out.push_back(',');
        append_amount(out, r.pay.fen(), false);
        out.push_back(',');
        append_amount(out, stage_copay(r), false);
        out.push_back(',');
        append_csv(out, r.rejection);
    }
}

void write_error_csv(const Graph& g, const ClaimRecord& r, bool detail, std::string& out) {
    // A record without a claim_id is named by its line in the message.
    char prefix[40] = {};
    std::string_view pre;
    if (r.claim.claim_id.empty()) {
        const auto res = fmt::format_to_n(prefix, sizeof prefix - 1, "line {}: ", r.claim.line);
        pre = std::string_view(prefix, res.size < sizeof prefix - 1 ? res.size : sizeof prefix - 1);
    }
    csv_row_without_amounts(g, detail, r.claim.claim_id, "error", "", r.error_field, pre, r.error_message, out);
}

// ,"detail":{…} for a settled row whose shape matches the policy.
void append_detail_json(const Graph& g, const Settlement& s, std::string& out) {
    out.append(",\"detail\":{\"adjudication\":[");
    bool first = true;
    const auto& names = g.output_names();
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string& category = g.output_category(i);
        if (category.empty()) continue;
        if (!first) out.push_back(',');
        first = false;
        out.append("{\"output\":");
        append_json_string(out, names[i]);
        out.append(",\"label\":");
        append_json_string(out, g.output_label(i));
        out.append(",\"category\":");
        append_json_string(out, category);
        out.append(",\"amount\":");
        append_money(out, s.outputs[i].fen());
        out.push_back('}');
    }
    out.append("],\"stages\":[");
    const auto& ids = g.stage_ids();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const StageResult& r = s.stages[i];
        if (i) out.push_back(',');
        out.append("{\"id\":");
        append_json_string(out, ids[i]);
        out.append(",\"label\":");
        append_json_string(out, g.stage_label(i));
        out.append(r.applied ? ",\"applied\":true" : ",\"applied\":false");
        out.append(",\"adjudication\":{\"eligible\":");
        append_money(out, r.base.fen());
        out.append(",\"deductible\":");
        append_money(out, r.deductible.fen());
        out.append(",\"benefit\":");
        append_money(out, r.pay.fen());
        out.append(",\"copay\":");
        append_money(out, stage_copay(r));
        out.append("},\"rejection\":");
        if (r.rejection.empty()) out.append("null");
        else append_json_string(out, r.rejection);
        out.push_back('}');
    }
    out.append("]}");
}

}  // namespace

void write_header(const Graph& g, const ResultFormat& f, std::string& out) {
    if (f.kind != ResultFormat::Kind::csv) return;
    out.append("claim_id,status");
    for (const auto& name : g.output_names()) {
        out.push_back(',');
        append_csv(out, name);
    }
    out.append(",code,error_field,message");
    if (f.detail) {
        static constexpr std::string_view kColumns[kCsvStageColumns] = {".applied", ".eligible", ".deductible",
                                                                         ".benefit", ".copay", ".rejection"};
        for (const auto& id : g.stage_ids())
            for (const std::string_view col : kColumns) {
                out.push_back(',');
                // Stage ids are identifiers; quote anyway should one ever need it.
                if (id.find_first_of(",\"\r\n") == std::string::npos) {
                    out.append(id);
                    out.append(col);
                } else {
                    append_csv(out, id + std::string(col));
                }
            }
    }
    out.push_back('\n');
}

void write_result(const Graph& g, const Settlement& s, const ResultFormat& f, std::string& out) {
    if (f.kind == ResultFormat::Kind::csv) {
        write_result_csv(g, s, f.detail, out);
        return;
    }
    if (!f.detail || s.status != SettleStatus::settled) {
        write_result_json(g, s, out);
        return;
    }
    if (const std::string problem = shape_problem(g, s, true); !problem.empty()) {
        out.append("{\"claim_id\":");
        append_json_string(out, s.claim_id);
        out.push_back(',');
        append_error(out, "", problem);
        out.push_back('}');
        return;
    }
    write_result_json(g, s, out);
    out.pop_back();  // the closing brace: the detail goes inside the same object
    append_detail_json(g, s, out);
    out.push_back('}');
}

void write_error(const Graph& g, const ClaimRecord& r, const ResultFormat& f, std::string& out) {
    if (f.kind == ResultFormat::Kind::csv) write_error_csv(g, r, f.detail, out);
    else write_error_json(r, out);
}

// Room for a fast row, and the slack its fixed-size copies may write past its end.
constexpr std::size_t kRowRoom = ResultWriter::row_room, kCopySlack = 32;

ResultWriter::ResultWriter(const Graph& g, const ResultFormat& f) : g_(&g), format_(f) {
    fast_ = f.kind == ResultFormat::Kind::jsonl && !f.detail;
    slots_ = true;
    for (const auto& name : g.output_names()) {
        fast_ = fast_ && detail::is_plain_json(name);
        keys_ += ",\"";
        keys_ += name;
        keys_ += "\":";
        key_ends_.push_back(static_cast<std::uint32_t>(keys_.size()));
        // The slot: ,"name":" in 32 bytes, and the 8 bytes that end where the
        // amount's digits begin, for a positive and a negative amount.
        const std::string key = ",\"" + name + "\":\"";
        KeySlot& k = key_slots_.emplace_back();
        std::memset(k.text, ' ', sizeof k.text);
        slots_ = slots_ && key.size() >= 8 && key.size() <= sizeof k.text;
        if (!slots_) continue;
        std::memcpy(k.text, key.data(), key.size());
        k.len = static_cast<std::uint32_t>(key.size());
        char neg[8];
        std::memcpy(neg, key.data() + key.size() - 7, 7);
        neg[7] = '-';
        std::memcpy(&k.tail[0], key.data() + key.size() - 8, 8);
        std::memcpy(&k.tail[1], neg, 8);
    }
    if (!slots_) key_slots_.clear();
    // Any name is then followed by kCopySlack readable bytes (see write).
    const std::size_t names = keys_.size();
    keys_.append(kCopySlack, ' ');
    fast_ = fast_ && names + key_ends_.size() * kMaxAmount + 2 * kCopySlack < kRowRoom / 2;
}

void ResultWriter::write(const Settlement& s, std::string& out) const {
    char buf[kRowRoom];
    if (const char* end = write_to(s, buf, sizeof buf); end != nullptr)
        out.append(buf, static_cast<std::size_t>(end - buf));
    else
        write_result(*g_, s, format_, out);
}

namespace {

#if defined(__SSE2__)
// Bit i set when byte i of x may go into a JSON string as it is (printable
// ASCII other than '"' and '\\': is_plain_json's test). Signed compare: a byte
// >= 0x80 is negative, so below 0x20 too.
inline unsigned plain_bytes(__m128i x) {
    const __m128i bad = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(bad, _mm_cmpgt_epi8(x, _mm_set1_epi8(0x1F)))));
}
#endif

// Copies a claim id of 8 to 32 bytes to `p` in two overlapping fixed-size
// pieces, checking the bytes in the registers that carry them: false (and
// something written) when one is not plain JSON.
inline bool copy_plain_id(char* p, const char* s, std::size_t n) {
#if defined(__SSE2__)
    if (n <= 16) {
        // Through memcpy: a double stored at an odd address (_mm_storeh_pd)
        // is undefined behaviour, which UBSan reports, though x86 does it.
        std::uint64_t lo, hi;
        std::memcpy(&lo, s, 8);
        std::memcpy(&hi, s + n - 8, 8);
        std::memcpy(p, &lo, 8);
        std::memcpy(p + n - 8, &hi, 8);
        return plain_bytes(_mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo))) == 0xFFFF;
    }
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), a);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + n - 16), b);
    return (plain_bytes(a) & plain_bytes(b)) == 0xFFFF;
#else
    std::memcpy(p, s, n);
    return detail::is_plain_json(std::string_view(s, n));
#endif
}

}  // namespace

char* ResultWriter::write_to(const Settlement& s, char* out, std::size_t room) const {
    // The common row from the prepared names. The constructor saw that the
    // names, the amounts and the slack fit in half of the room; the id gets
    // the other half. Every other row as write_result writes it.
    if (!fast_ || room < kRowRoom || s.status != SettleStatus::settled || s.outputs.size() != key_ends_.size())
        return nullptr;
    const std::size_t id = s.claim_id.size();
    std::memcpy(out, "{\"claim_id\":\"\"\"\"", 16);  // 13 bytes and 3 overwritten
    char* p = out + 13;
    if (id - 8 <= 24) {  // 8 to 32 bytes, nearly every id
        if (!copy_plain_id(p, s.claim_id.data(), id)) return nullptr;
    } else {
        if (id > kRowRoom / 2 - kCopySlack || !detail::is_plain_json(s.claim_id)) return nullptr;
        std::memcpy(p, s.claim_id.data(), id);
    }
    p += id;
    *p++ = '"';
    const Money* amount = s.outputs.data();
    if (slots_) {
        // Each amount: its key as one 32-byte copy (what lies past it is
        // overwritten next); its 8 digits stored where they end, the yuan's
        // leading zeros (down to one) falling on the key's last bytes, which
        // are then stored again from the slot's tail with the sign, if any;
        // then ".cc\"" over the last two digits. No shift by the digit count.
        const auto put = [&p](const KeySlot& k, bool neg, std::uint64_t d) {
            std::memcpy(p, k.text, sizeof k.text);
            char* const digits = p + k.len + neg;  // where the first digit goes with no zeros cut
            // The yuan's leading zeros, at most 5: the bit set in byte 5 (the
            // units of yuan) stops the count there, and at 0 too.
            const unsigned zeros = static_cast<unsigned>(__builtin_ctzll(d | 1ULL << 40)) / 8;
            const std::uint64_t ascii = d + 0x3030303030303030ULL;
            char* const first = digits - zeros;
            std::memcpy(first, &ascii, 8);                                              // yuan digits and cents
            const auto cents = static_cast<std::uint32_t>(ascii >> 48) << 8 | 0x2200002EU;  // . c c "
            std::memcpy(first + 6, &cents, 4);
            std::memcpy(digits - 8, &k.tail[neg], 8);
            p = first + 10;
        };
        const auto one = [&p, &put](const KeySlot& k, std::int64_t fen) {
            const bool neg = fen < 0;
            const std::uint64_t mag = neg ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
            if (mag >= kEightDigits) [[unlikely]] {  // a million yuan or more
                std::memcpy(p, k.text, sizeof k.text);
                p = write_long_amount(p + k.len, fen, false);
                *p++ = '"';
                return;
            }
            put(k, neg, eight_digits(static_cast<std::uint32_t>(mag)));
        };
        const KeySlot* k = key_slots_.data();
        const KeySlot* const end = k + key_slots_.size();
#if defined(__SSE2__)
        // Two amounts' digits at a time in one SSE2 register.
        for (; end - k >= 2; k += 2, amount += 2) {
            const std::int64_t fa = amount[0].fen(), fb = amount[1].fen();
            const bool na = fa < 0, nb = fb < 0;
            const std::uint64_t ma = na ? 0 - static_cast<std::uint64_t>(fa) : static_cast<std::uint64_t>(fa);
            const std::uint64_t mb = nb ? 0 - static_cast<std::uint64_t>(fb) : static_cast<std::uint64_t>(fb);
            if (ma >= kEightDigits || mb >= kEightDigits) [[unlikely]] {
                one(k[0], fa);
                one(k[1], fb);
                continue;
            }
            std::uint64_t da, db;
            eight_digits_2(static_cast<std::uint32_t>(ma), static_cast<std::uint32_t>(mb), da, db);
            put(k[0], na, da);
            put(k[1], nb, db);
        }
#endif
        for (; k != end; ++k) one(*k, (amount++)->fen());
    } else {
        std::uint32_t from = 0;
        for (std::size_t i = 0; i < key_ends_.size(); ++i) {
            // A name of at most kCopySlack bytes as one fixed-size copy (what
            // lies past it is overwritten next), not a call to memcpy.
            const std::uint32_t n = key_ends_[i] - from;
            if (n <= kCopySlack)
                std::memcpy(p, keys_.data() + from, kCopySlack);
            else
                std::memcpy(p, keys_.data() + from, n);
            p += n;
            p = write_amount(p, amount[i].fen(), true);
            from = key_ends_[i];
        }
    }
    *p++ = '}';
    return p;
}

void ResultWriter::write_error(const ClaimRecord& r, std::string& out) const { claimgraph::write_error(*g_, r, format_, out); }

}  // namespace claimgraph
