// divide_round (money.hpp) with the divisor a compile-time power of ten when it
// is one of the usual ones, so the division becomes a multiplication: every
// divisor the lowering emits is a power of ten (fen·bp → fen is 10^4).
#pragma once

#include <cstdint>

#include "claimgraph/money.hpp"

namespace claimgraph::detail {

template <std::uint64_t D>
inline std::int64_t round_div_const(std::int64_t v, RoundMode m) {
    if (v < 0) return divide_round(v, static_cast<std::int64_t>(D), m);  // rare: the general, symmetric path
    const auto u = static_cast<std::uint64_t>(v);
    std::uint64_t q = u / D;
    const std::uint64_t r = u % D;
    if (m == RoundMode::half_up ? 2 * r >= D : m == RoundMode::half_even && (2 * r > D || (2 * r == D && (q & 1)))) ++q;
    return static_cast<std::int64_t>(q);
}

// d[i] = round(get(i) ÷ div) × mul for i < n; overflow of the product sets ovf.
template <std::uint64_t D, class Get>
inline void round_n_const(std::size_t n, Get&& get, std::int64_t* d, std::int64_t mul, RoundMode m, bool& ovf) {
    for (std::size_t i = 0; i < n; ++i) ovf |= __builtin_mul_overflow(round_div_const<D>(get(i), m), mul, d + i);
}

template <class Get>
inline void round_fast_n(std::size_t n, Get&& get, std::int64_t* d, std::int64_t div, std::int64_t mul, RoundMode m,
                         bool& ovf) {
    switch (div) {
        case 10: return round_n_const<10>(n, get, d, mul, m, ovf);
        case 100: return round_n_const<100>(n, get, d, mul, m, ovf);
        case 1000: return round_n_const<1000>(n, get, d, mul, m, ovf);
        case 10000: return round_n_const<10000>(n, get, d, mul, m, ovf);
        case 100000: return round_n_const<100000>(n, get, d, mul, m, ovf);
        case 1000000: return round_n_const<1000000>(n, get, d, mul, m, ovf);
        default:
            for (std::size_t i = 0; i < n; ++i) ovf |= __builtin_mul_overflow(divide_round(get(i), div, m), mul, d + i);
    }
}

// One value: round(v ÷ div) × mul, throwing on overflow like the reference op.
inline std::int64_t round_fast(std::int64_t v, std::int64_t div, std::int64_t mul, RoundMode m) {
    std::int64_t d;
    bool ovf = false;
    round_fast_n(1, [v](std::size_t) { return v; }, &d, div, mul, m, ovf);
    if (ovf) throw OverflowError("money overflow in multiplication");
    return d;
}

}  // namespace claimgraph::detail
