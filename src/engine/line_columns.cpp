// The line program column by column (fast_program.hpp): each op runs as one
// tight loop over the claim's items. Checked arithmetic sets a flag instead of
// throwing, so the loops stay branch-free; any flag sends the claim back to the
// reference loop, which raises the exact error.
#include <algorithm>
#include <atomic>
#include <unordered_map>

#include "engine/fast_program.hpp"
#include "engine/round_fast.hpp"

namespace claimgraph::detail {

namespace {

bool column_op_supported(OpCode c) {
    switch (c) {
        case OpCode::lines: case OpCode::bands: case OpCode::product_round: case OpCode::fail_if:
        case OpCode::skip_unless:
            return false;
        default: return true;
    }
}

// Slots nothing writes hold constants (slot_init) for every claim.
std::vector<std::uint8_t> written_slots(const Program& p) {
    std::vector<std::uint8_t> w(p.slot_init.size(), 0);
    const auto nf = p.schema.claim_fields.size(), ni = p.schema.item_fields.size();
    for (std::size_t i = 0; i < nf; ++i) w[p.claim_fields + i] = w[p.claim_present + i] = 1;
    for (std::size_t i = 0; i < ni; ++i) w[p.item_fields + i] = w[p.item_present + i] = 1;
    w[p.claim_date] = 1;
    for (const auto& a : p.accumulators) w[a.slot] = 1;
    for (const auto* ops : {&p.ops, &p.line_ops})
        for (const Op& op : *ops) {
            if (op.dst >= 0) w[op.dst] = 1;
            if (op.code == OpCode::bands) w[op.c] = 1;
        }
    for (const auto& sum : p.line_sums) w[sum.claim_slot] = 1;
    return w;
}

std::uint64_t next_plan_id() {
    static std::atomic<std::uint64_t> id{0};
    return ++id;
}

}  // namespace

namespace {

bool is_cmp(OpCode c) {
    return c == OpCode::eq || c == OpCode::ne || c == OpCode::lt || c == OpCode::le || c == OpCode::gt || c == OpCode::ge;
}

// Columns each op reads (operands it does not read are left 0 and not counted).
template <class F>
void for_each_column_read(const LinePlan& lp, const ColOp& op, F&& f) {
    switch (op.fused) {
        case Fused::none: break;
        case Fused::cmp_sel: case Fused::and_sel: case Fused::sub3: f(op.a), f(op.b), f(op.c), f(op.e); return;
        case Fused::cmp_and_sel: f(op.a), f(op.b), f(op.n), f(op.c), f(op.e); return;
        default: f(op.a), f(op.b), f(op.c); return;
    }
    switch (op.code) {
        case OpCode::neg: case OpCode::not_: case OpCode::rescale: case OpCode::round: case OpCode::tags_any:
        case OpCode::tags_all:
            f(op.a);
            break;
        case OpCode::select:
            f(op.a), f(op.b), f(op.c);
            break;
        case OpCode::table:
            for (std::int32_t k = 0; k < op.n; ++k) f(lp.keys[op.keys + k]);
            break;
        default: f(op.a), f(op.b);
    }
}

// Fuses adjacent pairs whose first result only the second reads: the
// intermediate column is neither stored nor loaded, and one dispatch goes.
void fuse_line_ops(LinePlan& lp) {
    std::vector<int> uses(static_cast<std::size_t>(lp.columns), 0);
    for (const ColOp& op : lp.ops) for_each_column_read(lp, op, [&](std::int32_t k) { ++uses[k]; });
    for (const auto& sum : lp.sums) ++uses[sum.column];
    std::vector<ColOp> out;
    for (std::size_t i = 0; i < lp.ops.size(); ++i) {
        const ColOp& x = lp.ops[i];
        if (i + 1 < lp.ops.size() && uses[x.dst] == 1) {
            const ColOp& y = lp.ops[i + 1];
            ColOp f = y;  // keeps y's dst
            f.code = x.code;
            f.a = x.a;
            f.b = x.b;
            bool fused = true;
            if (is_cmp(x.code) && y.code == OpCode::select && y.a == x.dst) {
                f.fused = Fused::cmp_sel;
                f.c = y.b;
                f.e = y.c;
            } else if (x.code == OpCode::sub && y.code == OpCode::max && (y.a == x.dst || y.b == x.dst)) {
                f.fused = Fused::sub_max;
                f.c = y.a == x.dst ? y.b : y.a;
            } else if (x.code == OpCode::sub && y.code == OpCode::sub && y.a == x.dst && y.b != x.dst) {
                f.fused = Fused::sub_sub;
                f.c = y.b;
            } else if (x.code == OpCode::and_ && y.code == OpCode::select && y.a == x.dst) {
                f.fused = Fused::and_sel;
                f.c = y.b;
                f.e = y.c;
            } else if (x.code == OpCode::sub && y.code == OpCode::mul && (y.a == x.dst || y.b == x.dst)) {
                f.fused = Fused::sub_mul;
                f.c = y.a == x.dst ? y.b : y.a;
            } else {
                fused = false;
            }
            if (fused) {
                out.push_back(f);
                ++i;
                continue;
            }
        }
        out.push_back(x);
    }
    lp.ops = std::move(out);
    // Then a fused pair with the op after it.
    std::fill(uses.begin(), uses.end(), 0);
    for (const ColOp& op : lp.ops) for_each_column_read(lp, op, [&](std::int32_t k) { ++uses[k]; });
    for (const auto& sum : lp.sums) ++uses[sum.column];
    out.clear();
    for (std::size_t i = 0; i < lp.ops.size(); ++i) {
        const ColOp& x = lp.ops[i];
        if (i + 1 < lp.ops.size() && uses[x.dst] == 1) {
            const ColOp& y = lp.ops[i + 1];
            ColOp f = y;
            if (x.fused == Fused::sub_sub && y.fused == Fused::none && y.code == OpCode::sub && y.a == x.dst &&
                y.b != x.dst) {
                f = x;
                f.fused = Fused::sub3;
                f.dst = y.dst;
                f.e = y.b;
                out.push_back(f);
                ++i;
                continue;
            }
            if (x.fused == Fused::none && is_cmp(x.code) && y.fused == Fused::and_sel && (y.a == x.dst) != (y.b == x.dst)) {
                f.fused = Fused::cmp_and_sel;
                f.code = x.code;
                f.a = x.a;
                f.b = x.b;
                f.n = y.a == x.dst ? y.b : y.a;
                out.push_back(f);
                ++i;
                continue;
            }
        }
        out.push_back(x);
    }
    lp.ops = std::move(out);
}

}  // namespace

// Items go through in blocks of kBlock: every loop below has that constant
// trip count, so it is unrolled or vectorized and its exit is always
// predicted (a claim's item count varies, a per-op loop over it would
// mispredict its exit once per op). A last partial block repeats its last
// item in its spare row: it computes what a real row computes (no new
// overflow, valid table indexes) and is left out of the sums.
constexpr std::size_t kBlock = 16;

LinePlan build_line_plan(const Program& p) {
    LinePlan lp;
    lp.id = next_plan_id();
    const auto nf = static_cast<std::int32_t>(p.schema.item_fields.size());
    const auto written = written_slots(p);
    std::unordered_map<std::int32_t, std::int32_t> column_of;  // slot → column
    for (const std::int32_t f : p.line_reads) {
        lp.fields.push_back({f, lp.columns});
        column_of[p.item_fields + f] = lp.columns++;
    }
    for (const std::int32_t f : p.line_reads_present) {
        lp.present.push_back({f, lp.columns});
        column_of[p.item_present + f] = lp.columns++;
    }
    bool ok = true;
    auto col = [&](std::int32_t slot) {
        if (auto it = column_of.find(slot); it != column_of.end()) return it->second;
        // An item slot the plan does not load would be read stale.
        if (slot >= p.item_fields && slot < p.item_present + nf) ok = false;
        (written[slot] ? lp.scalars : lp.constants).push_back({slot, lp.columns});
        return column_of[slot] = lp.columns++;
    };
    for (const Op& op : p.line_ops) {
        if (!column_op_supported(op.code)) return {};
        ColOp co;
        co.code = op.code;
        co.mode = op.mode;
        co.imm = op.imm;
        co.imm2 = op.imm2;
        // Operands an op does not read stay column 0, never read.
        co.a = col(op.a);
        if (op.code != OpCode::neg && op.code != OpCode::not_ && op.code != OpCode::rescale &&
            op.code != OpCode::round && op.code != OpCode::tags_any && op.code != OpCode::tags_all &&
            op.code != OpCode::table)
            co.b = col(op.b);
        if (op.code == OpCode::select) co.c = col(op.c);
        if (op.code == OpCode::table) {
            co.n = op.n;
            co.keys = static_cast<std::int32_t>(lp.keys.size());
            for (std::int32_t i = 0; i < op.n; ++i) {
                lp.keys.push_back(col(p.args[op.extra + i]));
                lp.strides.push_back(p.args[op.extra + op.n + i]);
            }
        }
        co.dst = lp.columns++;
        column_of[op.dst] = co.dst;
        lp.ops.push_back(co);
    }
    for (const auto& sum : p.line_sums) lp.sums.push_back({col(sum.line_slot), sum.claim_slot});
    fuse_line_ops(lp);
    // The ops address their columns by offset into the block buffer, so that
    // run_ops adds instead of scaling (sums, fields and constants keep indexes).
    constexpr auto kb = static_cast<std::int32_t>(kBlock);
    if (lp.columns > INT32_MAX / kb) return {};
    for (ColOp& op : lp.ops) {
        op.dst *= kb, op.a *= kb, op.b *= kb, op.c *= kb, op.e *= kb;
        if (op.fused == Fused::cmp_and_sel) op.n *= kb;
    }
    for (std::int32_t& k : lp.keys) k *= kb;
    lp.ok = ok;
    return lp;
}


namespace {

template <std::size_t W, class Cmp>
[[gnu::always_inline]] inline void cmp_sel(std::int64_t* __restrict d, const std::int64_t* __restrict a, const std::int64_t* __restrict b,
                    const std::int64_t* __restrict x, const std::int64_t* __restrict y, Cmp cmp) {
    for (std::size_t i = 0; i < W; ++i) {
        const std::int64_t u = x[i], v = y[i];
        d[i] = cmp(a[i], b[i]) ? u : v;
    }
}

template <std::size_t W, class Cmp>
[[gnu::always_inline]] inline void cmp_and_sel(std::int64_t* __restrict d, const std::int64_t* __restrict a, const std::int64_t* __restrict b,
                        const std::int64_t* __restrict q, const std::int64_t* __restrict x,
                        const std::int64_t* __restrict y, Cmp cmp) {
    for (std::size_t i = 0; i < W; ++i) {
        const std::int64_t u = x[i], v = y[i];
        d[i] = cmp(a[i], b[i]) & (q[i] != 0) ? u : v;
    }
}

// A fused pair or triple (Fused); false on overflow.
template <std::size_t W>
[[gnu::always_inline]] inline bool run_fused(const ColOp& op, std::int64_t* __restrict d, const std::int64_t* __restrict a,
               const std::int64_t* __restrict b, const std::int64_t* __restrict c, const std::int64_t* __restrict e,
               const std::int64_t* __restrict cols_n) {
    std::uint64_t bad = 0;
    switch (op.fused) {
        case Fused::cmp_sel:
            switch (op.code) {
                case OpCode::eq: cmp_sel<W>(d, a, b, c, e, [](std::int64_t u, std::int64_t v) { return u == v; }); break;
                case OpCode::ne: cmp_sel<W>(d, a, b, c, e, [](std::int64_t u, std::int64_t v) { return u != v; }); break;
                case OpCode::lt: cmp_sel<W>(d, a, b, c, e, [](std::int64_t u, std::int64_t v) { return u < v; }); break;
                case OpCode::le: cmp_sel<W>(d, a, b, c, e, [](std::int64_t u, std::int64_t v) { return u <= v; }); break;
                case OpCode::gt: cmp_sel<W>(d, a, b, c, e, [](std::int64_t u, std::int64_t v) { return u > v; }); break;
                case OpCode::ge: cmp_sel<W>(d, a, b, c, e, [](std::int64_t u, std::int64_t v) { return u >= v; }); break;
                default: return false;
            }
            return true;
        case Fused::sub_max:
#pragma GCC unroll 4
            for (std::size_t i = 0; i < W; ++i) {
                const auto x = static_cast<std::uint64_t>(a[i]), y = static_cast<std::uint64_t>(b[i]), r = x - y;
                bad |= (x ^ y) & (x ^ r);
                const auto t = static_cast<std::int64_t>(r);
                d[i] = t < c[i] ? c[i] : t;
            }
            return !(bad >> 63);
        case Fused::sub_sub:
#pragma GCC unroll 4
            for (std::size_t i = 0; i < W; ++i) {
                const auto x = static_cast<std::uint64_t>(a[i]), y = static_cast<std::uint64_t>(b[i]), r = x - y;
                const auto z = static_cast<std::uint64_t>(c[i]), q = r - z;
                bad |= ((x ^ y) & (x ^ r)) | ((r ^ z) & (r ^ q));
                d[i] = static_cast<std::int64_t>(q);
            }
            return !(bad >> 63);
        case Fused::and_sel:
            for (std::size_t i = 0; i < W; ++i) {
                const std::int64_t u = c[i], v = e[i];
                d[i] = (a[i] != 0) & (b[i] != 0) ? u : v;
            }
            return true;
        case Fused::sub_mul: {
            bool o = false;
#pragma GCC unroll 4
            for (std::size_t i = 0; i < W; ++i) {
                const auto x = static_cast<std::uint64_t>(a[i]), y = static_cast<std::uint64_t>(b[i]), r = x - y;
                bad |= (x ^ y) & (x ^ r);
                std::int64_t m;
                o |= __builtin_mul_overflow(static_cast<std::int64_t>(r), c[i], &m);
                d[i] = m;
            }
            return !(bad >> 63) && !o;
        }
        case Fused::sub3:
#pragma GCC unroll 4
            for (std::size_t i = 0; i < W; ++i) {
                const auto x = static_cast<std::uint64_t>(a[i]), y = static_cast<std::uint64_t>(b[i]), r = x - y;
                const auto z = static_cast<std::uint64_t>(c[i]), q = r - z;
                const auto w = static_cast<std::uint64_t>(e[i]), t = q - w;
                bad |= ((x ^ y) & (x ^ r)) | ((r ^ z) & (r ^ q)) | ((q ^ w) & (q ^ t));
                d[i] = static_cast<std::int64_t>(t);
            }
            return !(bad >> 63);
        case Fused::cmp_and_sel: {
            const std::int64_t* __restrict q = cols_n;
            switch (op.code) {
                case OpCode::eq: cmp_and_sel<W>(d, a, b, q, c, e, [](std::int64_t u, std::int64_t v) { return u == v; }); break;
                case OpCode::ne: cmp_and_sel<W>(d, a, b, q, c, e, [](std::int64_t u, std::int64_t v) { return u != v; }); break;
                case OpCode::lt: cmp_and_sel<W>(d, a, b, q, c, e, [](std::int64_t u, std::int64_t v) { return u < v; }); break;
                case OpCode::le: cmp_and_sel<W>(d, a, b, q, c, e, [](std::int64_t u, std::int64_t v) { return u <= v; }); break;
                case OpCode::gt: cmp_and_sel<W>(d, a, b, q, c, e, [](std::int64_t u, std::int64_t v) { return u > v; }); break;
                case OpCode::ge: cmp_and_sel<W>(d, a, b, q, c, e, [](std::int64_t u, std::int64_t v) { return u >= v; }); break;
                default: return false;
            }
            return true;
        }
        case Fused::none: break;
    }
    return false;
}

// W rows of each column (of kBlock) are computed: kBlock, or fewer for a last
// short block.
template <std::size_t W>
[[gnu::always_inline]] inline bool run_ops(const Program& p, const LinePlan& plan, std::int64_t* cols) {
    const auto column = [cols](std::int32_t k) { return cols + k; };  // k: an offset (build_line_plan)
    for (const ColOp& op : plan.ops) {
        std::int64_t* __restrict d = column(op.dst);
        const std::int64_t* __restrict a = column(op.a);
        const std::int64_t* __restrict b = column(op.b);
        const std::int64_t* __restrict cc = column(op.c);
        bool o = false;
        if (op.fused != Fused::none) {
            if (!run_fused<W>(op, d, a, b, cc, column(op.e), column(op.n))) return false;
            continue;
        }
        switch (op.code) {
            // Wrapping arithmetic with the sign-bit overflow test folded into
            // one word: no flags per element, so the loop vectorizes.
            case OpCode::add: {
                std::uint64_t bad = 0;
#pragma GCC unroll 4
                for (std::size_t i = 0; i < W; ++i) {
                    const auto x = static_cast<std::uint64_t>(a[i]), y = static_cast<std::uint64_t>(b[i]), r = x + y;
                    bad |= (x ^ r) & (y ^ r);
                    d[i] = static_cast<std::int64_t>(r);
                }
                o = bad >> 63;
                break;
            }
            case OpCode::sub: {
                std::uint64_t bad = 0;
#pragma GCC unroll 4
                for (std::size_t i = 0; i < W; ++i) {
                    const auto x = static_cast<std::uint64_t>(a[i]), y = static_cast<std::uint64_t>(b[i]), r = x - y;
                    bad |= (x ^ y) & (x ^ r);
                    d[i] = static_cast<std::int64_t>(r);
                }
                o = bad >> 63;
                break;
            }
            // Through a local: overflowing into d + i made the compiler multiply twice.
            case OpCode::mul:
#pragma GCC unroll 4
                for (std::size_t i = 0; i < W; ++i) {
                    std::int64_t r;
                    o |= __builtin_mul_overflow(a[i], b[i], &r);
                    d[i] = r;
                }
                break;
            case OpCode::neg:
                for (std::size_t i = 0; i < W; ++i) {
                    std::int64_t r;
                    o |= __builtin_sub_overflow(std::int64_t{0}, a[i], &r);
                    d[i] = r;
                }
                break;
            case OpCode::min: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] < b[i] ? a[i] : b[i]; break;
            case OpCode::max: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] < b[i] ? b[i] : a[i]; break;
            case OpCode::rescale:
                for (std::size_t i = 0; i < W; ++i) {
                    std::int64_t r;
                    o |= __builtin_mul_overflow(a[i], op.imm, &r);
                    d[i] = r;
                }
                break;
            case OpCode::round:
                round_fast_n(W, [a](std::size_t i) { return a[i]; }, d, op.imm, op.imm2, static_cast<RoundMode>(op.mode), o);
                break;
            case OpCode::eq: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] == b[i]; break;
            case OpCode::ne: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] != b[i]; break;
            case OpCode::lt: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] < b[i]; break;
            case OpCode::le: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] <= b[i]; break;
            case OpCode::gt: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] > b[i]; break;
            case OpCode::ge: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] >= b[i]; break;
            // Bitwise on 0/1 and a conditional move: no data-dependent branches.
            case OpCode::and_: for (std::size_t i = 0; i < W; ++i) d[i] = (a[i] != 0) & (b[i] != 0); break;
            case OpCode::or_: for (std::size_t i = 0; i < W; ++i) d[i] = (a[i] != 0) | (b[i] != 0); break;
            case OpCode::not_: for (std::size_t i = 0; i < W; ++i) d[i] = a[i] == 0; break;
            case OpCode::select:
                for (std::size_t i = 0; i < W; ++i) {
                    const std::int64_t x = b[i], y = cc[i];
                    d[i] = a[i] ? x : y;
                }
                break;
            case OpCode::tags_any: for (std::size_t i = 0; i < W; ++i) d[i] = (a[i] & op.imm) != 0; break;
            case OpCode::tags_all: for (std::size_t i = 0; i < W; ++i) d[i] = (a[i] & op.imm) == op.imm; break;
            case OpCode::table:
                for (std::size_t i = 0; i < W; ++i) {
                    std::int64_t idx = 0;
                    for (std::int32_t k = 0; k < op.n; ++k) idx += column(plan.keys[op.keys + k])[i] * plan.strides[op.keys + k];
                    d[i] = p.table_data[static_cast<std::size_t>(op.imm + idx)];
                }
                break;
            default: return false;
        }
        if (o) return false;  // a wrapped value must not reach a later op (a table index)
    }
    return true;
}

