// divide_round (money.hpp) with the divisor a compile-time power of ten when it
// is one of the usual ones, so the division becomes a multiplication: every
// divisor the lowering emits is a power of ten (fen·bp → fen is 10^4).
#pragma once

#include <cstdint>

#include "claimgraph/money.hpp"

namespace claimgraph::detail {

// Symmetric like divide_round (a negative value rounds its magnitude), and
// branch-free: the mode is a template argument, the sign a conditional move.
template <std::uint64_t D, RoundMode M>
inline std::int64_t round_div_const(std::int64_t v) {
    const bool neg = v < 0;
    const std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    std::uint64_t q;
    // Half up is one division of u + D/2 (rounded up exactly when the
    // remainder is at least D - D/2); u <= 2^63, so the add cannot wrap.
    if constexpr (M == RoundMode::half_up) {
        q = (u + D / 2) / D;
    } else {
        q = u / D;
        const std::uint64_t r = u % D;
        if constexpr (M == RoundMode::half_even) q += (2 * r > D) | ((2 * r == D) & (q & 1));
    }
    // q < 2^63 / D: negating it cannot overflow.
    return neg ? -static_cast<std::int64_t>(q) : static_cast<std::int64_t>(q);
}

// d[i] = round(get(i) ÷ div) × mul for i < n; overflow of the product sets ovf.
template <std::uint64_t D, RoundMode M, class Get>
inline void round_n_const(std::size_t n, Get&& get, std::int64_t* d, std::int64_t mul, bool& ovf) {
    if (mul == 1) {  // rounding to fen: nothing to scale back
        for (std::size_t i = 0; i < n; ++i) d[i] = round_div_const<D, M>(get(i));
        return;
    }
    bool o = false;
    for (std::size_t i = 0; i < n; ++i) {
        std::int64_t r;
        o |= __builtin_mul_overflow(round_div_const<D, M>(get(i)), mul, &r);
        d[i] = r;
    }
    ovf |= o;
}

template <RoundMode M, class Get>
inline void round_mode_n(std::size_t n, Get&& get, std::int64_t* d, std::int64_t div, std::int64_t mul, bool& ovf) {
    switch (div) {
        case 10: return round_n_const<10, M>(n, get, d, mul, ovf);
        case 100: return round_n_const<100, M>(n, get, d, mul, ovf);
        case 1000: return round_n_const<1000, M>(n, get, d, mul, ovf);
        case 10000: return round_n_const<10000, M>(n, get, d, mul, ovf);
        case 100000: return round_n_const<100000, M>(n, get, d, mul, ovf);
        case 1000000: return round_n_const<1000000, M>(n, get, d, mul, ovf);
        default:
            for (std::size_t i = 0; i < n; ++i) ovf |= __builtin_mul_overflow(divide_round(get(i), div, M), mul, d + i);
    }
}

template <class Get>
inline void round_fast_n(std::size_t n, Get&& get, std::int64_t* d, std::int64_t div, std::int64_t mul, RoundMode m,
                         bool& ovf) {
    switch (m) {
        case RoundMode::half_up: return round_mode_n<RoundMode::half_up>(n, get, d, div, mul, ovf);
        case RoundMode::half_even: return round_mode_n<RoundMode::half_even>(n, get, d, div, mul, ovf);
        case RoundMode::down: return round_mode_n<RoundMode::down>(n, get, d, div, mul, ovf);
    }
    for (std::size_t i = 0; i < n; ++i) ovf |= __builtin_mul_overflow(divide_round(get(i), div, m), mul, d + i);
}

template <RoundMode M>
inline std::int64_t round_one(std::int64_t v, std::int64_t div) {
    switch (div) {
        case 10: return round_div_const<10, M>(v);
        case 100: return round_div_const<100, M>(v);
        case 1000: return round_div_const<1000, M>(v);
        case 10000: return round_div_const<10000, M>(v);
        case 100000: return round_div_const<100000, M>(v);
        case 1000000: return round_div_const<1000000, M>(v);
        default: return divide_round(v, div, M);
    }
}

// One value: round(v ÷ div) × mul, throwing on overflow like the reference op.
inline std::int64_t round_fast(std::int64_t v, std::int64_t div, std::int64_t mul, RoundMode m) {
    std::int64_t q;
    switch (m) {
        case RoundMode::half_up: q = round_one<RoundMode::half_up>(v, div); break;
        case RoundMode::half_even: q = round_one<RoundMode::half_even>(v, div); break;
        case RoundMode::down: q = round_one<RoundMode::down>(v, div); break;
        default: q = divide_round(v, div, m);
    }
    std::int64_t d;
    if (__builtin_mul_overflow(q, mul, &d)) throw OverflowError("money overflow in multiplication");
    return d;
}

}  // namespace claimgraph::detail
