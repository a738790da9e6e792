// Evaluate: one pass over the lowered ops for each claim.
#include <fmt/format.h>

#include <stdexcept>

#include "claimgraph/error.hpp"
#include "claimgraph/graph.hpp"
#include "engine/program.hpp"

namespace claimgraph {
namespace detail {

namespace {

constexpr std::int64_t kUnlimited = INT64_MAX / 4;

// The payable part of x on the axis [p0, p0 + x) above threshold T, split
// across bands placed at absolute positions [T + from, T + to). Exact: fen·bp.
void exec_bands(const Program& p, const Op& op, std::int64_t* s) {
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
                const std::int64_t bh = to >= kUnlimited ? INT64_MAX : checked_add(t, to);
                const std::int64_t piece = std::min(hi, bh) - std::max(lo, bl);
                if (piece > 0) sum += static_cast<__int128>(piece) * r;
            }
        } else {
            // Whole-amount: the band the cumulative amount above T reaches sets
            // the ratio for all of this claim's payable part.
            const std::int64_t reached = hi - t;
            const bool upper = method == BandMethod::whole_amount_upper_inclusive;
            std::int64_t r = 0;
            for (std::int32_t i = 0; i < op.n; ++i) {
                const std::int64_t from = s[a[3 + 3 * i]], to = s[a[4 + 3 * i]];
                const bool in = upper ? (reached > from || (i == 0 && reached == from)) && (to >= kUnlimited || reached <= to)
                                      : reached >= from && (to >= kUnlimited || reached < to);
                if (in) {
                    r = s[a[5 + 3 * i]];
                    break;
                }
            }
            sum = static_cast<__int128>(hi - lo) * r;
        }
    }
    if (sum > INT64_MAX) throw OverflowError("band payment overflow");
    s[op.dst] = static_cast<std::int64_t>(sum);
}

}  // namespace

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
        case OpCode::copy: d = s[op.a]; break;
        case OpCode::lines: break;        // run by the evaluator, which has the claim
        case OpCode::skip_unless: break;  // a jump: taken by the evaluation loop
    }
}

void exec_op(const Program& p, const Op& op, std::int64_t* s) { run_op(p, op, s); }

}  // namespace detail

using detail::Program;

const Schema& Graph::schema() const { return p_->schema; }
const std::string& Graph::policy_id() const { return p_->policy_id; }
const std::vector<std::string>& Graph::output_names() const { return p_->output_names; }
const std::vector<std::string>& Graph::stage_ids() const { return p_->stage_ids; }
const std::vector<std::string>& Graph::accumulator_names() const { return p_->accumulator_names; }
const std::string& Graph::output_label(std::size_t i) const { return p_->outputs.at(i).label; }
const std::string& Graph::output_category(std::size_t i) const { return p_->outputs.at(i).category; }
const std::string& Graph::stage_label(std::size_t i) const { return p_->stages.at(i).label; }
std::size_t Graph::node_count() const { return p_->ops.size() + p_->line_ops.size(); }

std::int32_t Graph::period_of(const Claim& c, std::size_t accumulator) const {
    const auto& a = p_->accumulators.at(accumulator);
    const int y = c.date.year();
    const bool before = c.date.month() < a.period_month || (c.date.month() == a.period_month && c.date.day() < a.period_day);
    return before ? y - 1 : y;
}

Settlement Graph::settle(const Claim& claim, Ledger& ledger) const {
    Settlement s;
    settle(claim, ledger, s);
    return s;
}

