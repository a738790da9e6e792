// JSON text helpers (see json_text.hpp).
#include "io/json_text.hpp"

#include <cstdint>
#include <cstring>

namespace claimgraph::detail {

bool is_json_number(std::string_view t) {
    std::size_t i = 0;
    const std::size_t n = t.size();
    auto digit = [&](std::size_t k) { return k < n && t[k] >= '0' && t[k] <= '9'; };
    if (i < n && t[i] == '-') ++i;
    if (!digit(i)) return false;
    if (t[i] == '0') {
        ++i;
    } else {
        while (digit(i)) ++i;
    }
    if (i < n && t[i] == '.') {
        ++i;
        if (!digit(i)) return false;
        while (digit(i)) ++i;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
        if (!digit(i)) return false;
        while (digit(i)) ++i;
    }
    return i == n;
}

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

bool is_plain_json(std::string_view s) {
    // Eight bytes at a time (the classic "has a byte less than n" tests, exact
    // for n <= 128; a byte >= 0x80 fails on its own).
    constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
    const auto has_below = [](std::uint64_t w, std::uint64_t n) { return (w - ones * n) & ~w & highs; };
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, sizeof w);
        if ((w & highs) | has_below(w, 0x20) | has_below(w ^ (ones * '"'), 1) | has_below(w ^ (ones * '\\'), 1))
            return false;
    }
    for (; i < s.size(); ++i) {
        const auto ch = static_cast<unsigned char>(s[i]);
        if (ch < 0x20 || ch >= 0x80 || ch == '"' || ch == '\\') return false;
    }
    return true;
}

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    if (is_plain_json(s)) {
        out.push_back('"');
        out.append(s);
        out.push_back('"');
        return;
    }
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

}  // namespace claimgraph::detail
