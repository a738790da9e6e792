// The line program column by column (fast_program.hpp): each op runs as one
// tight loop over the claim's items. Checked arithmetic sets a flag instead of
// throwing, so the loops stay branch-free; any flag sends the claim back to the
// reference loop, which raises the exact error.
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

// One operand over the items: a column, a field read in place from
// Claim::items (a stride of one item), or a claim slot (stride 0).
struct View {
    const std::int64_t* p;
    std::size_t step;
    std::int64_t operator[](std::size_t i) const { return p[i * step]; }
};

template <class F>
void each(std::size_t n, F&& f) {
    for (std::size_t i = 0; i < n; ++i) f(i);
}

}  // namespace

LinePlan build_line_plan(const Program& p) {
    LinePlan lp;
    const auto nf = static_cast<std::int32_t>(p.schema.item_fields.size());
    std::unordered_map<std::int32_t, ColRef> line_ref;
    for (const std::int32_t f : p.line_reads) line_ref[p.item_fields + f] = {ColRef::item_field, f};
    for (const std::int32_t f : p.line_reads_present) {
        lp.present.emplace_back(f, lp.columns);
        line_ref[p.item_present + f] = {ColRef::column, lp.columns++};
    }
    bool ok = true;
    auto ref = [&](std::int32_t slot) {
        if (auto it = line_ref.find(slot); it != line_ref.end()) return it->second;
        // An item slot the plan does not load would be read stale.
        if (slot >= p.item_fields && slot < p.item_present + nf) ok = false;
        return ColRef{ColRef::slot, slot};
    };
    for (const Op& op : p.line_ops) {
        if (!column_op_supported(op.code)) return {};
        ColOp co;
        co.code = op.code;
        co.mode = op.mode;
        co.imm = op.imm;
        co.imm2 = op.imm2;
        co.a = ref(op.a);
        co.b = ref(op.b);
        co.c = ref(op.c);
        if (op.code == OpCode::table) {
            co.n = op.n;
            co.keys = static_cast<std::int32_t>(lp.refs.size());
            for (std::int32_t i = 0; i < op.n; ++i) {
                lp.refs.push_back(ref(p.args[op.extra + i]));
                lp.strides.push_back(p.args[op.extra + op.n + i]);
            }
        }
        co.dst = lp.columns++;
        line_ref[op.dst] = {ColRef::column, co.dst};
        lp.ops.push_back(co);
    }
    for (const auto& sum : p.line_sums) lp.sums.push_back({ref(sum.line_slot), sum.claim_slot});
    lp.ok = ok;
    return lp;
}

