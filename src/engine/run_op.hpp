// One op's meaning, shared by the evaluation loops (inlined there) and the
// constant folder (through exec_op).
#pragma once

#include <algorithm>
#include <cstdint>

#include "engine/program.hpp"

namespace claimgraph::detail {

inline constexpr std::int64_t kUnlimitedAmount = INT64_MAX / 4;

// The payable part of x on the axis [p0, p0 + x) above threshold T, split
// across bands placed at absolute positions [T + from, T + to). Exact: fen·bp.
inline void exec_bands(const Program& p, const Op& op, std::int64_t* s) {
    const std::int32_t* a = p.args.data() + op.extra;
    const std::int64_t p0 = s[a[0]], t = s[a[1]], x = s[a[2]];
    const std::int64_t start = p0;
    const std::int64_t end = checked_add(p0, x);
    s[op.c] = start < t ? std::max<std::int64_t>(0, std::min(end, t) - start) : 0;
    const std::int64_t lo = std::max(start, t), hi = end;
    __int128 sum = 0;
    if (hi > lo) {
        const auto method = static_cast<BandMethod>(op.mode);
        if (method == BandMethod::segmented) {
            for (std::int32_t i = 0; i < op.n; ++i) {
                const std::int64_t from = s[a[3 + 3 * i]], to = s[a[4 + 3 * i]], r = s[a[5 + 3 * i]];
                const std::int64_t bl = checked_add(t, from);
                const std::int64_t bh = to >= kUnlimitedAmount ? INT64_MAX : checked_add(t, to);
                // In 128 bits: with far-apart bounds the difference leaves int64.
                const __int128 piece = static_cast<__int128>(std::min(hi, bh)) - std::max(lo, bl);
                __int128 piece_pay;
                if (piece > 0 && (__builtin_mul_overflow(piece, static_cast<__int128>(r), &piece_pay) ||
                                  __builtin_add_overflow(sum, piece_pay, &sum)))
                    throw OverflowError("band payment overflow");
            }
        } else {
            // Whole-amount: the band the cumulative amount above T reaches sets
            // the ratio for all of this claim's payable part.
            const __int128 reached = static_cast<__int128>(hi) - t;  // t may lie far below
            const bool upper = method == BandMethod::whole_amount_upper_inclusive;
            std::int64_t r = 0;
            for (std::int32_t i = 0; i < op.n; ++i) {
                const std::int64_t from = s[a[3 + 3 * i]], to = s[a[4 + 3 * i]];
                const bool in = upper ? (reached > from || (i == 0 && reached == from)) && (to >= kUnlimitedAmount || reached <= to)
                                      : reached >= from && (to >= kUnlimitedAmount || reached < to);
                if (in) {
                    r = s[a[5 + 3 * i]];
                    break;
                }
            }
            sum = (static_cast<__int128>(hi) - lo) * r;  // < 2^64 · 2^63
        }
    }
    if (sum > INT64_MAX || sum < INT64_MIN) throw OverflowError("band payment overflow");
    s[op.dst] = static_cast<std::int64_t>(sum);
}


// exec_bands in 64 bits, without exceptions: false (the reference runs)
// when any sum, product or total leaves int64, where exec_bands works in 128
// bits or throws. Whole-amount methods run exec_bands itself.
// Band [t + from, t + to) of segmented bands, at ratio r, on the stretch
// (lo, hi] paid: its part added to sum. False on an overflow.
[[gnu::always_inline]] inline bool add_band(std::int64_t t, std::int64_t lo, std::int64_t hi, std::int64_t from,
                                            std::int64_t to, std::int64_t r, std::int64_t& sum) {
    std::int64_t bl, bh, prod, piece;
    if (__builtin_add_overflow(t, from, &bl)) return false;
    if (to >= kUnlimitedAmount) bh = INT64_MAX;
    else if (__builtin_add_overflow(t, to, &bh)) return false;
    if (__builtin_sub_overflow(std::min(hi, bh), std::max(lo, bl), &piece)) return false;
    return !(piece > 0 && (__builtin_mul_overflow(piece, r, &prod) || __builtin_add_overflow(sum, prod, &sum)));
}

[[gnu::always_inline]] inline bool bands_fast(const Program& p, const Op& op, std::int64_t* s) {
    if (static_cast<BandMethod>(op.mode) != BandMethod::segmented) {
        exec_bands(p, op, s);
        return true;
    }
    const std::int32_t* a = p.args.data() + op.extra;
    const std::int64_t start = s[a[0]], t = s[a[1]], x = s[a[2]];
    std::int64_t end;
    if (__builtin_add_overflow(start, x, &end)) return false;
    s[op.c] = start < t ? std::max<std::int64_t>(0, std::min(end, t) - start) : 0;
    const std::int64_t lo = std::max(start, t), hi = end;
    std::int64_t sum = 0;
    if (hi > lo) {
        const std::int32_t* b = a + 3;
        for (std::int32_t i = 0; i < op.n; ++i, b += 3)
            if (!add_band(t, lo, hi, s[b[0]], s[b[1]], s[b[2]], sum)) return false;
    }
    s[op.dst] = sum;
    return true;
}

// Inlined into the evaluation loops below; exec_op is the out-of-line copy the
// constant folder calls.
[[gnu::always_inline]] inline void run_op(const Program& p, const Op& op, std::int64_t* s) {
    std::int64_t& d = s[op.dst];
    switch (op.code) {
        case OpCode::add: d = checked_add(s[op.a], s[op.b]); break;
        case OpCode::sub: d = checked_sub(s[op.a], s[op.b]); break;
        case OpCode::mul: d = checked_mul(s[op.a], s[op.b]); break;
        case OpCode::neg: d = checked_sub(0, s[op.a]); break;
        case OpCode::min: d = std::min(s[op.a], s[op.b]); break;
        case OpCode::max: d = std::max(s[op.a], s[op.b]); break;
        case OpCode::rescale: d = checked_mul(s[op.a], op.imm); break;
        case OpCode::round:
            d = checked_mul(divide_round(s[op.a], op.imm, static_cast<RoundMode>(op.mode)), op.imm2);
            break;
        case OpCode::eq: d = s[op.a] == s[op.b]; break;
        case OpCode::ne: d = s[op.a] != s[op.b]; break;
        case OpCode::lt: d = s[op.a] < s[op.b]; break;
        case OpCode::le: d = s[op.a] <= s[op.b]; break;
        case OpCode::gt: d = s[op.a] > s[op.b]; break;
        case OpCode::ge: d = s[op.a] >= s[op.b]; break;
        case OpCode::and_: d = s[op.a] && s[op.b]; break;
        case OpCode::or_: d = s[op.a] || s[op.b]; break;
        case OpCode::not_: d = !s[op.a]; break;
        case OpCode::select: d = s[op.a] ? s[op.b] : s[op.c]; break;
        case OpCode::tags_any: d = (s[op.a] & op.imm) != 0; break;
        case OpCode::tags_all: d = (s[op.a] & op.imm) == op.imm; break;
        case OpCode::table: {
            std::int64_t idx = 0;
            for (std::int32_t i = 0; i < op.n; ++i) idx += s[p.args[op.extra + i]] * p.args[op.extra + op.n + i];
            d = p.table_data[static_cast<std::size_t>(op.imm + idx)];
            break;
        }
        case OpCode::bands: exec_bands(p, op, s); break;
        case OpCode::product_round: {
            __int128 v = s[op.a];
            for (std::int32_t i = 0; i < op.n; ++i) {
                if (__builtin_mul_overflow(v, static_cast<__int128>(s[p.args[op.extra + i]]), &v))
                    throw OverflowError("deductible multiplier overflow");
            }
            d = checked_mul(divide_round(v, op.imm, static_cast<RoundMode>(op.mode)), op.imm2);
            break;
        }
        case OpCode::fail_if:
            if (s[op.a]) throw EvalFailure{op.node, op.node >= 0 ? p.nodes[op.node].label : "evaluation failed"};
            break;
        case OpCode::lines: break;        // run by the evaluator, which has the claim
        case OpCode::skip_unless: break;  // a jump: taken by the evaluation loop
    }
}

}  // namespace claimgraph::detail
