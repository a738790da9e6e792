// The line program column by column (fast_program.hpp): each op runs as one
// tight loop over the claim's items. Checked arithmetic sets a flag instead of
// throwing, so the loops stay branch-free; any flag sends the claim back to the
// reference loop, which raises the exact error.
#include <algorithm>
#include <array>
#include <atomic>
#include <iterator>
#include <utility>
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

}  // namespace

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

namespace {

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
        lp.fields.push_back({p.item_layout.column[static_cast<std::size_t>(f)], lp.columns});
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
    const std::size_t n = c.item_count, nf = p.schema.item_fields.size(), w = p.item_layout.width;
    const auto column = [cols](std::int32_t k) { return cols + static_cast<std::size_t>(k) * kBlock; };
    const std::size_t last = std::min(n, first + W) - 1;
    // Each row's offset in the item arrays (values, presence), once per block rather than once per field.
    std::size_t at[W], at_present[W];
    for (std::size_t i = 0; i < W; ++i) {
        at[i] = std::min(first + i, last) * w;
        at_present[i] = std::min(first + i, last) * nf;
    }
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
        for (std::size_t i = 0; i < W; ++i) d[i] = v[at_present[i]];
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

// Fee-line program shapes run as one fused loop (LineKernel). A shape is the
// op sequence as the lowering emits it, each operand a role: the result of an
// earlier op (T), an item field (F), an item field's presence (P), a
// constant (K) or a claim value computed before the lines (S). The loop is generated from the shape at compile time, so a
// new shape is one more table.
namespace shape {

enum class Kind : std::uint8_t { none, t, f, p, k, s };
struct Arg {
    Kind kind = Kind::none;
    std::uint8_t i = 0;
};
constexpr Arg T(int i) { return {Kind::t, static_cast<std::uint8_t>(i)}; }
constexpr Arg F(int i) { return {Kind::f, static_cast<std::uint8_t>(i)}; }
constexpr Arg P(int i) { return {Kind::p, static_cast<std::uint8_t>(i)}; }
constexpr Arg K(int i) { return {Kind::k, static_cast<std::uint8_t>(i)}; }
constexpr Arg S(int i) { return {Kind::s, static_cast<std::uint8_t>(i)}; }
struct Op {
    OpCode code;
    Arg a, b, c;
    constexpr Op(OpCode code_, Arg a_, Arg b_ = {}, Arg c_ = {}) : code(code_), a(a_), b(b_), c(c_) {}
};
struct Shape {
    const Op* ops;
    int n;
    const Arg* sums;  // the values a policy's line sums may read
    int nsums, nf, np, nk, ns;
};

// Demo City's fee line (rules/demo-city-2026.yaml `lines:`): the part over a
// unit price cap, the fully self-paid class, the self-paid share of the
// partly covered class, and what is left in scope.
//   F0 category, F1 amount, F2 selfpay_prop, F3 qty, F4 price_cap; P0 price_cap given
constexpr Op kCappedShareOps[] = {
    {OpCode::mul, F(4), F(3)},          // 0  price_cap × qty
    {OpCode::sub, F(1), T(0)},          // 1
    {OpCode::max, K(0), T(1)},          // 2
    {OpCode::ne, F(0), K(1)},           // 3
    {OpCode::and_, T(3), P(0)},         // 4
    {OpCode::select, T(4), T(2), K(2)}, // 5  over the cap
    {OpCode::eq, F(0), K(3)},           // 6
    {OpCode::select, T(6), F(1), K(4)}, // 7  fully self-paid
    {OpCode::sub, F(1), T(5)},          // 8
    {OpCode::mul, T(8), F(2)},          // 9
    {OpCode::eq, F(0), K(5)},           // 10
    {OpCode::select, T(10), T(9), K(6)},// 11
    {OpCode::round, T(11)},             // 12 self-paid share
    {OpCode::sub, F(1), T(7)},          // 13
    {OpCode::sub, T(13), T(5)},         // 14
    {OpCode::sub, T(14), T(12)},        // 15 in scope
};
constexpr Arg kCappedShareSums[] = {T(15), T(12), F(1), T(7), T(5)};
constexpr Shape kCappedShare{kCappedShareOps, static_cast<int>(std::size(kCappedShareOps)), kCappedShareSums,
                             static_cast<int>(std::size(kCappedShareSums)), 5, 1, 7, 0};

// The same with the constants most policies write, each one role: 0 for every
// "nothing" (K0) and one category compared twice (K1). Three constants
// instead of seven leave the loop registers for its sums; a policy whose
// constants differ matches kCappedShare instead.
constexpr Op kCappedShareFewOps[] = {
    {OpCode::mul, F(4), F(3)},          // 0  price_cap × qty
    {OpCode::sub, F(1), T(0)},          // 1
    {OpCode::max, K(0), T(1)},          // 2
    {OpCode::ne, F(0), K(1)},           // 3
    {OpCode::and_, T(3), P(0)},         // 4
    {OpCode::select, T(4), T(2), K(0)}, // 5  over the cap
    {OpCode::eq, F(0), K(1)},           // 6
    {OpCode::select, T(6), F(1), K(0)}, // 7  fully self-paid
    {OpCode::sub, F(1), T(5)},          // 8
    {OpCode::mul, T(8), F(2)},          // 9
    {OpCode::eq, F(0), K(2)},           // 10
    {OpCode::select, T(10), T(9), K(0)},// 11
    {OpCode::round, T(11)},             // 12 self-paid share
    {OpCode::sub, F(1), T(7)},          // 13
    {OpCode::sub, T(13), T(5)},         // 14
    {OpCode::sub, T(14), T(12)},        // 15 in scope
};
constexpr Shape kCappedShareFew{kCappedShareFewOps, static_cast<int>(std::size(kCappedShareFewOps)), kCappedShareSums,
                                static_cast<int>(std::size(kCappedShareSums)), 5, 1, 3, 0};

// Qinzhou's fee line (rules/qinzhou-ci-example.yaml): a price cap when one
// is given, a per-category cap, a self-paid class and a fixed self-pay share.
//   F0 amount, F1 qty, F2 price_cap, F3 drug class, F4 category; P0 price_cap given
constexpr Op kQinzhouOps[] = {
    {OpCode::mul, F(2), F(1)},             // 0
    {OpCode::sub, F(0), T(0)},             // 1
    {OpCode::max, K(0), T(1)},             // 2
    {OpCode::select, P(0), T(2), K(0)},    // 3  a role may repeat: the same constant
    {OpCode::mul, S(0), F(1)},             // 4  bed_limit[claim.hosp_lv]
    {OpCode::sub, F(0), T(4)},             // 5
    {OpCode::max, K(0), T(5)},             // 6
    {OpCode::eq, F(3), K(1)},              // 7
    {OpCode::select, T(7), T(6), T(3)},    // 8
    {OpCode::eq, F(4), K(2)},              // 9
    {OpCode::select, T(9), K(0), T(8)},    // 10
    {OpCode::mul, F(0), K(3)},             // 11
    {OpCode::select, T(9), T(11), K(0)},   // 12
    {OpCode::sub, F(0), T(10)},            // 13
    {OpCode::mul, T(13), K(4)},            // 14
    {OpCode::eq, F(4), K(5)},              // 15
    {OpCode::select, T(15), T(14), T(12)}, // 16
    {OpCode::round, T(16)},                // 17
    {OpCode::sub, T(13), T(17)},           // 18
};
constexpr Arg kQinzhouSums[] = {T(18), F(0), T(10), T(17)};
constexpr Shape kQinzhou{kQinzhouOps, static_cast<int>(std::size(kQinzhouOps)), kQinzhouSums,
                         static_cast<int>(std::size(kQinzhouSums)), 5, 1, 6, 1};

constexpr const Shape* kShapes[] = {&kCappedShareFew, &kCappedShare, &kQinzhou};

bool commutes(OpCode c) {
    switch (c) {
        case OpCode::add: case OpCode::mul: case OpCode::min: case OpCode::max: case OpCode::eq: case OpCode::ne:
        case OpCode::and_: case OpCode::or_:
            return true;
        default: return false;
    }
}

int operand_count(OpCode c) {
    switch (c) {
        case OpCode::neg: case OpCode::not_: case OpCode::rescale: case OpCode::round: case OpCode::tags_any:
        case OpCode::tags_all:
            return 1;
        case OpCode::select: return 3;
        default: return 2;
    }
}

bool shape_op_supported(OpCode c) {
    switch (c) {
        case OpCode::table: case OpCode::lines: case OpCode::bands: case OpCode::product_round: case OpCode::fail_if:
        case OpCode::skip_unless:
            return false;
        default: return true;
    }
}

// Binds the shape's roles to the program's line ops, or says they differ.
struct Binding {
    const Program& p;
    const std::vector<std::uint8_t>& written;
    LineKernel k;
    bool bound_f[LineKernel::kVars]{}, bound_p[LineKernel::kVars]{}, bound_k[LineKernel::kVars]{}, bound_s[LineKernel::kVars]{};
    std::vector<int> producer;  // slot → the shape op whose result it holds, or -1

