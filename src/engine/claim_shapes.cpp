// Claim programs of a known shape (the whole claim-level op sequence, as the
// lowering emits it for a policy) run as one straight-line function instead
// of the threaded interpreter (fast_eval.cpp): every intermediate value in a
// register or the stack frame, no dispatch, no operand decoding. As with the
// fee-line shapes (line_columns.cpp), a shape fixes only the op sequence and
// which earlier op each operand comes from; every other operand (a claim
// field, an accumulator, a constant, a line sum) is read from the slot the
// policy's op names, so any policy whose claim program has this shape runs
// it, whatever its fields, constants and tables are.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>

#include "engine/fast_program.hpp"
#include "engine/round_fast.hpp"
#include "engine/run_op.hpp"

namespace claimgraph::detail {
namespace claim_shape {

// An operand: the result of shape op i (T), the slot the op names (X), or a
// constant (C): a slot nothing writes, whose value match() copies into
// FastProgram::shape_consts, numbered in operand order (const_index), so
// that reading it takes one load instead of the slot's number and then it.
enum class Kind : std::uint8_t { none, t, x, c };
struct Arg {
    Kind kind = Kind::none;
    std::uint16_t i = 0;
};
constexpr Arg T(int i) { return {Kind::t, static_cast<std::uint16_t>(i)}; }
constexpr Arg X{Kind::x, 0};
constexpr Arg C{Kind::c, 0};

constexpr int kMaxIn = 12;  // bands of three bands

struct COp {
    OpCode code{};
    Arg a{}, b{}, c{};
    // Its result is read through the slot array too (a rejection, an X
    // operand of a later op): stored there as well as kept.
    bool store = false;
    bool one_band = false;     // bands: single_band() holds
    std::uint16_t skip = 0;    // skip_unless: the ops it covers
    // A table, bands or product_round: its inputs, in for_each_input order,
    // each an op's result (T) or read from the slot Program::args names (X),
    // so that an op feeding one need not be stored.
    std::uint8_t n_in = 0;
    Arg in[kMaxIn]{};
    constexpr COp stored() const {
        COp o = *this;
        o.store = true;
        return o;
    }
    constexpr COp single() const {
        COp o = *this;
        o.one_band = true;
        return o;
    }
};
constexpr COp op(OpCode code, Arg a = {}, Arg b = {}, Arg c = {}) { return COp{code, a, b, c}; }
constexpr COp skip(Arg a, int n) { return COp{OpCode::skip_unless, a, {}, {}, false, false, static_cast<std::uint16_t>(n)}; }
constexpr COp ins(OpCode code, std::initializer_list<Arg> in) {
    COp o{code};
    for (const Arg& x : in) o.in[o.n_in++] = x;
    return o;
}

// Ops whose inputs Program::args names and whose results are written to the
// slot array (the reference's bands and product_round read them there).
constexpr bool in_slots(OpCode c) { return c == OpCode::table || c == OpCode::bands || c == OpCode::product_round; }

int operand_count(OpCode c) {
    switch (c) {
        case OpCode::neg: case OpCode::not_: case OpCode::rescale: case OpCode::round: case OpCode::tags_any:
        case OpCode::tags_all: case OpCode::fail_if: case OpCode::skip_unless:
            return 1;
        case OpCode::select: return 3;
        case OpCode::table: case OpCode::lines: case OpCode::bands: case OpCode::product_round: return 0;
        default: return 2;
    }
}

// Demo City 2026 (rules/demo-city-2026.yaml): the four stages, their
// defines, outputs and updates. Written by claim_shape_source() from the
// lowered program, with the results' bindings below (tests/test_fast_paths.cpp
// prints both when they no longer match).
constexpr COp kDemoCity[] = {
    op(OpCode::lines),  // 0
    op(OpCode::max, X, C),  // 1
    op(OpCode::eq, X, C),  // 2
    op(OpCode::select, T(2), C, X),  // 3
    ins(OpCode::table, {X, T(3)}),  // 4
    op(OpCode::ge, X, C),  // 5
    op(OpCode::select, T(5), C, C),  // 6
    op(OpCode::tags_any, X),  // 7
    op(OpCode::select, T(7), C, C),  // 8
    op(OpCode::tags_any, X),  // 9
    op(OpCode::select, T(9), C, C),  // 10
    ins(OpCode::product_round, {T(4), T(6), T(8), T(10)}),  // 11
    op(OpCode::eq, X, C),  // 12
    op(OpCode::and_, T(12), X),  // 13
    op(OpCode::eq, X, C),  // 14
    op(OpCode::not_, X),  // 15
    op(OpCode::not_, X),  // 16
    op(OpCode::eq, X, C),  // 17
    op(OpCode::ne, X, C),  // 18
    op(OpCode::or_, T(18), T(17)),  // 19
    op(OpCode::and_, T(19), T(16)),  // 20
    op(OpCode::and_, T(20), T(15)),  // 21
    op(OpCode::tags_any, X),  // 22
    op(OpCode::eq, X, C),  // 23
    op(OpCode::and_, T(23), T(22)),  // 24
    ins(OpCode::table, {X}),  // 25
    op(OpCode::select, T(13), C, C),  // 26
    op(OpCode::select, T(14), C, C),  // 27
    op(OpCode::add, T(26), T(27)),  // 28
    op(OpCode::select, T(2), C, C),  // 29
    op(OpCode::add, T(28), T(29)),  // 30
    op(OpCode::select, T(21), C, C),  // 31
    op(OpCode::add, T(30), T(31)),  // 32
    op(OpCode::select, T(24), C, C),  // 33
    op(OpCode::add, T(32), T(33)),  // 34
    op(OpCode::add, T(25), T(34)),  // 35
    op(OpCode::max, T(35), C),  // 36
    op(OpCode::min, T(36), C),  // 37
    ins(OpCode::bands, {X, T(11), T(1), X, X, T(37)}).single(),  // 38
    op(OpCode::or_, C, T(23)),  // 39
    op(OpCode::add, C, T(34)),  // 40
    op(OpCode::max, T(40), C),  // 41
    op(OpCode::min, T(41), C),  // 42
    op(OpCode::add, C, T(34)),  // 43
    op(OpCode::max, T(43), C),  // 44
    op(OpCode::min, T(44), C),  // 45
    op(OpCode::add, C, T(34)),  // 46
    op(OpCode::max, T(46), C),  // 47
    op(OpCode::min, T(47), C),  // 48
    ins(OpCode::bands, {X, T(11), T(1), X, X, T(42), X, X, T(45), X, X, T(48)}),  // 49
    op(OpCode::or_, T(39), T(12)),  // 50
    op(OpCode::select, T(12), T(49), C),  // 51
    op(OpCode::select, T(23), T(38), T(51)),  // 52
    op(OpCode::not_, T(50)),  // 53
    op(OpCode::and_, C, T(53)),  // 54
    op(OpCode::fail_if, T(54)),  // 55
    op(OpCode::round, T(52)),  // 56
    ins(OpCode::table, {X}),  // 57
    op(OpCode::sub, T(57), X),  // 58
    op(OpCode::max, T(58), C),  // 59
    op(OpCode::min, T(56), T(59)),  // 60
    op(OpCode::sub, X, T(60)),  // 61
    op(OpCode::max, T(61), C),  // 62
    op(OpCode::select, T(23), T(62), C),  // 63
    op(OpCode::select, T(22), C, C),  // 64
    op(OpCode::select, T(22), C, C),  // 65
    op(OpCode::add, C, T(65)),  // 66
    op(OpCode::max, T(66), C),  // 67
    op(OpCode::min, T(67), C),  // 68
    op(OpCode::add, C, T(65)),  // 69
    op(OpCode::max, T(69), C),  // 70
    op(OpCode::min, T(70), C),  // 71
    ins(OpCode::bands, {X, T(64), T(63), X, X, T(68), X, X, T(71)}),  // 72
    op(OpCode::round, T(72)),  // 73
    op(OpCode::not_, T(22)),  // 74
    op(OpCode::sub, C, X),  // 75
    op(OpCode::max, T(75), C),  // 76
    op(OpCode::select, T(74), T(76), C),  // 77
    op(OpCode::min, T(73), T(77)),  // 78
    op(OpCode::select, T(23), T(63), C),  // 79
    op(OpCode::select, T(23), T(78), C),  // 80
    op(OpCode::tags_any, X),  // 81
    skip(T(81), 23),  // 82
    op(OpCode::sub, T(61), T(78)),  // 83
    op(OpCode::max, T(83), C),  // 84
    op(OpCode::select, T(81), T(84), C),  // 85
    op(OpCode::tags_any, X),  // 86
    op(OpCode::select, T(86), C, C),  // 87
    op(OpCode::tags_any, X),  // 88
    op(OpCode::select, T(88), C, T(87)),  // 89
    op(OpCode::tags_any, X),  // 90
    op(OpCode::select, T(90), C, T(89)),  // 91
    op(OpCode::select, T(7), C, T(91)),  // 92
    ins(OpCode::table, {T(92)}),  // 93
    ins(OpCode::table, {T(92)}),  // 94
    op(OpCode::add, T(94), T(31)),  // 95
    op(OpCode::max, T(95), C),  // 96
    op(OpCode::min, T(96), C),  // 97
    ins(OpCode::bands, {X, T(93), T(85), X, X, T(97)}).single(),  // 98
    op(OpCode::round, T(98)),  // 99
    ins(OpCode::table, {T(92)}),  // 100
    op(OpCode::sub, T(100), X),  // 101
    op(OpCode::max, T(101), C),  // 102
    op(OpCode::min, T(99), T(102)),  // 103
    op(OpCode::select, T(81), T(85), C),  // 104
    op(OpCode::select, T(81), T(103), C),  // 105
    skip(X, 17),  // 106
    op(OpCode::add, X, X),  // 107
    op(OpCode::sub, T(107), T(60)),  // 108
    op(OpCode::sub, T(108), T(78)),  // 109
    op(OpCode::sub, T(109), T(103)),  // 110
    op(OpCode::max, T(110), C),  // 111
    op(OpCode::select, X, T(111), C),  // 112
    op(OpCode::select, T(81), C, C),  // 113
    op(OpCode::select, X, C, C),  // 114
    op(OpCode::max, T(114), C),  // 115
    op(OpCode::min, T(115), C),  // 116
    ins(OpCode::bands, {X, T(113), T(112), X, X, T(116)}).single(),  // 117
    op(OpCode::round, T(117)),  // 118
    op(OpCode::sub, C, X),  // 119
    op(OpCode::max, T(119), C),  // 120
    op(OpCode::min, T(118), T(120)),  // 121
    op(OpCode::select, X, T(112), C),  // 122
    op(OpCode::select, X, T(121), C),  // 123
    op(OpCode::ne, X, C).stored(),  // 124
    op(OpCode::add, T(60), T(78)),  // 125
    op(OpCode::add, T(125), T(103)),  // 126
    op(OpCode::add, T(126), T(121)),  // 127
    op(OpCode::sub, X, T(127)),  // 128
};

// Its results (Shape::outputs, stages, deltas), in the Program's order.
constexpr Arg kDemoCityOutputs[] = {X, X, X, X, X, X, T(60), T(78), T(103), T(121), T(127), T(128)};
constexpr Arg kDemoCityStages[] = {
    X, T(1), X, T(56), T(60),        // applies, base, deductible, raw, pay
    T(23), T(63), X, T(73), T(78),
    T(81), T(85), X, T(99), T(103),
    X, T(112), X, T(118), T(121),
};
constexpr Arg kDemoCityDeltas[] = {X, T(60), T(79), T(80), T(104), T(105), T(122), T(123)};

struct Shape {
    const COp* ops;
    int n;
    // Where each result the glue reports comes from (T: a shape op's result,
    // X: the slot itself, as an input, a line sum or a constant), in Program
    // order: the shape writes them straight to the Settlement (ShapeResults),
    // so an op read by nothing else need not be stored in the slot array.
    const Arg* outputs;
    int n_outputs;
    const Arg* stages;  // applies, base, deductible, raw, pay per stage
    int n_stages;       // 5 × the stages
    const Arg* deltas;
    int n_deltas;
};

// The number of constants before operand `pos` of op `op`.
constexpr int const_index(const COp* ops, int op, int pos) {
    int n = 0;
    for (int i = 0; i <= op; ++i) {
        const Arg args[3] = {ops[i].a, ops[i].b, ops[i].c};
        for (int k = 0; k < 3; ++k) {
            if (i == op && k == pos) return n;
            n += args[k].kind == Kind::c;
        }
    }
    return n;
}
constexpr Shape kDemoCityShape{kDemoCity,        static_cast<int>(std::size(kDemoCity)),
                               kDemoCityOutputs, static_cast<int>(std::size(kDemoCityOutputs)),
                               kDemoCityStages,  static_cast<int>(std::size(kDemoCityStages)),
                               kDemoCityDeltas,  static_cast<int>(std::size(kDemoCityDeltas))};
static_assert(std::size(kDemoCityStages) % 5 == 0);
constexpr Shape kShapes[] = {kDemoCityShape};

template <const Shape& Sh>
struct Runner {
    static constexpr const COp* S = Sh.ops;
    static constexpr int N = Sh.n;
    const Program& p;
    const FastProgram& f;
    const Claim& c;
    std::int64_t* const s;
    const Op* const ops;
    const std::int64_t* const k;  // FastProgram::shape_consts
    std::int64_t v[N];

