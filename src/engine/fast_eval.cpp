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
        case OpCode::table: case OpCode::product_round: break;
    }
    return XCode::generic;
}

}  // namespace

void build_claim_code(const Program& p, FastProgram& f) {
    f.claim_ok = false;
    if (p.slot_init.size() > 0xffff || p.ops.size() > 0x7fffffff) return;
    for (std::size_t i = 0; i < p.ops.size(); ++i) {
        const Op& op = p.ops[i];
        XOp x;
        x.code = xcode(op.code);
        x.mode = op.mode;
        x.dst = static_cast<std::uint16_t>(op.dst < 0 ? 0 : op.dst);
        x.a = static_cast<std::uint16_t>(op.a);
        x.b = static_cast<std::uint16_t>(op.b);
        x.c = static_cast<std::uint16_t>(op.c);
        x.k = static_cast<std::int32_t>(i);
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
            case XCode::skip:
                if (op.n > 0xffff) return;
                x.n = static_cast<std::uint16_t>(op.n);
                break;
            default: break;
        }
        f.code.push_back(x);
    }
    f.code.push_back(XOp{XCode::end});
    f.claim_ok = true;
}

bool run_fast(const Program& p, const FastProgram& f, const Claim& c, std::int64_t* s) noexcept {
    if (!f.claim_ok) return false;
    static constexpr void* labels[] = {
        &&add, &&sub, &&mul, &&neg, &&min, &&max, &&rescale, &&round, &&eq, &&ne, &&lt, &&le, &&gt, &&ge, &&and_,
        &&or_, &&not_, &&select, &&tags_any, &&tags_all, &&generic, &&bands, &&fail_if, &&lines, &&skip, &&end,
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
    and_: CG_BIN(x && y)
    or_: CG_BIN(x || y)
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
        exec_bands(p, p.ops[static_cast<std::size_t>(op->k)], s);
        CG_NEXT;
    fail_if:
        if (s[op->a]) return false;
        CG_NEXT;
    lines:
        if (!f.lines.ok || !run_line_columns(p, f.lines, c, s)) return false;
        CG_NEXT;
    skip:
        // The stage does not apply: its private ops would all produce 0, which
        // is what their slots already hold.
        if (!s[op->a]) op += op->n;
        CG_NEXT;
    end:
        return true;
#undef CG_NEXT
#undef CG_BIN
#undef CG_CHECKED
    } catch (...) {
        return false;
    }
}

}  // namespace claimgraph::detail