    bool item_field(std::int32_t slot) const {
        const auto nf = static_cast<std::int32_t>(p.schema.item_fields.size());
        return slot >= p.item_fields && slot < p.item_fields + nf;
    }
    bool item_presence(std::int32_t slot) const {
        const auto nf = static_cast<std::int32_t>(p.schema.item_fields.size());
        return slot >= p.item_present && slot < p.item_present + nf;
    }
    // A role met again must be what it was bound to the first time.
    template <class T>
    static bool bind(bool& bound, T& role, T value) {
        if (bound) return role == value;
        bound = true;
        role = value;
        return true;
    }
    bool arg(Arg a, std::int32_t slot) {
        if (slot < 0 || static_cast<std::size_t>(slot) >= producer.size()) return false;
        switch (a.kind) {
            case Kind::t: return producer[slot] == a.i;
            case Kind::f:
                return item_field(slot) && producer[slot] < 0 && bind(bound_f[a.i], k.field[a.i], slot - p.item_fields);
            case Kind::p:
                return item_presence(slot) && producer[slot] < 0 &&
                       bind(bound_p[a.i], k.present[a.i], slot - p.item_present);
            case Kind::k:
                return !written[slot] && producer[slot] < 0 && bind(bound_k[a.i], k.konst[a.i], p.slot_init[slot]);
            case Kind::s:
                // Read once per claim, so nothing the line program changes.
                if (!written[slot] || producer[slot] >= 0 || item_field(slot) || item_presence(slot)) return false;
                for (const auto& sum : p.line_sums)
                    if (sum.claim_slot == slot) return false;
                return bind(bound_s[a.i], k.scalar[a.i], slot);
            case Kind::none: break;
        }
        return false;
    }
    bool op(const shape::Op& want, const detail::Op& have) {
        if (want.code != have.code) return false;
        const int n = operand_count(have.code);
        const std::int32_t slots[3] = {have.a, have.b, have.c};
        const Arg args[3] = {want.a, want.b, want.c};
        const Binding saved = *this;
        bool same = true;
        for (int j = 0; j < n && same; ++j) same = arg(args[j], slots[j]);
        if (same || !commutes(have.code)) return same;
        restore(saved);
        return arg(args[0], slots[1]) && arg(args[1], slots[0]);
    }
    void restore(const Binding& b) {
        k = b.k;
        std::copy(std::begin(b.bound_f), std::end(b.bound_f), bound_f);
        std::copy(std::begin(b.bound_p), std::end(b.bound_p), bound_p);
        std::copy(std::begin(b.bound_k), std::end(b.bound_k), bound_k);
        std::copy(std::begin(b.bound_s), std::end(b.bound_s), bound_s);
    }
};

LineKernel match(const Program& p, const std::vector<std::uint8_t>& written) {
    for (int si = 0; si < static_cast<int>(std::size(kShapes)); ++si) {
        const Shape& sh = *kShapes[si];
        if (static_cast<std::size_t>(sh.n) != p.line_ops.size() || sh.n > LineKernel::kOps ||
            sh.nsums > LineKernel::kSums)
            continue;
        Binding b{p, written, {}, {}, {}, {}, {}, std::vector<int>(p.slot_init.size(), -1)};
        bool ok = true;
        for (int i = 0; i < sh.n && ok; ++i) {
            const detail::Op& op = p.line_ops[static_cast<std::size_t>(i)];
            ok = shape_op_supported(op.code) && b.op(sh.ops[i], op) && op.dst >= 0 &&
                 static_cast<std::size_t>(op.dst) < b.producer.size() && !b.item_field(op.dst) &&
                 !b.item_presence(op.dst) && b.producer[op.dst] < 0;
            if (!ok) break;
            b.producer[op.dst] = i;
            b.k.imm[i] = op.imm;
            b.k.imm2[i] = op.imm2;
            b.k.mode[i] = op.mode;
        }
        if (!ok) continue;
        // Each line sum reads one of the shape's sum values, into a claim slot
        // of its own (the reference adds line by line, slot by slot).
        std::fill(std::begin(b.k.sum_slot), std::end(b.k.sum_slot), -1);
        for (const auto& sum : p.line_sums) {
            int which = -1;
            for (int j = 0; j < sh.nsums && which < 0; ++j) {
                const Arg a = sh.sums[j];
                const bool same = a.kind == Kind::t ? b.producer[sum.line_slot] == a.i
                                  : a.kind == Kind::f ? b.bound_f[a.i] && b.producer[sum.line_slot] < 0 &&
                                                            sum.line_slot == p.item_fields + b.k.field[a.i]
                                                      : false;
                if (same && b.k.sum_slot[j] < 0) which = j;
            }
            if (which < 0) {
                ok = false;
                break;
            }
            for (int j = 0; j < sh.nsums; ++j) ok &= b.k.sum_slot[j] != sum.claim_slot;
            b.k.sum_slot[which] = sum.claim_slot;
        }
        for (int j = 0; j < sh.nf; ++j) ok &= b.bound_f[j];
        for (int j = 0; j < sh.np; ++j) ok &= b.bound_p[j];
        for (int j = 0; j < sh.nk; ++j) ok &= b.bound_k[j];
        for (int j = 0; j < sh.ns; ++j) ok &= b.bound_s[j];
        // The loop steps through the rows by their values (run_rows).
        if (!ok || p.item_layout.width == 0) continue;
        // From here on, a field role is its column in Claim::items.
        for (int j = 0; j < sh.nf; ++j) {
            b.k.field[j] = p.item_layout.column[static_cast<std::size_t>(b.k.field[j])];
            ok &= b.k.field[j] >= 0;  // a text has no value to read (the checker refuses it anyway)
        }
        if (!ok) continue;
        b.k.fen = true;
        for (int i = 0; i < sh.n; ++i)
            if (sh.ops[i].code == OpCode::round)
                b.k.fen &= b.k.imm[i] == 10000 && b.k.imm2[i] == 1 && static_cast<RoundMode>(b.k.mode[i]) == RoundMode::half_up;
        b.k.adjacent = true;
        for (int j = 1; j < sh.nf; ++j) b.k.adjacent &= b.k.field[j] == b.k.field[0] + j;
        b.k.shape = si;
        return b.k;
    }
    return {};
}

// One row of the shape, op by op at compile time: v[i] is op i's value.
// Checked ops return false on overflow, as the reference would throw.
template <const Shape& S, bool Fen>
struct Row {
    const std::int64_t* fv;
    const std::int64_t* pv;
    const std::int64_t* kv;
    const std::int64_t* sv;
    const LineKernel& k;
    std::int64_t* v;