    Runner(const Program& p_, const FastProgram& f_, const Claim& c_, std::int64_t* s_)
        : p(p_), f(f_), c(c_), s(s_), ops(p_.ops.data()), k(f_.shape_consts.data()) {}

    // A result the glue reports: an op's value, or the slot's.
    template <Arg A>
    [[gnu::always_inline]] std::int64_t result(std::int32_t slot) const {
        if constexpr (A.kind == Kind::t) return v[A.i];
        else return s[slot];
    }

    // After a run that settles: the results, at offsets fixed by the shape.
    [[gnu::always_inline]] void put(ShapeResults& r) const {
        const OutputInfo* const po = p.outputs.data();
        const StageInfo* const ps = p.stages.data();
        const AccumulatorInfo* const pa = p.accumulators.data();
        [&]<std::size_t... J>(std::index_sequence<J...>) {
            ((r.outputs[J] = Money::from_fen(result<Sh.outputs[J]>(po[J].slot))), ...);
        }(std::make_index_sequence<static_cast<std::size_t>(Sh.n_outputs)>{});
        [&]<std::size_t... J>(std::index_sequence<J...>) {
            const auto stage = [&]<std::size_t I>(std::integral_constant<std::size_t, I>) {
                StageResult& x = r.stages[I];
                const StageInfo& st = ps[I];
                x.applied = result<Sh.stages[5 * I]>(st.applies) != 0;
                x.base = Money::from_fen(result<Sh.stages[5 * I + 1]>(st.base));
                x.deductible = Money::from_fen(result<Sh.stages[5 * I + 2]>(st.deductible));
                x.raw = Money::from_fen(result<Sh.stages[5 * I + 3]>(st.raw));
                x.pay = Money::from_fen(result<Sh.stages[5 * I + 4]>(st.pay));
                if (!x.rejection.empty()) x.rejection.clear();  // a stage's rejection is the glue's (settle_impl)
            };
            (stage(std::integral_constant<std::size_t, J>{}), ...);
        }(std::make_index_sequence<static_cast<std::size_t>(Sh.n_stages / 5)>{});
        // One sign test for all the deltas, not one per delta in the glue.
        r.negative = [&]<std::size_t... J>(std::index_sequence<J...>) {
            return ((r.deltas[J] = result<Sh.deltas[J]>(pa[J].delta)) | ... | 0) < 0;
        }(std::make_index_sequence<static_cast<std::size_t>(Sh.n_deltas)>{});
    }