// One block of W rows from item `first`; the sums go into totals.
// On x86-64 a second copy for AVX2, chosen once at load time: the compare,
// select, add and subtract loops then take four rows per instruction (the
// baseline x86-64 has no 64-bit compare). Integer code either way, so both
// copies compute the same values.
// Not under ThreadSanitizer: the clones' resolvers run while the dynamic
// loader relocates the binary, before TSan's runtime is up, and crash it.
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__) && !defined(__SANITIZE_THREAD__)
#define CG_LINE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CG_LINE_CLONES
#endif
template <std::size_t W>
CG_LINE_CLONES bool run_block(const Program& p, const LinePlan& plan, const Claim& c, std::int64_t* cols, std::size_t first,
               std::int64_t* totals) {
    const std::size_t n = c.item_count, nf = p.schema.item_fields.size();
    const auto column = [cols](std::int32_t k) { return cols + static_cast<std::size_t>(k) * kBlock; };
    const std::size_t last = std::min(n, first + W) - 1;
    // Each row's offset in the item arrays, once per block rather than once per field.
    std::size_t at[W];
    for (std::size_t i = 0; i < W; ++i) at[i] = std::min(first + i, last) * nf;
    // Blocks come in even sizes (run_line_columns): only the last row can be spare.
    const bool spare = first + W - 1 > last;
    const std::int64_t* const items = c.items.data();
    const std::uint8_t* const present = c.item_present.data();
    for (const auto& k : plan.fields) {
        std::int64_t* d = column(k.column);
        const std::int64_t* v = items + k.from;
        for (std::size_t i = 0; i < W; ++i) d[i] = v[at[i]];
    }
    for (const auto& k : plan.present) {
        std::int64_t* d = column(k.column);
        const std::uint8_t* v = present + k.from;
        for (std::size_t i = 0; i < W; ++i) d[i] = v[at[i]];
    }
    if (!run_ops<W>(p, plan, cols)) return false;
    // In item order from the slot's value, as the reference adds them.
    for (std::size_t k = 0; k < plan.sums.size(); ++k) {
        const std::int64_t* v = column(plan.sums[k].column);
        std::int64_t t = totals[k];
        // Checked one by one, each add with its own (never taken) branch:
        // fewer instructions than a vectorized sum with a range check.
#pragma GCC unroll 16
        for (std::size_t i = 0; i + 1 < W; ++i)
            if (__builtin_add_overflow(t, v[i], &t)) return false;
        if (!spare && __builtin_add_overflow(t, v[W - 1], &t)) return false;
        totals[k] = t;
    }
    return true;
}

}  // namespace