    template <Arg A>
    [[gnu::always_inline]] std::int64_t get() const {
        if constexpr (A.kind == Kind::t) return v[A.i];
        else if constexpr (A.kind == Kind::f) return fv[A.i];
        else if constexpr (A.kind == Kind::p) return pv[A.i];
        else if constexpr (A.kind == Kind::s) return sv[A.i];
        else return kv[A.i];
    }

    template <int I>
    [[gnu::always_inline]] bool op() {
        constexpr Op o = S.ops[I];
        std::int64_t& d = v[I];
        if constexpr (o.code == OpCode::add) return !__builtin_add_overflow(get<o.a>(), get<o.b>(), &d);
        else if constexpr (o.code == OpCode::sub) return !__builtin_sub_overflow(get<o.a>(), get<o.b>(), &d);
        else if constexpr (o.code == OpCode::mul) return !__builtin_mul_overflow(get<o.a>(), get<o.b>(), &d);
        else if constexpr (o.code == OpCode::neg) return !__builtin_sub_overflow(std::int64_t{0}, get<o.a>(), &d);
        else if constexpr (o.code == OpCode::rescale) return !__builtin_mul_overflow(get<o.a>(), k.imm[I], &d);
        else {
            if constexpr (o.code == OpCode::min) d = std::min(get<o.a>(), get<o.b>());
            else if constexpr (o.code == OpCode::max) d = std::max(get<o.a>(), get<o.b>());
            else if constexpr (o.code == OpCode::eq) d = get<o.a>() == get<o.b>();
            else if constexpr (o.code == OpCode::ne) d = get<o.a>() != get<o.b>();
            else if constexpr (o.code == OpCode::lt) d = get<o.a>() < get<o.b>();
            else if constexpr (o.code == OpCode::le) d = get<o.a>() <= get<o.b>();
            else if constexpr (o.code == OpCode::gt) d = get<o.a>() > get<o.b>();
            else if constexpr (o.code == OpCode::ge) d = get<o.a>() >= get<o.b>();
            else if constexpr (o.code == OpCode::and_) d = (get<o.a>() != 0) & (get<o.b>() != 0);
            else if constexpr (o.code == OpCode::or_) d = (get<o.a>() != 0) | (get<o.b>() != 0);
            else if constexpr (o.code == OpCode::not_) d = get<o.a>() == 0;
            else if constexpr (o.code == OpCode::select) {
                // Unpredictable (it is the item's category, line after line):
                // a mask, not a branch. GCC made a branch of `?:` (even
                // marked 50/50) around the ops that feed only one side, and
                // mispredicted it on most claims' lines.
                const std::uint64_t x = static_cast<std::uint64_t>(get<o.b>()), y = static_cast<std::uint64_t>(get<o.c>());
                const std::uint64_t take_x = 0 - static_cast<std::uint64_t>(get<o.a>() != 0);
                d = static_cast<std::int64_t>(y ^ ((x ^ y) & take_x));
            } else if constexpr (o.code == OpCode::tags_any) d = (get<o.a>() & k.imm[I]) != 0;
            else if constexpr (o.code == OpCode::tags_all) d = (get<o.a>() & k.imm[I]) == k.imm[I];
            else if constexpr (o.code == OpCode::round) {
                if constexpr (Fen) d = round_div_const<10000, RoundMode::half_up>(get<o.a>());
                else d = round_fast(get<o.a>(), k.imm[I], k.imm2[I], static_cast<RoundMode>(k.mode[I]));  // throws on overflow
            } else static_assert(o.code == OpCode::add, "an op kind shapes do not support");
            return true;
        }
    }