    template <int I, int Pos>
    [[gnu::always_inline]] std::int64_t get() const {
        constexpr Arg a = Pos == 0 ? S[I].a : Pos == 1 ? S[I].b : S[I].c;
        if constexpr (a.kind == Kind::t) return v[a.i];
        else if constexpr (a.kind == Kind::c) return k[const_index(S, I, Pos)];
        else return s[Pos == 0 ? ops[I].a : Pos == 1 ? ops[I].b : ops[I].c];
    }

    // Where input K of op I (a table, bands or product_round) lies in the slot
    // array; `a` is the op's Program::args.
    template <int I, int K>
    [[gnu::always_inline]] std::int32_t slot_in(const std::int32_t* a) const {
        if constexpr (S[I].code == OpCode::product_round) return K == 0 ? ops[I].a : a[K - 1];
        else return a[K];
    }
    // Input K of op I: the value of the op that produced it, or its slot's.
    template <int I, int K>
    [[gnu::always_inline]] std::int64_t in(const std::int32_t* a) const {
        constexpr Arg x = S[I].in[K];
        if constexpr (x.kind == Kind::t) return v[x.i];
        else return s[slot_in<I, K>(a)];
    }
    // Before the reference's code reads op I's inputs from the slot array (a
    // rare path: a product beyond 64 bits, bands not segmented): the inputs
    // kept only as values, stored there.
    template <int I>
    void spill(const std::int32_t* a) {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            ((S[I].in[K].kind == Kind::t ? void(s[slot_in<I, static_cast<int>(K)>(a)] = v[S[I].in[K].i]) : void()), ...);
        }(std::make_index_sequence<S[I].n_in>{});
    }
    // Band B of segmented bands op I, as bands_fast adds it to `sum`.
    template <int I, int B>
    [[gnu::always_inline]] bool band(const std::int32_t* a, std::int64_t t, std::int64_t lo, std::int64_t hi,
                                     std::int64_t& sum) const {
        return add_band(t, lo, hi, in<I, 3 + 3 * B>(a), in<I, 4 + 3 * B>(a), in<I, 5 + 3 * B>(a), sum);
    }