namespace {

// Runs the per-item program. With Tracing, each line's values are recorded;
// without it the branch disappears at compile time.
template <bool Tracing>
void run_lines(const Program& p, const Claim& c, std::int64_t* s, Trace* trace) {
    const std::size_t nf = p.schema.item_fields.size();
    for (std::size_t i = 0; i < c.item_count; ++i) {
        const std::int64_t* v = c.items.data() + i * nf;
        const std::uint8_t* pr = c.item_present.data() + i * nf;
        // Only the fields the line program reads are loaded.
        for (const std::int32_t f : p.line_reads) s[p.item_fields + f] = v[f];
        for (const std::int32_t f : p.line_reads_present) s[p.item_present + f] = pr[f];
        for (const auto& op : p.line_ops) detail::run_op(p, op, s);
        for (const auto& sum : p.line_sums) s[sum.claim_slot] = detail::checked_add(s[sum.claim_slot], s[sum.line_slot]);
        if constexpr (Tracing) detail::trace_line(p, c, i, s, *trace);
    }
}

std::string where(const Program& p, std::int32_t node) {
    if (node < 0 || node >= static_cast<std::int32_t>(p.nodes.size())) return {};
    const auto& n = p.nodes[node];
    return fmt::format(" ({}{}{})", n.rule, n.pos.file ? " at " : "", n.pos.file ? n.pos.str() : "");
}

template <bool Tracing>
void settle_impl(const Program& p, const Graph& g, const Claim& c, Ledger& ledger, Settlement& out, Trace* trace) {
    out.claim_id = c.claim_id;
    out.status = SettleStatus::settled;
    out.code.clear();
    out.message.clear();
    out.field.clear();
    out.outputs.assign(p.outputs.size(), Money{});
    out.stages.assign(p.stages.size(), StageResult{});
    if constexpr (Tracing) detail::trace_begin(p, c, *trace);

    const std::size_t nf = p.schema.claim_fields.size();
    if (c.fields.size() != nf || c.present.size() != nf ||
        c.items.size() != c.item_count * p.schema.item_fields.size() || c.item_present.size() != c.items.size()) {
        out.status = SettleStatus::error;
        out.message = "the claim was not built for this policy's schema";
        if constexpr (Tracing) detail::trace_end(p, nullptr, out, {}, {}, *trace);
        return;
    }

    thread_local std::vector<std::int64_t> slots;
    thread_local std::vector<Cell> cells;
    thread_local std::vector<std::int64_t> accv;
    slots.assign(p.slot_init.begin(), p.slot_init.end());
    std::int64_t* s = slots.data();
    for (std::size_t i = 0; i < nf; ++i) {
        s[p.claim_fields + i] = c.fields[i];
        s[p.claim_present + i] = c.present[i];
    }
    s[p.claim_date] = c.date.days;

    const std::size_t na = p.accumulators.size();
    cells.resize(na);
    accv.resize(na);
    for (std::size_t i = 0; i < na; ++i) {
        const auto& a = p.accumulators[i];
        std::string_view key;
        if (a.key_field >= 0) {
            const auto& f = p.schema.claim_fields[a.key_field];
            key = f.type == FieldType::string ? std::string_view(c.texts[a.key_field])
                                              : std::string_view(p.schema.enums[f.enum_type].values[c.fields[a.key_field]]);
        }
        cells[i] = Cell{c.member_id, static_cast<std::uint32_t>(i), g.period_of(c, i), key};
    }
    ledger.read(cells, accv);
    for (std::size_t i = 0; i < na; ++i) s[p.accumulators[i].slot] = accv[i];

    std::int32_t at = -1;
    try {
        const detail::Op* ops = p.ops.data();
        const std::size_t n = p.ops.size();
        for (std::size_t i = 0; i < n; ++i) {
            const detail::Op& op = ops[i];
            at = op.node;
            if (op.code == detail::OpCode::lines) run_lines<Tracing>(p, c, s, trace);
            else if (op.code == detail::OpCode::skip_unless) {
                // The stage does not apply: its private ops would all produce 0,
                // which is what their slots already hold.
                if (!s[op.a]) i += static_cast<std::size_t>(op.n);
            } else {
                detail::run_op(p, op, s);
            }
        }
    } catch (const detail::EvalFailure& f) {
        out.status = SettleStatus::error;
        out.message = f.message + where(p, f.node);
    } catch (const OverflowError& e) {
        out.status = SettleStatus::error;
        out.message = fmt::format("{}{}: amounts too large to settle exactly", e.what(), where(p, at));
    }
    if (out.status == SettleStatus::error) {
        if constexpr (Tracing) detail::trace_end(p, nullptr, out, accv, {}, *trace);
        return;
    }

    for (const auto& r : p.rejections) {
        if (s[r.cond]) {
            out.status = SettleStatus::rejected;
            out.code = r.code;
            out.message = r.message.empty() ? r.label : r.message;
            if constexpr (Tracing) detail::trace_end(p, s, out, accv, {}, *trace);
            return;
        }
    }
    for (std::size_t i = 0; i < p.outputs.size(); ++i) out.outputs[i] = Money::from_fen(s[p.outputs[i].slot]);
    for (std::size_t i = 0; i < p.stages.size(); ++i) {
        const auto& st = p.stages[i];
        auto& r = out.stages[i];
        r.applied = s[st.applies] != 0;
        r.base = Money::from_fen(s[st.base]);
        r.deductible = Money::from_fen(s[st.deductible]);
        r.raw = Money::from_fen(s[st.raw]);
        r.pay = Money::from_fen(s[st.pay]);
        r.rejection.clear();
        for (const auto& rj : st.rejects)
            if (s[rj.cond]) {
                r.rejection = rj.code;
                break;
            }
    }
    thread_local std::vector<std::int64_t> deltas;
    deltas.resize(na);
    for (std::size_t i = 0; i < na; ++i) {
        deltas[i] = s[p.accumulators[i].delta];
        if (deltas[i] < 0) {
            out.status = SettleStatus::error;
            out.field = p.accumulators[i].name;
            out.message = fmt::format("the update of accumulator '{}' is negative ({}): accumulators only grow",
                                      p.accumulators[i].name, deltas[i]);
            if constexpr (Tracing) detail::trace_end(p, s, out, accv, {}, *trace);
            return;
        }
    }
    if constexpr (Tracing) detail::trace_end(p, s, out, accv, deltas, *trace);
    ledger.add(cells, deltas);
}

}  // namespace

void Graph::settle(const Claim& c, Ledger& ledger, Settlement& out) const {
    settle_impl<false>(*p_, *this, c, ledger, out, nullptr);
}

#if CLAIMGRAPH_TRACING
void Graph::settle(const Claim& c, Ledger& ledger, Settlement& out, Trace& trace) const {
    settle_impl<true>(*p_, *this, c, ledger, out, &trace);
}
#else
// Built with -DCLAIMGRAPH_TRACING=OFF, only to measure what tracing costs when off.
void Graph::settle(const Claim&, Ledger&, Settlement&, Trace&) const {
    throw std::logic_error("claimgraph was built without tracing (CLAIMGRAPH_TRACING=OFF)");
}
#endif

}  // namespace claimgraph