    template <int... I>
    [[gnu::always_inline]] bool all(std::integer_sequence<int, I...>) {
        return (op<I>() && ...);
    }
};

// The rows of run_shape, in a function of its own: only what the loop
// reads is live in it (not the Program or the slot array). The values'
// pointer is the end of their array and the index runs up from -end to 0: one
// register and one compare fewer than a count and its bound (the presence
// flags, a row per field where the values have none for a text, step on
// their own). The sums are
// added in memory (total_), one load and one store each: kept in a local
// array, GCC spilled them to the stack all the same, some stored twice
// (measured 6 instructions per claim more).
template <const Shape& S, bool Fen, bool Adjacent>
[[gnu::noinline]] bool run_rows(const std::int64_t* items_end, const std::uint8_t* present, std::ptrdiff_t end,
                                std::ptrdiff_t w, std::ptrdiff_t nf, const LineKernel& k, const std::int64_t* kv_,
                                const std::int64_t* sv_, std::int64_t* total_) {
    constexpr int NF = S.nf, NP = S.np, NK = S.nk, NS = S.nsums;
    std::int32_t fo[NF], po[NP > 0 ? NP : 1];
    for (int j = 0; j < NF; ++j) fo[j] = Adjacent ? j : k.field[j];
    for (int j = 0; j < NP; ++j) po[j] = k.present[j];
    std::int64_t kv[NK > 0 ? NK : 1], sv[S.ns > 0 ? S.ns : 1];
    for (int j = 0; j < NK; ++j) kv[j] = kv_[j];
    for (int j = 0; j < S.ns; ++j) sv[j] = sv_[j];
    std::int64_t* const total = total_;
    for (std::ptrdiff_t at = -end; at != 0; at += w, present += nf) {
        std::int64_t fv[NF], pv[NP > 0 ? NP : 1], v[S.n];
        for (int j = 0; j < NF; ++j) fv[j] = items_end[at + fo[j]];
        for (int j = 0; j < NP; ++j) pv[j] = present[po[j]];
        Row<S, Fen> r{fv, pv, kv, sv, k, v};
        if (!r.all(std::make_integer_sequence<int, S.n>{})) return false;
        // In item order from the slot's value, as the reference adds them.
        const bool added = [&]<int... J>(std::integer_sequence<int, J...>) {
            return (!__builtin_add_overflow(total[J], r.template get<S.sums[J]>(), &total[J]) && ...);
        }(std::make_integer_sequence<int, NS>{});
        if (!added) return false;
    }
    return true;
}

template <const Shape& S, bool Fen, bool Adjacent>
bool run_shape(const Program& p, const LineKernel& k, const Claim& c, std::int64_t* s) {
    const std::size_t n = c.item_count, nf = p.schema.item_fields.size(), w = p.item_layout.width;
    constexpr int NK = S.nk, NS = S.nsums;
    std::int64_t kv[NK > 0 ? NK : 1], sv[S.ns > 0 ? S.ns : 1];
    for (int j = 0; j < NK; ++j) kv[j] = k.konst[j];
    for (int j = 0; j < S.ns; ++j) sv[j] = s[k.scalar[j]];
    std::int64_t total[NS];
    for (int j = 0; j < NS; ++j) total[j] = k.starts_sums ? k.sum_init[j] : k.sum_slot[j] >= 0 ? s[k.sum_slot[j]] : 0;
    // Adjacent fields are one pointer and constant offsets, not one offset
    // per field: fewer registers in the loop.
    // match() takes no shape for rows of no values (w = 0), which this loop would not step through.
    const auto end = static_cast<std::ptrdiff_t>(n * w);
    const std::int64_t* const items_end = c.items.data() + end + (Adjacent ? k.field[0] : 0);
    if (!run_rows<S, Fen, Adjacent>(items_end, c.item_present.data(), end, static_cast<std::ptrdiff_t>(w),
                                    static_cast<std::ptrdiff_t>(nf), k, kv, sv, total))
        return false;
    for (int j = 0; j < NS; ++j)
        if (k.sum_slot[j] >= 0) s[k.sum_slot[j]] = total[j];
    return true;
}

using RunShape = bool (*)(const Program&, const LineKernel&, const Claim&, std::int64_t*);

template <int... I>
constexpr auto shape_runners(std::integer_sequence<int, I...>) {
    using ByFen = std::array<std::array<RunShape, 2>, 2>;  // [fen][adjacent]
    return std::array<ByFen, sizeof...(I)>{
        ByFen{std::array<RunShape, 2>{run_shape<*kShapes[I], false, false>, run_shape<*kShapes[I], false, true>},
              std::array<RunShape, 2>{run_shape<*kShapes[I], true, false>, run_shape<*kShapes[I], true, true>}}...};
}
constexpr auto kRunners = shape_runners(std::make_integer_sequence<int, static_cast<int>(std::size(kShapes))>{});

RunShape runner(const LineKernel& k) { return kRunners[k.shape][k.fen][k.adjacent]; }

}  // namespace shape

bool run_line_columns(const Program& p, const LinePlan& plan, const Claim& c, std::int64_t* s) {
    if (plan.kernel.shape >= 0) return shape::runner(plan.kernel)(p, plan.kernel, c, s);
    if (!plan.ok) return false;
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
    f->lines.kernel = shape::match(p, written_slots(p));
    build_claim_code(p, *f);
    if (f->claim_ok) f->claim_shape = match_claim_shape(p, f->shape_consts);
    // A fused shape starts its sums from their initial values and writes
    // every one of them, so when the claim runs it unconditionally (one
    // lines op, outside any skip) nothing needs resetting between claims.
    bool lines_always = f->lines.kernel.shape >= 0;
    int lines_ops = 0;
    for (std::size_t i = 0; i < p.ops.size(); ++i) {
        const Op& op = p.ops[i];
        if (op.code == OpCode::lines) ++lines_ops;
        // A skip's range reaching a lines op, or a lines op after an op that
        // may read a sum slot first: keep the reset.
        if (op.code == OpCode::skip_unless) {
            for (std::size_t j = i + 1; j <= i + static_cast<std::size_t>(op.n) && j < p.ops.size(); ++j)
                lines_always &= p.ops[j].code != OpCode::lines;
        }
        if (lines_ops == 0 && op.code != OpCode::lines)
            for_each_input(p, op, [&](std::int32_t slot) {
                for (const auto& sum : p.line_sums) lines_always &= slot != sum.claim_slot;
            });
        // Nor may anything else write a sum slot.
        for (const auto& sum : p.line_sums)
            lines_always &= op.code == OpCode::lines ||
                            (op.dst != sum.claim_slot && (op.code != OpCode::bands || op.c != sum.claim_slot));
    }
    lines_always &= lines_ops == 1;
    f->lines.kernel.starts_sums = lines_always;
    if (!lines_always)
        for (const auto& sum : p.line_sums) f->reset.push_back(sum.claim_slot);
    if (f->lines.kernel.shape >= 0) f->lines.kernel.run = shape::runner(f->lines.kernel);
    for (int j = 0; j < LineKernel::kSums; ++j) {
        const std::int32_t k = f->lines.kernel.sum_slot[j];
        f->lines.kernel.sum_init[j] = k >= 0 ? p.slot_init[static_cast<std::size_t>(k)] : 0;
    }
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
    f->direct = f->claim_ok && f->claim_shape >= 0 && f->one_period && f->accs.size() == p.accumulators.size() &&
                f->acc_first >= 0;
    return f;
}

}  // namespace claimgraph::detail