    // Op I, as run_fast runs it: false when the reference must run instead.
    template <int I>
    [[gnu::always_inline]] bool op() {
        constexpr COp o = S[I];
        const Op& d = ops[I];
        std::int64_t& r = v[I];
        if constexpr (o.code == OpCode::lines) {
            // The fused loop directly when there is one (run_line_columns' dispatch).
            const LineKernel& lk = f.lines.kernel;
            return lk.run ? lk.run(p, lk, c, s) : run_line_columns(p, f.lines, c, s);
        } else if constexpr (o.code == OpCode::fail_if) {
            return get<I, 0>() == 0;
        } else if constexpr (o.code == OpCode::table) {
            const std::int32_t* a = p.args.data() + d.extra;
            constexpr int n = o.n_in;  // the keys (match: o.n)
            std::int64_t at = d.imm;
            [&]<std::size_t... K>(std::index_sequence<K...>) {
                ((at += in<I, K>(a) * a[n + K]), ...);
            }(std::make_index_sequence<n>{});
            r = s[d.dst] = p.table_data[static_cast<std::size_t>(at)];
            return true;
        } else if constexpr (o.code == OpCode::bands) {
            const std::int32_t* a = p.args.data() + d.extra;
            if constexpr (o.one_band) {
                // bands_fast of one band [t, ∞) from 0 (single_band).
                static_assert(o.n_in == 6);
                const std::int64_t start = in<I, 0>(a), t = in<I, 1>(a);
                std::int64_t end, sum = 0;
                if (__builtin_add_overflow(start, in<I, 2>(a), &end)) return false;
                s[d.c] = start < t ? std::max<std::int64_t>(0, std::min(end, t) - start) : 0;
                const std::int64_t lo = std::max(start, t);
                if (end > lo) {
                    std::int64_t piece;
                    if (__builtin_sub_overflow(end, lo, &piece) || __builtin_mul_overflow(piece, in<I, 5>(a), &sum)) return false;
                }
                r = s[d.dst] = sum;
            } else {
                // bands_fast, its bands (match: o.n) unrolled.
                if (static_cast<BandMethod>(d.mode) != BandMethod::segmented) {
                    spill<I>(a);
                    exec_bands(p, d, s);
                    r = s[d.dst];
                    return true;
                }
                const std::int64_t start = in<I, 0>(a), t = in<I, 1>(a);
                std::int64_t end, sum = 0;
                if (__builtin_add_overflow(start, in<I, 2>(a), &end)) return false;
                s[d.c] = start < t ? std::max<std::int64_t>(0, std::min(end, t) - start) : 0;
                const std::int64_t lo = std::max(start, t), hi = end;
                if (hi > lo) {
                    const bool ok = [&]<std::size_t... B>(std::index_sequence<B...>) {
                        return (band<I, static_cast<int>(B)>(a, t, lo, hi, sum) && ...);
                    }(std::make_index_sequence<(o.n_in - 3) / 3>{});
                    if (!ok) return false;
                }
                r = s[d.dst] = sum;
            }
            return true;
        } else if constexpr (o.code == OpCode::product_round) {
            // In bp, n ≤ 3 multipliers (match() checks): the division a constant.
            const std::int32_t* m = p.args.data() + d.extra;
            constexpr int n = o.n_in - 1;
            std::int64_t x = in<I, 0>(m);
            bool wide = false;
            [&]<std::size_t... K>(std::index_sequence<K...>) {
                ((wide |= __builtin_mul_overflow(x, in<I, K + 1>(m), &x)), ...);
            }(std::make_index_sequence<n>{});
            if (wide) {
                spill<I>(m);
                run_op(p, d, s);  // 128 bits; throws on overflow
                r = s[d.dst];
                return true;
            }
            if constexpr (n == 1) x = round_div_const<10000, RoundMode::half_up>(x);
            else if constexpr (n == 2) x = round_div_const<100000000, RoundMode::half_up>(x);
            else x = round_div_const<1000000000000, RoundMode::half_up>(x);
            r = s[d.dst] = x;
            return true;
        } else {
            if constexpr (o.code == OpCode::add) {
                if (__builtin_add_overflow(get<I, 0>(), get<I, 1>(), &r)) return false;
            } else if constexpr (o.code == OpCode::sub) {
                if (__builtin_sub_overflow(get<I, 0>(), get<I, 1>(), &r)) return false;
            } else if constexpr (o.code == OpCode::mul) {
                if (__builtin_mul_overflow(get<I, 0>(), get<I, 1>(), &r)) return false;
            } else if constexpr (o.code == OpCode::neg) {
                if (__builtin_sub_overflow(std::int64_t{0}, get<I, 0>(), &r)) return false;
            } else if constexpr (o.code == OpCode::rescale) {
                if (__builtin_mul_overflow(get<I, 0>(), d.imm, &r)) return false;
            } else if constexpr (o.code == OpCode::min) {
                r = std::min(get<I, 0>(), get<I, 1>());
            } else if constexpr (o.code == OpCode::max) {
                r = std::max(get<I, 0>(), get<I, 1>());
            } else if constexpr (o.code == OpCode::eq) {
                r = get<I, 0>() == get<I, 1>();
            } else if constexpr (o.code == OpCode::ne) {
                r = get<I, 0>() != get<I, 1>();
            } else if constexpr (o.code == OpCode::lt) {
                r = get<I, 0>() < get<I, 1>();
            } else if constexpr (o.code == OpCode::le) {
                r = get<I, 0>() <= get<I, 1>();
            } else if constexpr (o.code == OpCode::gt) {
                r = get<I, 0>() > get<I, 1>();
            } else if constexpr (o.code == OpCode::ge) {
                r = get<I, 0>() >= get<I, 1>();
            } else if constexpr (o.code == OpCode::and_) {
                r = (get<I, 0>() != 0) & (get<I, 1>() != 0);
            } else if constexpr (o.code == OpCode::or_) {
                r = (get<I, 0>() != 0) | (get<I, 1>() != 0);
            } else if constexpr (o.code == OpCode::not_) {
                r = get<I, 0>() == 0;
            } else if constexpr (o.code == OpCode::select) {
                // A mask, not a branch: a claim's conditions (its insurance
                // type, region, tags) are as good as random from one claim to
                // the next, and GCC's branches on them were mispredicted.
                const auto x = static_cast<std::uint64_t>(get<I, 1>()), y = static_cast<std::uint64_t>(get<I, 2>());
                const std::uint64_t take_x = 0 - static_cast<std::uint64_t>(get<I, 0>() != 0);
                r = static_cast<std::int64_t>(y ^ ((x ^ y) & take_x));
            } else if constexpr (o.code == OpCode::tags_any) {
                r = (get<I, 0>() & d.imm) != 0;
            } else if constexpr (o.code == OpCode::tags_all) {
                r = (get<I, 0>() & d.imm) == d.imm;
            } else if constexpr (o.code == OpCode::round) {
                r = round_div_const<10000, RoundMode::half_up>(get<I, 0>());  // is_fen (match)
            } else {
                static_assert(o.code == OpCode::add, "an op kind claim shapes do not support");
            }
            if constexpr (o.store) s[d.dst] = r;
            return true;
        }
    }