bool run_line_columns(const Program& p, const LinePlan& plan, const Claim& c, std::int64_t* s) {
    const std::size_t n = c.item_count;
    if (n == 0) return true;  // every sum adds nothing
    const std::size_t nf = p.schema.item_fields.size();
    thread_local std::vector<std::int64_t> buf;
    if (buf.size() < static_cast<std::size_t>(plan.columns) * n) buf.resize(static_cast<std::size_t>(plan.columns) * n);
    std::int64_t* cols = buf.data();
    for (const auto& [f, col] : plan.present) {
        std::int64_t* d = cols + static_cast<std::size_t>(col) * n;
        const std::uint8_t* pr = c.item_present.data() + f;
        each(n, [&](std::size_t i) { d[i] = pr[i * nf]; });
    }
    const auto view = [&](ColRef r) -> View {
        switch (r.kind) {
            case ColRef::slot: return {s + r.index, 0};
            case ColRef::column: return {cols + static_cast<std::size_t>(r.index) * n, 1};
            case ColRef::item_field: break;
        }
        return {c.items.data() + r.index, nf};
    };
    bool ovf = false;
    for (const ColOp& op : plan.ops) {
        std::int64_t* d = cols + static_cast<std::size_t>(op.dst) * n;
        const View a = view(op.a), b = view(op.b), cc = view(op.c);
        switch (op.code) {
            case OpCode::add: each(n, [&](std::size_t i) { ovf |= __builtin_add_overflow(a[i], b[i], d + i); }); break;
            case OpCode::sub: each(n, [&](std::size_t i) { ovf |= __builtin_sub_overflow(a[i], b[i], d + i); }); break;
            case OpCode::mul: each(n, [&](std::size_t i) { ovf |= __builtin_mul_overflow(a[i], b[i], d + i); }); break;
            case OpCode::neg:
                each(n, [&](std::size_t i) { ovf |= __builtin_sub_overflow(std::int64_t{0}, a[i], d + i); });
                break;
            case OpCode::min: each(n, [&](std::size_t i) { d[i] = std::min(a[i], b[i]); }); break;
            case OpCode::max: each(n, [&](std::size_t i) { d[i] = std::max(a[i], b[i]); }); break;
            case OpCode::rescale:
                each(n, [&](std::size_t i) { ovf |= __builtin_mul_overflow(a[i], op.imm, d + i); });
                break;
            case OpCode::round:
                round_fast_n(n, [&](std::size_t i) { return a[i]; }, d, op.imm, op.imm2, static_cast<RoundMode>(op.mode), ovf);
                break;
            case OpCode::eq: each(n, [&](std::size_t i) { d[i] = a[i] == b[i]; }); break;
            case OpCode::ne: each(n, [&](std::size_t i) { d[i] = a[i] != b[i]; }); break;
            case OpCode::lt: each(n, [&](std::size_t i) { d[i] = a[i] < b[i]; }); break;
            case OpCode::le: each(n, [&](std::size_t i) { d[i] = a[i] <= b[i]; }); break;
            case OpCode::gt: each(n, [&](std::size_t i) { d[i] = a[i] > b[i]; }); break;
            case OpCode::ge: each(n, [&](std::size_t i) { d[i] = a[i] >= b[i]; }); break;
            case OpCode::and_: each(n, [&](std::size_t i) { d[i] = a[i] && b[i]; }); break;
            case OpCode::or_: each(n, [&](std::size_t i) { d[i] = a[i] || b[i]; }); break;
            case OpCode::not_: each(n, [&](std::size_t i) { d[i] = !a[i]; }); break;
            case OpCode::select: each(n, [&](std::size_t i) { d[i] = a[i] ? b[i] : cc[i]; }); break;
            case OpCode::tags_any: each(n, [&](std::size_t i) { d[i] = (a[i] & op.imm) != 0; }); break;
            case OpCode::tags_all: each(n, [&](std::size_t i) { d[i] = (a[i] & op.imm) == op.imm; }); break;
            case OpCode::table:
                each(n, [&](std::size_t i) {
                    std::int64_t idx = 0;
                    for (std::int32_t k = 0; k < op.n; ++k) idx += view(plan.refs[op.keys + k])[i] * plan.strides[op.keys + k];
                    d[i] = p.table_data[static_cast<std::size_t>(op.imm + idx)];
                });
                break;
            default: return false;
        }
        if (ovf) return false;  // a wrapped value must not reach a later op (a table index)
    }
    // Summed in item order from the slot's value, as the reference does, and
    // written only once nothing has overflowed.
    thread_local std::vector<std::int64_t> totals;
    totals.resize(plan.sums.size());
    for (std::size_t k = 0; k < plan.sums.size(); ++k) {
        const View v = view(plan.sums[k].value);
        std::int64_t t = s[plan.sums[k].claim_slot];
        each(n, [&](std::size_t i) { ovf |= __builtin_add_overflow(t, v[i], &t); });
        totals[k] = t;
    }
    if (ovf) return false;
    for (std::size_t k = 0; k < plan.sums.size(); ++k) s[plan.sums[k].claim_slot] = totals[k];
    return true;
}

std::shared_ptr<const FastProgram> build_fast_program(const Program& p) {
    auto f = std::make_shared<FastProgram>();
    f->lines = build_line_plan(p);
    build_claim_code(p, *f);
    return f;
}

}  // namespace claimgraph::detail
