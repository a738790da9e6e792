// Settlement results out: one JSON object per line, amounts as two-decimal
// strings. Everything is appended to the caller's buffer; nothing else is
// allocated per field.

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "claimgraph/io.hpp"

namespace claimgraph {

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (a byte >= 0x80),
// or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    return n;
}

// Appends `s` as a JSON string literal. Well-formed UTF-8 passes through
// unchanged; a stray byte (say, a message cut mid-character) becomes U+FFFD,
// so the row is always valid JSON.
void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;  // start of the pending run of bytes that need no escape
    std::size_t i = 0;
    while (i < s.size()) {
        const auto ch = static_cast<unsigned char>(s[i]);
        if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') {
            ++i;
            continue;
        }
        if (ch >= 0x80) {
            if (const std::size_t n = utf8_length(s, i)) {
                i += n;
                continue;
            }
        }
        out.append(s.data() + run, i - run);
        switch (ch) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            default:
                if (ch >= 0x80) {
                    out.append("\\ufffd");
                } else {
                    const char esc[6] = {'\\', 'u', '0', '0', kHex[ch >> 4], kHex[ch & 0xf]};
                    out.append(esc, sizeof esc);
                }
        }
        run = ++i;
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

// Appends an amount in fen as a quoted yuan string with exactly two decimals:
// "1234.56", "0.05", "-0.05" (same text as format_money).
void append_money(std::string& out, std::int64_t fen) {
    char buf[32];
    char* const end = buf + sizeof buf;
    char* p = end;
    *--p = '"';
    std::uint64_t mag = fen < 0 ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
    const auto cents = static_cast<unsigned>(mag % 100);
    mag /= 100;
    *--p = static_cast<char>('0' + cents % 10);
    *--p = static_cast<char>('0' + cents / 10);
    *--p = '.';
    do {
        *--p = static_cast<char>('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    if (fen < 0) *--p = '-';
    *--p = '"';
    out.append(p, static_cast<std::size_t>(end - p));
}

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

}  // namespace claimgraph