bool run_line_columns(const Program& p, const LinePlan& plan, const Claim& c, std::int64_t* s) {
    constexpr std::size_t W = kBlock;
    const std::size_t n = c.item_count;
    if (n == 0) return true;  // every sum adds nothing
    // One buffer per thread, laid out for one plan; constants stay in it
    // between claims.
    thread_local struct {
        std::uint64_t plan = 0;
        std::vector<std::int64_t> data;
    } buf;
    if (buf.plan != plan.id) {
        buf.plan = plan.id;
        buf.data.assign(static_cast<std::size_t>(plan.columns) * W, 0);
        for (const auto& k : plan.constants) std::fill_n(buf.data.data() + static_cast<std::size_t>(k.column) * W, W, p.slot_init[k.from]);
    }
    std::int64_t* const cols = buf.data.data();
    const auto column = [cols](std::int32_t k) { return cols + static_cast<std::size_t>(k) * W; };
    // A scalar column holds one value in every row and nothing else writes
    // it: refilled only when the claim's value differs from the last one.
    for (const auto& k : plan.scalars) {
        std::int64_t* d = column(k.column);
        if (d[0] != s[k.from]) std::fill_n(d, W, s[k.from]);
    }
    thread_local std::vector<std::int64_t> totals;
    totals.resize(plan.sums.size());
    for (std::size_t k = 0; k < plan.sums.size(); ++k) totals[k] = s[plan.sums[k].claim_slot];
    // Blocks of kBlock rows; a last short block runs the even number of rows
    // at or above its item count (one spare row at most, each costing the
    // whole program; finer steps would multiply the copies of run_block).
    static_assert(kBlock == 16);
    using Run = bool (*)(const Program&, const LinePlan&, const Claim&, std::int64_t*, std::size_t, std::int64_t*);
    static constexpr Run runs[] = {run_block<2>, run_block<4>, run_block<6>, run_block<8>,
                                   run_block<10>, run_block<12>, run_block<14>, run_block<16>};
    for (std::size_t first = 0; first < n; first += kBlock) {
        const std::size_t left = n - first;
        const Run run = left >= kBlock ? runs[7] : runs[(left - 1) / 2];
        if (!run(p, plan, c, cols, first, totals.data())) return false;
    }
    // Written only once nothing has overflowed.
    for (std::size_t k = 0; k < plan.sums.size(); ++k) s[plan.sums[k].claim_slot] = totals[k];
    return true;
}

std::shared_ptr<const FastProgram> build_fast_program(const Program& p) {
    auto f = std::make_shared<FastProgram>();
    f->id = next_plan_id();
    f->lines = build_line_plan(p);
    build_claim_code(p, *f);
    for (const auto& sum : p.line_sums) f->reset.push_back(sum.claim_slot);
    for (const auto& a : p.accumulators) {
        if (a.period_month > 12 || a.period_day > 31) {
            f->accs.clear();
            break;
        }
        f->accs.push_back({a.slot, a.delta, a.key_field, a.period_month * 32 + a.period_day});
    }
    f->one_period = !f->accs.empty();
    for (const auto& a : f->accs) f->one_period &= a.key_field < 0 && a.start == f->accs[0].start;
    for (const auto& o : p.outputs) f->outputs.push_back(o.slot);
    return f;
}

}  // namespace claimgraph::detail
