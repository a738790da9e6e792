// Exact money and ratios: int64 fen, basis points, explicit rounding.
// No floating point touches these types, in parsing either.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace claimgraph {

enum class RoundMode : std::uint8_t { half_up, half_even, down };
// How many decimal places of yuan a rounded amount keeps: fen 2, jiao 1, yuan 0.
enum class RoundUnit : std::uint8_t { fen = 2, jiao = 1, yuan = 0 };

struct Rounding {
    RoundUnit unit = RoundUnit::fen;
    RoundMode mode = RoundMode::half_up;
    friend bool operator==(const Rounding&, const Rounding&) = default;
};

class OverflowError : public std::overflow_error {
public:
    using std::overflow_error::overflow_error;
};

namespace detail {
inline std::int64_t checked_add(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    if (__builtin_add_overflow(a, b, &r)) throw OverflowError("money overflow in addition");
    return r;
}
inline std::int64_t checked_sub(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) throw OverflowError("money overflow in subtraction");
    return r;
}
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) throw OverflowError("money overflow in multiplication");
    return r;
}
constexpr std::int64_t pow10(int n) {
    std::int64_t r = 1;
    for (int i = 0; i < n; ++i) r *= 10;
    return r;
}
}  // namespace detail

// Divides `value` by `divisor` (> 0) and rounds the quotient with `mode`.
// Negative values round symmetrically (half-up means half away from zero), so
// that rounding commutes with negation.
inline std::int64_t divide_round(__int128 value, std::int64_t divisor, RoundMode mode) {
    if (divisor <= 0) throw std::invalid_argument("divide_round: divisor must be positive");
    if (value >= 0 && value <= INT64_MAX) {
        // The common case, without 128-bit division.
        const auto v = static_cast<std::uint64_t>(value), d = static_cast<std::uint64_t>(divisor);
        std::uint64_t q = v / d;
        const std::uint64_t r = v % d;
        if (mode == RoundMode::half_up ? 2 * r >= d : mode == RoundMode::half_even && (2 * r > d || (2 * r == d && (q & 1))))
            ++q;
        return static_cast<std::int64_t>(q);
    }
    const bool neg = value < 0;
    unsigned __int128 mag = neg ? static_cast<unsigned __int128>(-value) : static_cast<unsigned __int128>(value);
    const auto d = static_cast<unsigned __int128>(divisor);
    unsigned __int128 q = mag / d;
    const unsigned __int128 r = mag % d;
    switch (mode) {
        case RoundMode::down: break;
        case RoundMode::half_up:
            if (2 * r >= d) ++q;
            break;
        case RoundMode::half_even:
            if (2 * r > d || (2 * r == d && (q & 1))) ++q;
            break;
    }
    if (q > static_cast<unsigned __int128>(INT64_MAX)) throw OverflowError("money overflow in rounding");
    const auto s = static_cast<std::int64_t>(q);
    return neg ? -s : s;
}

// Basis points: 85% is 8500 bp. A ratio is a factor, not an amount.
class Ratio {
public:
    constexpr Ratio() = default;
    static constexpr Ratio from_bp(std::int64_t bp) { return Ratio(bp); }
    static constexpr Ratio percent(std::int64_t p) { return Ratio(p * 100); }
    constexpr std::int64_t bp() const { return bp_; }
    constexpr Ratio clamped(Ratio lo = Ratio(0), Ratio hi = Ratio(10000)) const {
        return Ratio(bp_ < lo.bp_ ? lo.bp_ : (bp_ > hi.bp_ ? hi.bp_ : bp_));
    }
    friend constexpr Ratio operator+(Ratio a, Ratio b) { return Ratio(a.bp_ + b.bp_); }
    friend constexpr Ratio operator-(Ratio a, Ratio b) { return Ratio(a.bp_ - b.bp_); }
    friend constexpr auto operator<=>(Ratio, Ratio) = default;

private:
    constexpr explicit Ratio(std::int64_t bp) : bp_(bp) {}
    std::int64_t bp_ = 0;
};

// An amount of money in fen (0.01 yuan). Arithmetic is checked: overflow throws
// OverflowError instead of wrapping into a wrong payment.
class Money {
public:
    constexpr Money() = default;
    static constexpr Money from_fen(std::int64_t fen) { return Money(fen); }
    static Money from_yuan(std::int64_t yuan) { return Money(detail::checked_mul(yuan, 100)); }
    static constexpr Money zero() { return Money(0); }
    constexpr std::int64_t fen() const { return fen_; }

    friend Money operator+(Money a, Money b) { return Money(detail::checked_add(a.fen_, b.fen_)); }
    friend Money operator-(Money a, Money b) { return Money(detail::checked_sub(a.fen_, b.fen_)); }
    Money& operator+=(Money b) { return *this = *this + b; }
    Money& operator-=(Money b) { return *this = *this - b; }
    friend Money operator*(Money a, std::int64_t n) { return Money(detail::checked_mul(a.fen_, n)); }
    friend constexpr auto operator<=>(Money, Money) = default;

private:
    constexpr explicit Money(std::int64_t fen) : fen_(fen) {}
    std::int64_t fen_ = 0;
};

constexpr Money min(Money a, Money b) { return a < b ? a : b; }
constexpr Money max(Money a, Money b) { return a < b ? b : a; }

// Rounds an exact amount given in units of 10^-scale yuan (scale >= 0) to the
// rounding's unit, and returns it in fen.
inline Money round_scaled(__int128 value, int scale, Rounding r = {}) {
    const int keep = static_cast<int>(r.unit);
    std::int64_t kept;
    if (scale <= keep) {
        const __int128 v = value * detail::pow10(keep - scale);
        if (v > INT64_MAX || v < INT64_MIN) throw OverflowError("money overflow in rounding");
        kept = static_cast<std::int64_t>(v);
    } else {
        kept = divide_round(value, detail::pow10(scale - keep), r.mode);
    }
    return Money::from_fen(detail::checked_mul(kept, detail::pow10(2 - keep)));
}

// money × ratio, kept exact (fen·bp) and rounded once.
inline Money apply_ratio(Money m, Ratio q, Rounding r = {}) {
    return round_scaled(static_cast<__int128>(m.fen()) * q.bp(), 6, r);
}

// Rounds an amount in fen to a coarser unit (jiao, yuan).
inline Money round_money(Money m, Rounding r) { return round_scaled(m.fen(), 2, r); }

enum class ParseStatus : std::uint8_t {
    ok,
    empty,
    not_a_number,   // letters, several signs, "1.", ".5", "NaN", "1e3", ...
    too_many_decimals,
    negative,
    out_of_range,
};
const char* describe(ParseStatus s);

struct MoneyParse {
    Money value;
    ParseStatus status = ParseStatus::ok;
    explicit operator bool() const { return status == ParseStatus::ok; }
};

// Reads a decimal yuan amount from its text: "1234.56", "1234.5", "12", "0.05".
// At most two decimals; no sign unless allow_negative; no exponent; no spaces.
MoneyParse parse_money(std::string_view text, bool allow_negative = false);

struct IntParse {
    std::int64_t value = 0;
    ParseStatus status = ParseStatus::ok;
    explicit operator bool() const { return status == ParseStatus::ok; }
};
// Reads a plain decimal integer ("12", "-3" when allow_negative); no decimals.
IntParse parse_int(std::string_view text, bool allow_negative = false);

// "1234.56", "-0.05", always two decimals.
std::string format_money(Money m);
// "1,234.56": for people, not for machines.
std::string format_money_grouped(Money m);
// "85%", "85.5%", "0.01%".
std::string format_ratio(Ratio r);

}  // namespace claimgraph
