#include "claimgraph/money.hpp"

#include <fmt/format.h>

namespace claimgraph {

const char* describe(ParseStatus s) {
    switch (s) {
        case ParseStatus::ok: return "ok";
        case ParseStatus::empty: return "expected an amount, found nothing";
        case ParseStatus::not_a_number: return "expected a decimal number such as 1234.56";
        case ParseStatus::too_many_decimals: return "expected at most two decimals";
        case ParseStatus::negative: return "expected a non-negative amount";
        case ParseStatus::out_of_range: return "amount out of range";
    }
    return "invalid";
}

namespace {
constexpr std::int64_t kMaxAbs = INT64_MAX / 100;  // whole yuan that still fit in fen
}

MoneyParse parse_money(std::string_view t, bool allow_negative) {
    if (t.empty()) return {{}, ParseStatus::empty};
    bool neg = false;
    if (t.front() == '-') {
        neg = true;
        t.remove_prefix(1);
    }
    const auto dot = t.find('.');
    const std::string_view whole = t.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : t.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return {{}, ParseStatus::not_a_number};
    std::int64_t yuan = 0;
    for (char c : whole) {
        if (c < '0' || c > '9') return {{}, ParseStatus::not_a_number};
        if (yuan > (kMaxAbs - (c - '0')) / 10) return {{}, ParseStatus::out_of_range};
        yuan = yuan * 10 + (c - '0');
    }
    std::int64_t cents = 0;
    int digits = 0;
    for (char c : frac) {
        if (c < '0' || c > '9') return {{}, ParseStatus::not_a_number};
        ++digits;
        if (digits > 2) return {{}, ParseStatus::too_many_decimals};
        cents = cents * 10 + (c - '0');
    }
    if (digits == 1) cents *= 10;
    if (yuan == kMaxAbs && cents > INT64_MAX % 100) return {{}, ParseStatus::out_of_range};  // would overflow
    const std::int64_t fen = yuan * 100 + cents;
    if (neg && fen != 0 && !allow_negative) return {{}, ParseStatus::negative};
    return {Money::from_fen(neg ? -fen : fen), ParseStatus::ok};
}

IntParse parse_int(std::string_view t, bool allow_negative) {
    if (t.empty()) return {0, ParseStatus::empty};
    bool neg = false;
    if (t.front() == '-') {
        neg = true;
        t.remove_prefix(1);
        if (t.empty()) return {0, ParseStatus::not_a_number};
    }
    std::int64_t v = 0;
    for (char c : t) {
        if (c == '.') return {0, ParseStatus::too_many_decimals};
        if (c < '0' || c > '9') return {0, ParseStatus::not_a_number};
        if (v > (INT64_MAX - (c - '0')) / 10) return {0, ParseStatus::out_of_range};
        v = v * 10 + (c - '0');
    }
    if (neg && v != 0 && !allow_negative) return {0, ParseStatus::negative};
    return {neg ? -v : v, ParseStatus::ok};
}

std::string format_money(Money m) {
    const std::int64_t f = m.fen();
    const bool neg = f < 0;
    const auto mag = neg ? -static_cast<unsigned long long>(f) : static_cast<unsigned long long>(f);
    return fmt::format("{}{}.{:02}", neg ? "-" : "", mag / 100, mag % 100);
}

std::string format_money_grouped(Money m) {
    std::string plain = format_money(m);
    const std::size_t start = plain[0] == '-' ? 1 : 0;
    const std::size_t dot = plain.find('.');
    std::string out = plain.substr(0, start);
    const std::string whole = plain.substr(start, dot - start);
    for (std::size_t i = 0; i < whole.size(); ++i) {
        if (i > 0 && (whole.size() - i) % 3 == 0) out += ',';
        out += whole[i];
    }
    out += plain.substr(dot);
    return out;
}

std::string format_ratio(Ratio r) {
    const std::int64_t bp = r.bp();
    const bool neg = bp < 0;
    const std::int64_t mag = neg ? -bp : bp;
    std::string s = fmt::format("{}{}", neg ? "-" : "", mag / 100);
    if (mag % 100 != 0) {
        std::string frac = fmt::format("{:02}", mag % 100);
        if (frac.back() == '0') frac.pop_back();
        s += "." + frac;
    }
    return s + "%";
}

}  // namespace claimgraph