    // A stage that does not apply: its ops' results are 0, in the slot array
    // too where anything reads them there.
    template <int I, int E>
    [[gnu::always_inline]] void zero() {
        if constexpr (I < E) {
            v[I] = 0;
            if constexpr (S[I].store || in_slots(S[I].code)) s[ops[I].dst] = 0;
            if constexpr (S[I].code == OpCode::bands) s[ops[I].c] = 0;
            zero<I + 1, E>();
        }
    }

    // Ops [I, E) in order; a skip runs or zeroes the ops it covers.
    template <int I, int E>
    [[gnu::always_inline]] bool run() {
        if constexpr (I >= E) {
            return true;
        } else if constexpr (S[I].code == OpCode::skip_unless) {
            constexpr int J = I + 1 + S[I].skip;
            if (get<I, 0>() != 0) {
                if (!run<I + 1, J>()) return false;
            } else {
                zero<I + 1, J>();
            }
            return run<J, E>();
        } else {
            if (!op<I>()) return false;
            return run<I + 1, E>();
        }
    }
};

template <const Shape& Sh>
bool run_one(const Program& p, const FastProgram& f, const Claim& c, std::int64_t* s, ShapeResults& out) noexcept {
    try {
        Runner<Sh> r(p, f, c, s);
        if (!r.template run<0, Sh.n>()) return false;
        r.put(out);
        return true;
    } catch (...) {
        return false;
    }
}

using Run = bool (*)(const Program&, const FastProgram&, const Claim&, std::int64_t*, ShapeResults&) noexcept;
constexpr Run kRuns[] = {run_one<kDemoCityShape>};
static_assert(std::size(kRuns) == std::size(kShapes));

// Whether the program is shape `sh`: the same ops in the same order, each T
// operand the result of the op the shape names, each X operand a slot whose
// value is in the slot array when read, every slot read after the claim code
// (rejections) or by an op through the slots kept there, and each result
// (outputs, stages, deltas) the value the shape binds it to.
bool matches(const Program& p, const Shape& sh, const std::vector<std::uint8_t>& written,
             std::vector<std::int64_t>& consts) {
    const std::size_t n = p.ops.size();
    if (static_cast<std::size_t>(sh.n) != n) return false;
    consts.clear();
    // Per slot: the shape op that last wrote it, and whether that op keeps
    // it in the slot array.
    std::vector<int> producer(p.slot_init.size(), -1);
    std::vector<std::uint8_t> in_array(p.slot_init.size(), 1);
    const auto valid = [&](std::int32_t sl) { return sl >= 0 && static_cast<std::size_t>(sl) < producer.size(); };
    const auto readable = [&](std::int32_t sl) { return valid(sl) && in_array[static_cast<std::size_t>(sl)]; };
    for (std::size_t i = 0; i < n; ++i) {
        const Op& o = p.ops[i];
        const COp& w = sh.ops[i];
        if (o.code != w.code) return false;
        const std::int32_t slots[3] = {o.a, o.b, o.c};
        const Arg args[3] = {w.a, w.b, w.c};
        for (int k = 0; k < 3; ++k) {
            if ((args[k].kind != Kind::none) != (k < operand_count(o.code))) return false;
            if (args[k].kind == Kind::none) continue;
            if (!valid(slots[k])) return false;
            const auto sl = static_cast<std::size_t>(slots[k]);
            switch (args[k].kind) {
                case Kind::t: if (producer[sl] != args[k].i) return false; break;
                case Kind::c:
                    if (written[sl]) return false;
                    consts.push_back(p.slot_init[sl]);
                    break;
                default: if (!readable(slots[k])) return false;
            }
        }
        bool ok = true;
        if (in_slots(o.code)) {
            int k = 0;
            for_each_input(p, o, [&](std::int32_t sl) {
                if (k >= w.n_in || !valid(sl)) ok = false;
                else if (w.in[k].kind == Kind::t) ok &= producer[static_cast<std::size_t>(sl)] == w.in[k].i;
                else ok &= w.in[k].kind == Kind::x && readable(sl);
                ++k;
            });
            ok &= k == w.n_in;
        }
        if (!ok) return false;
        switch (o.code) {
            case OpCode::round: if (!is_fen(o)) return false; break;
            case OpCode::skip_unless:
                if (o.n != w.skip) return false;
                break;
            case OpCode::bands:
                if (w.one_band && single_band(p, o, written) < 0) return false;
                break;
            case OpCode::product_round:
                if (o.n < 1 || o.n > 3 || o.imm2 != 1 || static_cast<RoundMode>(o.mode) != RoundMode::half_up ||
                    o.imm != power_of_ten(4 * o.n))
                    return false;
                break;
            default: break;
        }
        if (o.code == OpCode::lines || o.code == OpCode::fail_if || o.code == OpCode::skip_unless) continue;
        if (!valid(o.dst) || (o.code == OpCode::bands && !valid(o.c))) return false;
        producer[static_cast<std::size_t>(o.dst)] = static_cast<int>(i);
        in_array[static_cast<std::size_t>(o.dst)] = w.store || in_slots(o.code);
        if (o.code == OpCode::bands) {
            producer[static_cast<std::size_t>(o.c)] = -1;  // not a T: read through the slot
            in_array[static_cast<std::size_t>(o.c)] = 1;
        }
    }
    bool ok = true;
    const auto need = [&](std::int32_t sl) { ok &= readable(sl); };
    for (const auto& r : p.rejections) need(r.cond);
    for (const auto& st : p.stages)
        for (const auto& r : st.rejects) need(r.cond);
    // Each result the shape writes: the value of the op it names (the last
    // to write the slot), or the slot itself when that is in the array.
    const auto bound = [&](const Arg& a, std::int32_t sl) {
        if (a.kind == Kind::t) ok &= valid(sl) && producer[static_cast<std::size_t>(sl)] == a.i;
        else ok &= a.kind == Kind::x && readable(sl);
    };
    if (static_cast<std::size_t>(sh.n_outputs) != p.outputs.size() ||
        static_cast<std::size_t>(sh.n_stages) != 5 * p.stages.size() ||
        static_cast<std::size_t>(sh.n_deltas) != p.accumulators.size())
        return false;
    for (std::size_t i = 0; i < p.outputs.size(); ++i) bound(sh.outputs[i], p.outputs[i].slot);
    for (std::size_t i = 0; i < p.stages.size(); ++i) {
        const auto& st = p.stages[i];
        const std::int32_t slots[5] = {st.applies, st.base, st.deductible, st.raw, st.pay};
        for (int j = 0; j < 5; ++j) bound(sh.stages[5 * i + static_cast<std::size_t>(j)], slots[j]);
    }
    for (std::size_t i = 0; i < p.accumulators.size(); ++i) bound(sh.deltas[i], p.accumulators[i].delta);
    return ok;
}

}  // namespace claim_shape

