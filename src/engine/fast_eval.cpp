// The untraced evaluator's fast form (fast_program.hpp): claim-level ops in
// 16-byte form, dispatched by computed goto so that every op kind ends in its
// own indirect jump, which the branch predictor learns separately.
#include "engine/fast_program.hpp"
#include "engine/round_fast.hpp"
#include "engine/run_op.hpp"

namespace claimgraph::detail {

namespace {

XCode xcode(OpCode c) {
    switch (c) {
        case OpCode::add: return XCode::add;
        case OpCode::sub: return XCode::sub;
        case OpCode::mul: return XCode::mul;
        case OpCode::neg: return XCode::neg;
        case OpCode::min: return XCode::min;
        case OpCode::max: return XCode::max;
        case OpCode::rescale: return XCode::rescale;
        case OpCode::round: return XCode::round;
        case OpCode::eq: return XCode::eq;
        case OpCode::ne: return XCode::ne;
        case OpCode::lt: return XCode::lt;
        case OpCode::le: return XCode::le;
        case OpCode::gt: return XCode::gt;
        case OpCode::ge: return XCode::ge;
        case OpCode::and_: return XCode::and_;
        case OpCode::or_: return XCode::or_;
        case OpCode::not_: return XCode::not_;
        case OpCode::select: return XCode::select;
        case OpCode::tags_any: return XCode::tags_any;
        case OpCode::tags_all: return XCode::tags_all;
        case OpCode::bands: return XCode::bands;
        case OpCode::fail_if: return XCode::fail_if;
        case OpCode::lines: return XCode::lines;
        case OpCode::skip_unless: return XCode::skip;
        case OpCode::product_round: return XCode::product_round;
        case OpCode::table: break;
    }
    return XCode::generic;
}

}  // namespace

namespace {

bool is_cmp(OpCode c) {
    return c == OpCode::eq || c == OpCode::ne || c == OpCode::lt || c == OpCode::le || c == OpCode::gt || c == OpCode::ge;
}

XCode cmp_sel(OpCode c) {
    switch (c) {
        case OpCode::eq: return XCode::eq_sel;
        case OpCode::ne: return XCode::ne_sel;
        case OpCode::lt: return XCode::lt_sel;
        case OpCode::le: return XCode::le_sel;
        case OpCode::gt: return XCode::gt_sel;
        default: return XCode::ge_sel;
    }
}

// When `o` (min or max, both symmetric) reads slot t, its other operand.
bool other_operand(const Op& o, OpCode code, std::int32_t t, std::int32_t& other) {
    if (o.code != code) return false;
    if (o.a == t) other = o.b;
    else if (o.b == t) other = o.a;
    else return false;
    return true;
}

}  // namespace

std::int64_t power_of_ten(int e) {
    std::int64_t v = 1;
    while (e-- > 0) v *= 10;
    return v;
}

// The rounding the lowering emits nearly everywhere: fen·bp to fen, half up.
bool is_fen(const Op& o) {
    return o.code == OpCode::round && static_cast<RoundMode>(o.mode) == RoundMode::half_up && o.imm == 10000 &&
           o.imm2 == 1;
}

// A segmented bands op of one band from a constant 0 to a constant beyond
// kUnlimitedAmount (the usual single ratio): its ratio slot, else -1. For it
// bands_fast's band is [t, ∞): the piece paid is end - max(start, t).
std::int32_t single_band(const Program& p, const Op& op, const std::vector<std::uint8_t>& written) {
    if (op.code != OpCode::bands || op.n != 1 || static_cast<BandMethod>(op.mode) != BandMethod::segmented) return -1;
    const std::int32_t* a = p.args.data() + op.extra;
    const auto constant = [&](std::int32_t sl) { return !written[static_cast<std::size_t>(sl)]; };
    const auto init = [&](std::int32_t sl) { return p.slot_init[static_cast<std::size_t>(sl)]; };
    if (!constant(a[3]) || init(a[3]) != 0 || !constant(a[4]) || init(a[4]) < kUnlimitedAmount) return -1;
    return a[5];
}

void build_claim_code(const Program& p, FastProgram& f) {
    f.claim_ok = false;
    f.code.clear();
    f.imms.clear();
    f.zero.clear();
    f.slots = static_cast<std::int32_t>(p.slot_init.size());
    f.stage_slots.clear();
    for (const auto& st : p.stages) {
        if (!st.rejects.empty()) {
            f.stage_slots.clear();
            break;
        }
        for (const std::int32_t k : {st.applies, st.base, st.deductible, st.raw, st.pay}) f.stage_slots.push_back(k);
    }
    f.delta_slots.clear();
    for (const auto& a : p.accumulators) f.delta_slots.push_back(a.delta);
    {
        std::vector<std::uint8_t> read(p.slot_init.size(), 0);
        const auto mark = [&](std::int32_t sl) {
            if (sl >= 0 && static_cast<std::size_t>(sl) < read.size()) read[static_cast<std::size_t>(sl)] = 1;
        };
        for (const auto* ops : {&p.ops, &p.line_ops})
            for (const Op& o : *ops) for_each_input(p, o, mark);
        for (const auto& o : p.outputs) mark(o.slot);
        for (const auto& r : p.rejections) mark(r.cond);
        for (const auto& a : p.accumulators) mark(a.delta);
        for (const auto& st : p.stages) st.for_each_slot(mark);
        f.claim_reads_present.clear();
        for (std::int32_t i = 0; i < static_cast<std::int32_t>(p.schema.claim_fields.size()); ++i)
            if (read[static_cast<std::size_t>(p.claim_present + i)]) f.claim_reads_present.push_back(i);
    }
    f.acc_first = p.accumulators.empty() ? -1 : p.accumulators[0].slot;
    for (std::size_t i = 0; i < p.accumulators.size(); ++i)
        if (p.accumulators[i].slot != f.acc_first + static_cast<std::int32_t>(i)) f.acc_first = -1;
    if (p.slot_init.size() > 0xffff || p.ops.size() > 0x7fffffff) return;
    const std::size_t n = p.ops.size();
    // A skip lands on its target: no superinstruction may start before one
    // and run into it.
    std::vector<std::uint8_t> target(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i)
        if (p.ops[i].code == OpCode::skip_unless) {
            const std::size_t t = i + 1 + static_cast<std::size_t>(p.ops[i].n);
            if (t > n) return;
            target[t] = 1;
        }
    const auto u16 = [](std::int32_t v) { return static_cast<std::uint16_t>(v); };
    const auto written = written_slots(p);
    std::vector<std::size_t> at(n + 1, 0);  // original op → its place in f.code
    for (std::size_t i = 0; i < n;) {
        const Op& op = p.ops[i];
        at[i] = f.code.size();
        XOp x;
        x.code = xcode(op.code);
        x.mode = op.mode;
        x.dst = u16(op.dst < 0 ? 0 : op.dst);
        x.a = u16(op.a);
        x.b = u16(op.b);
        x.c = u16(op.c);
        x.k = static_cast<std::int32_t>(i);
        const Op* o2 = i + 1 < n && !target[i + 1] ? &p.ops[i + 1] : nullptr;
        const Op* o3 = o2 && i + 2 < n && !target[i + 2] ? &p.ops[i + 2] : nullptr;
        std::int32_t m1 = 0, m2 = 0;
        std::size_t used = 1;
        if ((op.code == OpCode::add || op.code == OpCode::sub) && o2 && other_operand(*o2, OpCode::max, op.dst, m1)) {
            x.c = u16(m1);
            x.n = u16(o2->dst);
            if (o3 && other_operand(*o3, OpCode::min, o2->dst, m2)) {
                x.code = op.code == OpCode::add ? XCode::add_clamp : XCode::sub_clamp;
                x.k = static_cast<std::int32_t>(static_cast<std::uint32_t>(m2) | static_cast<std::uint32_t>(o3->dst) << 16);
                used = 3;
            } else {
                x.code = op.code == OpCode::add ? XCode::add_max : XCode::sub_max;
                used = 2;
            }
        } else if (op.code == OpCode::max && o2 && other_operand(*o2, OpCode::min, op.dst, m1)) {
            x.code = XCode::max_min;
            x.c = u16(m1);
            x.n = u16(o2->dst);
            used = 2;
        } else if (op.code == OpCode::select && o2 && o2->code == OpCode::add && (o2->a == op.dst || o2->b == op.dst)) {
            x.code = XCode::sel_add;
            x.n = u16(o2->dst);
            x.k = o2->a == op.dst ? o2->b : o2->a;
            used = 2;
        } else if (op.code == OpCode::select && o2 && o2->code == OpCode::select && o2->a == op.a) {
            x.code = XCode::sel2;
            x.n = u16(o2->dst);
            x.k = static_cast<std::int32_t>(static_cast<std::uint32_t>(o2->b) | static_cast<std::uint32_t>(o2->c) << 16);
            used = 2;
        } else if (const std::int32_t r = single_band(p, op, written); r >= 0) {
            // The band loop and its bounds' arithmetic reduce to one product.
            const std::int32_t* a = p.args.data() + op.extra;
            x.code = XCode::band1;
            x.a = u16(a[0]);
            x.b = u16(a[1]);
            x.c = u16(a[2]);
            x.n = u16(op.c);
            x.k = r;
            if (o2 && o2->code == OpCode::round && o2->a == op.dst && is_fen(*o2)) {
                x.code = XCode::band1_round_fen;
                x.k = static_cast<std::int32_t>(static_cast<std::uint32_t>(r) | static_cast<std::uint32_t>(o2->dst) << 16);
                used = 2;
            }
        } else if (op.code == OpCode::product_round && op.n >= 1 && op.n <= 3 && op.imm2 == 1 &&
                   static_cast<RoundMode>(op.mode) == RoundMode::half_up && op.imm == power_of_ten(4 * op.n)) {
            // A deductible times its ratios in bp: the division a constant,
            // with no lookup of the Op.
            x.code = XCode::product_round_fen;
            x.n = u16(op.n);
            x.k = op.extra;
            x.b = u16(static_cast<std::int32_t>(i & 0xffff));
            x.c = u16(static_cast<std::int32_t>(i >> 16));
        } else if (op.code == OpCode::bands && o2 && o2->code == OpCode::round && o2->a == op.dst &&
                   f.imms.size() + 2 <= 0xffff) {
            x.code = XCode::bands_round;
            x.n = u16(o2->dst);
            x.mode = o2->mode;
            x.c = static_cast<std::uint16_t>(f.imms.size());
            f.imms.push_back(o2->imm);
            f.imms.push_back(o2->imm2);
            used = 2;
        } else if (op.code == OpCode::table && (op.n == 1 || op.n == 2)) {
            // A lookup without the generic op's second dispatch and key loop.
            x.code = op.n == 1 ? XCode::table1 : XCode::table2;
            x.a = u16(p.args[static_cast<std::size_t>(op.extra)]);
            if (op.n == 2) x.b = u16(p.args[static_cast<std::size_t>(op.extra) + 1]);
            x.k = static_cast<std::int32_t>(f.imms.size());
            f.imms.push_back(op.imm);
            for (std::int32_t j = 0; j < op.n; ++j) f.imms.push_back(p.args[static_cast<std::size_t>(op.extra + op.n + j)]);
        } else if (op.code == OpCode::tags_any && o2 && o2->code == OpCode::select && o2->a == op.dst) {
            x.code = XCode::tags_sel;
            x.b = u16(o2->b);
            x.c = u16(o2->c);
            x.n = u16(o2->dst);
            x.k = static_cast<std::int32_t>(f.imms.size());
            f.imms.push_back(op.imm);
            used = 2;
        } else if (is_cmp(op.code) && o2 && o2->code == OpCode::select && o2->a == op.dst) {
            x.code = cmp_sel(op.code);
            x.c = u16(o2->b);
            x.k = o2->c;
            x.n = u16(o2->dst);
            used = 2;
        } else {
            switch (x.code) {
                case XCode::rescale: case XCode::tags_any: case XCode::tags_all:
                    x.k = static_cast<std::int32_t>(f.imms.size());
                    f.imms.push_back(op.imm);
                    break;
                case XCode::round:
                    x.k = static_cast<std::int32_t>(f.imms.size());
                    f.imms.push_back(op.imm);
                    f.imms.push_back(op.imm2);
                    break;
                default: break;
            }
        }
        // The rounding the lowering emits nearly everywhere, fen·bp to fen
        // half up, inline with its divisor a constant.
        const bool fen = (x.code == XCode::round || x.code == XCode::bands_round) &&
                         static_cast<RoundMode>(x.mode) == RoundMode::half_up &&
                         f.imms[static_cast<std::size_t>(x.code == XCode::round ? x.k : x.c)] == 10000 &&
                         f.imms[static_cast<std::size_t>(x.code == XCode::round ? x.k : x.c) + 1] == 1;
        if (fen) x.code = x.code == XCode::round ? XCode::round_fen : XCode::bands_round_fen;
        f.code.push_back(x);
        i += used;
    }
    at[n] = f.code.size();
    for (std::size_t i = 0; i < n; ++i)
        if (p.ops[i].code == OpCode::skip_unless) {
            XOp& x = f.code[at[i]];
            const std::size_t jump = at[i + 1 + static_cast<std::size_t>(p.ops[i].n)] - at[i] - 1;
            if (jump > 0xffff) return;
            x.n = static_cast<std::uint16_t>(jump);
            // What the skipped ops write and anything outside them reads (the
            // stage's results), zeroed when the skip is taken.
            const std::size_t b = i + 1, e = i + 1 + static_cast<std::size_t>(p.ops[i].n);
            std::vector<std::uint8_t> outside(p.slot_init.size(), 0);
            const auto mark = [&](std::int32_t sl) {
                if (sl >= 0) outside[static_cast<std::size_t>(sl)] = 1;
            };
            for (std::size_t j = 0; j < n; ++j)
                if (j < b || j >= e) for_each_input(p, p.ops[j], mark);
            for (const Op& o : p.line_ops) for_each_input(p, o, mark);
            for (const auto& o : p.outputs) mark(o.slot);
            for (const auto& r : p.rejections) mark(r.cond);
            for (const auto& a : p.accumulators) mark(a.delta);
            for (const auto& st : p.stages) st.for_each_slot(mark);
            x.k = static_cast<std::int32_t>(f.zero.size());
            for (std::size_t j = b; j < e; ++j) {
                const Op& o = p.ops[j];
                if (o.dst >= 0 && o.code != OpCode::skip_unless && outside[static_cast<std::size_t>(o.dst)]) f.zero.push_back(o.dst);
                if (o.code == OpCode::bands && outside[static_cast<std::size_t>(o.c)]) f.zero.push_back(o.c);
            }
            const std::size_t count = f.zero.size() - static_cast<std::size_t>(x.k);
            if (count > 0xffff) return;
            x.b = static_cast<std::uint16_t>(count);
            // A flag slot of its own, when only the skipped ops write the
            // slots it zeroes: set when zeroed, cleared when the ops run.
            std::vector<std::uint8_t> written(p.slot_init.size(), 0);
            const auto wr = [&](std::int32_t sl) {
                if (sl >= 0 && static_cast<std::size_t>(sl) < written.size()) written[static_cast<std::size_t>(sl)] = 1;
            };
            for (std::size_t j = 0; j < n; ++j)
                if (j < b || j >= e) {
                    wr(p.ops[j].dst);
                    if (p.ops[j].code == OpCode::bands) wr(p.ops[j].c);
                }
            for (const auto& s : p.line_sums) wr(s.claim_slot);
            for (const auto& a : p.accumulators) wr(a.slot);
            for (std::size_t j = 0; j < p.schema.claim_fields.size(); ++j) {
                wr(p.claim_fields + static_cast<std::int32_t>(j));
                wr(p.claim_present + static_cast<std::int32_t>(j));
            }
            wr(p.claim_date);
            for (const std::int32_t k : f.reset) wr(k);
            bool own = count > 0 && f.slots < 0xffff;
            for (std::size_t j = static_cast<std::size_t>(x.k); j < f.zero.size(); ++j) own &= !written[static_cast<std::size_t>(f.zero[j])];
            x.mode = own;
            x.dst = own ? static_cast<std::uint16_t>(f.slots++) : 0;
        }
    f.code.push_back(XOp{XCode::end});
    f.claim_ok = true;
}

bool run_fast(const Program& p, const FastProgram& f, const Claim& c, std::int64_t* s) noexcept {
    if (!f.claim_ok) return false;
    static constexpr void* labels[] = {
        &&add, &&sub, &&mul, &&neg, &&min, &&max, &&rescale, &&round, &&eq, &&ne, &&lt, &&le, &&gt, &&ge, &&and_,
        &&or_, &&not_, &&select, &&tags_any, &&tags_all, &&generic, &&bands, &&fail_if, &&lines, &&skip,
        &&add_max, &&sub_max, &&max_min, &&add_clamp, &&sub_clamp, &&tags_sel, &&eq_sel, &&ne_sel, &&lt_sel,
        &&le_sel, &&gt_sel, &&ge_sel, &&sel_add, &&sel2, &&bands_round, &&table1, &&table2, &&round_fen,
        &&bands_round_fen, &&product_round, &&band1, &&band1_round_fen, &&product_round_fen, &&end,
    };
    static_assert(sizeof(labels) / sizeof(labels[0]) == static_cast<std::size_t>(XCode::end) + 1);
    const XOp* op = f.code.data();
    const std::int64_t* imm = f.imms.data();
    try {
#define CG_NEXT goto* labels[static_cast<std::uint8_t>((++op)->code)]
#define CG_BIN(expr)            \
    {                           \
        const std::int64_t x = s[op->a], y = s[op->b]; \
        s[op->dst] = (expr);    \
        CG_NEXT;                \
    }
#define CG_CHECKED(builtin)                                   \
    {                                                         \
        if (builtin(s[op->a], s[op->b], &s[op->dst])) return false; \
        CG_NEXT;                                              \
    }
        goto* labels[static_cast<std::uint8_t>(op->code)];
    add: CG_CHECKED(__builtin_add_overflow)
    sub: CG_CHECKED(__builtin_sub_overflow)
    mul: CG_CHECKED(__builtin_mul_overflow)
    neg:
        if (__builtin_sub_overflow(std::int64_t{0}, s[op->a], &s[op->dst])) return false;
        CG_NEXT;
    min: CG_BIN(x < y ? x : y)
    max: CG_BIN(x < y ? y : x)
    rescale:
        if (__builtin_mul_overflow(s[op->a], imm[op->k], &s[op->dst])) return false;
        CG_NEXT;
    round:
        s[op->dst] = round_fast(s[op->a], imm[op->k], imm[op->k + 1], static_cast<RoundMode>(op->mode));
        CG_NEXT;
    eq: CG_BIN(x == y)
    ne: CG_BIN(x != y)
    lt: CG_BIN(x < y)
    le: CG_BIN(x <= y)
    gt: CG_BIN(x > y)
    ge: CG_BIN(x >= y)
    // Bitwise on 0/1: && and || compiled to branches.
    and_: CG_BIN((x != 0) & (y != 0))
    or_: CG_BIN((x != 0) | (y != 0))
    not_:
        s[op->dst] = !s[op->a];
        CG_NEXT;
    select:
        s[op->dst] = s[op->a] ? s[op->b] : s[op->c];
        CG_NEXT;
    tags_any:
        s[op->dst] = (s[op->a] & imm[op->k]) != 0;
        CG_NEXT;
    tags_all:
        s[op->dst] = (s[op->a] & imm[op->k]) == imm[op->k];
        CG_NEXT;
    generic:
        run_op(p, p.ops[static_cast<std::size_t>(op->k)], s);
        CG_NEXT;
    bands:
        if (!bands_fast(p, p.ops[static_cast<std::size_t>(op->k)], s)) return false;
        CG_NEXT;
    fail_if:
        if (s[op->a]) return false;
        CG_NEXT;
    lines:
        if (!run_line_columns(p, f.lines, c, s)) return false;
        CG_NEXT;
    skip:
        // The stage does not apply: its private ops would all produce 0. The
        // slot array is reused between claims (settle_impl), so their slots
        // are zeroed here rather than before every claim.
        // With a flag (mode), a skip taken claim after claim zeroes them once.
        if (!s[op->a]) {
            if (!(op->mode && s[op->dst])) {
                const std::int32_t* z = f.zero.data() + op->k;
                const std::size_t nz = op->b;
#pragma GCC unroll 4
                for (std::size_t j = 0; j < nz; ++j) s[z[j]] = 0;
                if (op->mode) s[op->dst] = 1;
            }
            op += op->n;
        } else if (op->mode) {
            s[op->dst] = 0;
        }
        CG_NEXT;
    // Superinstructions: each intermediate is stored before the next part
    // reads its operands, so aliasing slots read what the op sequence would.
#define CG_ARITH_MAX(builtin, clamp)                                         \
    {                                                                        \
        std::int64_t r;                                                      \
        if (builtin(s[op->a], s[op->b], &r)) return false;                   \
        s[op->dst] = r;                                                      \
        const std::int64_t y = s[op->c];                                     \
        r = r < y ? y : r;                                                   \
        s[op->n] = r;                                                        \
        if (clamp) {                                                         \
            const auto k = static_cast<std::uint32_t>(op->k);                \
            const std::int64_t z = s[k & 0xffff];                            \
            s[k >> 16] = r < z ? r : z;                                      \
        }                                                                    \
        CG_NEXT;                                                             \
    }
    add_max: CG_ARITH_MAX(__builtin_add_overflow, false)
    sub_max: CG_ARITH_MAX(__builtin_sub_overflow, false)
    add_clamp: CG_ARITH_MAX(__builtin_add_overflow, true)
    sub_clamp: CG_ARITH_MAX(__builtin_sub_overflow, true)
    max_min: {
        const std::int64_t x = s[op->a], y = s[op->b];
        const std::int64_t r = x < y ? y : x;
        s[op->dst] = r;
        const std::int64_t z = s[op->c];
        s[op->n] = r < z ? r : z;
        CG_NEXT;
    }
    tags_sel: {
        const bool t = (s[op->a] & imm[op->k]) != 0;
        s[op->dst] = t;
        s[op->n] = t ? s[op->b] : s[op->c];
        CG_NEXT;
    }
#define CG_CMP_SEL(expr)                               \
    {                                                  \
        const std::int64_t x = s[op->a], y = s[op->b]; \
        const bool t = (expr);                         \
        s[op->dst] = t;                                \
        s[op->n] = t ? s[op->c] : s[op->k];            \
        CG_NEXT;                                       \
    }
    sel_add: {
        const std::int64_t t = s[op->a] ? s[op->b] : s[op->c];
        s[op->dst] = t;
        if (__builtin_add_overflow(t, s[op->k], &s[op->n])) return false;
        CG_NEXT;
    }
    sel2: {
        const bool t = s[op->a] != 0;
        s[op->dst] = t ? s[op->b] : s[op->c];
        const auto k = static_cast<std::uint32_t>(op->k);
        s[op->n] = t ? s[k & 0xffff] : s[k >> 16];
        CG_NEXT;
    }
    bands_round:
        if (!bands_fast(p, p.ops[static_cast<std::size_t>(op->k)], s)) return false;
        s[op->n] = round_fast(s[op->dst], imm[op->c], imm[op->c + 1], static_cast<RoundMode>(op->mode));
        CG_NEXT;
    round_fen:
        s[op->dst] = round_div_const<10000, RoundMode::half_up>(s[op->a]);
        CG_NEXT;
    bands_round_fen:
        if (!bands_fast(p, p.ops[static_cast<std::size_t>(op->k)], s)) return false;
        s[op->n] = round_div_const<10000, RoundMode::half_up>(s[op->dst]);
        CG_NEXT;
    product_round: {
        // The reference multiplies in 128 bits and divides that; a product
        // that fits 64 bits rounds the same with a 64-bit division.
        const Op& o = p.ops[static_cast<std::size_t>(op->k)];
        std::int64_t v = s[o.a];
        bool wide = false;
        for (std::int32_t i = 0; i < o.n; ++i) wide |= __builtin_mul_overflow(v, s[p.args[static_cast<std::size_t>(o.extra + i)]], &v);
        if (wide) run_op(p, o, s);
        else s[o.dst] = round_fast(v, o.imm, o.imm2, static_cast<RoundMode>(o.mode));
        CG_NEXT;
    }
#define CG_BAND1(round)                                                                   \
    {                                                                                     \
        const std::int64_t start = s[op->a], t = s[op->b];                                \
        std::int64_t end, sum = 0;                                                        \
        if (__builtin_add_overflow(start, s[op->c], &end)) return false;                  \
        s[op->n] = start < t ? std::max<std::int64_t>(0, std::min(end, t) - start) : 0;   \
        const std::int64_t lo = std::max(start, t);                                       \
        const auto k = static_cast<std::uint32_t>(op->k);                                 \
        if (end > lo) {                                                                   \
            std::int64_t piece;                                                           \
            if (__builtin_sub_overflow(end, lo, &piece) ||                                \
                __builtin_mul_overflow(piece, s[k & 0xffff], &sum))                       \
                return false;                                                             \
        }                                                                                 \
        s[op->dst] = sum;                                                                 \
        if (round) s[k >> 16] = round_div_const<10000, RoundMode::half_up>(sum);          \
        CG_NEXT;                                                                          \
    }
    band1: CG_BAND1(false)
    band1_round_fen: CG_BAND1(true)
    product_round_fen: {
        // As product_round, the product in int64 or the reference's op.
        const std::int32_t* m = p.args.data() + op->k;
        std::int64_t v = s[op->a];
        bool wide = false;
        for (std::int32_t i = 0; i < op->n; ++i) wide |= __builtin_mul_overflow(v, s[m[i]], &v);
        if (wide) {
            run_op(p, p.ops[op->b | static_cast<std::size_t>(op->c) << 16], s);
            CG_NEXT;
        }
        switch (op->n) {
            case 1: v = round_div_const<10000, RoundMode::half_up>(v); break;
            case 2: v = round_div_const<100000000, RoundMode::half_up>(v); break;
            default: v = round_div_const<1000000000000, RoundMode::half_up>(v); break;
        }
        s[op->dst] = v;
        CG_NEXT;
    }
    table1:
        s[op->dst] = p.table_data[static_cast<std::size_t>(imm[op->k] + s[op->a] * imm[op->k + 1])];
        CG_NEXT;
    table2:
        s[op->dst] = p.table_data[static_cast<std::size_t>(imm[op->k] + s[op->a] * imm[op->k + 1] + s[op->b] * imm[op->k + 2])];
        CG_NEXT;
    eq_sel: CG_CMP_SEL(x == y)
    ne_sel: CG_CMP_SEL(x != y)
    lt_sel: CG_CMP_SEL(x < y)
    le_sel: CG_CMP_SEL(x <= y)
    gt_sel: CG_CMP_SEL(x > y)
    ge_sel: CG_CMP_SEL(x >= y)
    end:
        return true;
#undef CG_ARITH_MAX
#undef CG_BAND1
#undef CG_CMP_SEL
#undef CG_NEXT
#undef CG_BIN
#undef CG_CHECKED
    } catch (...) {
        return false;
    }
}

}  // namespace claimgraph::detail