std::string claim_shape_source(const Program& p) {
    using claim_shape::in_slots;
    using claim_shape::operand_count;
    static constexpr const char* names[] = {"add", "sub", "mul", "neg", "min", "max", "rescale", "round", "eq",
                                            "ne", "lt", "le", "gt", "ge", "and_", "or_", "not_", "select",
                                            "tags_any", "tags_all", "table", "lines", "bands", "product_round",
                                            "fail_if", "skip_unless"};
    static_assert(std::size(names) == static_cast<std::size_t>(OpCode::skip_unless) + 1);
    const auto written = written_slots(p);
    const std::size_t n = p.ops.size();
    std::vector<int> producer(p.slot_init.size(), -1);
    std::vector<std::uint8_t> store(n, 0);
    // What matches() requires in the slot array: an op's result read there.
    const auto need = [&](std::int32_t sl) {
        if (sl >= 0 && producer[static_cast<std::size_t>(sl)] >= 0) store[static_cast<std::size_t>(producer[static_cast<std::size_t>(sl)])] = 1;
    };
    std::vector<std::string> text(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Op& o = p.ops[i];
        const std::int32_t slots[3] = {o.a, o.b, o.c};
        std::string args;
        for (int k = 0; k < operand_count(o.code); ++k) {
            const auto sl = static_cast<std::size_t>(slots[k]);
            const int j = producer[sl];
            if (j >= 0 && p.ops[static_cast<std::size_t>(j)].dst == slots[k]) {
                args += ", T(" + std::to_string(j) + ")";
            } else if (!written[sl]) {
                args += ", C";
            } else {
                args += ", X";
                need(slots[k]);
            }
        }
        std::string in;
        if (in_slots(o.code))  // an input an op produces is read as its value, else from its slot
            for_each_input(p, o, [&](std::int32_t sl) {
                const int j = producer[static_cast<std::size_t>(sl)];
                in += (in.empty() ? "" : ", ") + (j >= 0 ? "T(" + std::to_string(j) + ")" : std::string("X"));
            });
        text[i] = o.code == OpCode::skip_unless ? "skip(" + args.substr(2) + ", " + std::to_string(o.n) + ")"
                  : in_slots(o.code)            ? std::string("ins(OpCode::") + names[static_cast<int>(o.code)] + ", {" + in + "})"
                                                : std::string("op(OpCode::") + names[static_cast<int>(o.code)] + args + ")";
        if (o.dst >= 0) producer[static_cast<std::size_t>(o.dst)] = static_cast<int>(i);
        if (o.code == OpCode::bands) producer[static_cast<std::size_t>(o.c)] = -1;
    }
    // Rejections are read in the slot array; the results the glue reports
    // are written from the shape's own values (Shape::outputs, stages, deltas).
    for (const auto& r : p.rejections) need(r.cond);
    for (const auto& st : p.stages)
        for (const auto& r : st.rejects) need(r.cond);
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        const Op& o = p.ops[i];
        out += "    " + text[i];
        if (store[i] && !in_slots(o.code)) out += ".stored()";
        if (single_band(p, o, written) >= 0) out += ".single()";
        out += ",  // " + std::to_string(i) + "\n";
    }
    const auto result = [&](std::int32_t sl) {
        const int j = sl >= 0 ? producer[static_cast<std::size_t>(sl)] : -1;
        return j >= 0 ? "T(" + std::to_string(j) + ")" : std::string("X");
    };
    const auto list = [&](const char* what, const std::vector<std::int32_t>& slots) {
        out += std::string("// ") + what + ":";
        for (std::size_t i = 0; i < slots.size(); ++i) out += (i ? ", " : " ") + result(slots[i]);
        out += "\n";
    };
    std::vector<std::int32_t> outputs, stages, deltas;
    for (const auto& o : p.outputs) outputs.push_back(o.slot);
    for (const auto& st : p.stages) stages.insert(stages.end(), {st.applies, st.base, st.deductible, st.raw, st.pay});
    for (const auto& a : p.accumulators) deltas.push_back(a.delta);
    list("outputs", outputs);
    list("stages (applies, base, deductible, raw, pay)", stages);
    list("deltas", deltas);
    return out;
}

int match_claim_shape(const Program& p, std::vector<std::int64_t>& consts) {
    const auto written = written_slots(p);
    for (int i = 0; i < static_cast<int>(std::size(claim_shape::kShapes)); ++i)
        if (claim_shape::matches(p, claim_shape::kShapes[i], written, consts)) return i;
    consts.clear();
    return -1;
}

bool run_claim_shape(const Program& p, const FastProgram& f, const Claim& c, std::int64_t* s, ShapeResults& out) noexcept {
    return claim_shape::kRuns[f.claim_shape](p, f, c, s, out);
}

}  // namespace claimgraph::detail
