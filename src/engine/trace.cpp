// Builds a Trace from the evaluated slots. Every slot of the main program is
// written once per claim, so after evaluation the slots are a complete record:
// tracing reads them afterwards instead of slowing the evaluation down.
#include <fmt/format.h>

#include "engine/program.hpp"

namespace claimgraph::detail {

namespace {

const char* op_name(OpCode c) {
    switch (c) {
        case OpCode::add: return "add";
        case OpCode::sub: return "sub";
        case OpCode::mul: return "mul";
        case OpCode::neg: return "neg";
        case OpCode::min: return "min";
        case OpCode::max: return "max";
        case OpCode::rescale: return "rescale";
        case OpCode::round: return "round";
        case OpCode::eq: return "eq";
        case OpCode::ne: return "ne";
        case OpCode::lt: return "lt";
        case OpCode::le: return "le";
        case OpCode::gt: return "gt";
        case OpCode::ge: return "ge";
        case OpCode::and_: return "and";
        case OpCode::or_: return "or";
        case OpCode::not_: return "not";
        case OpCode::select: return "if";
        case OpCode::tags_any: return "has_any";
        case OpCode::tags_all: return "has_all";
        case OpCode::table: return "table";
        case OpCode::lines: return "lines";
        case OpCode::bands: return "bands";
        case OpCode::product_round: return "deductible";
        case OpCode::fail_if: return "check";
        case OpCode::skip_unless: return "skip_unless";
    }
    return "?";
}

constexpr std::int64_t kUnlimited = INT64_MAX / 4;

void trace_stage(const Program& p, const StageInfo& st, const std::int64_t* s, std::span<const std::int64_t> before,
                 StageTrace& t) {
    t.id = st.id;
    t.label = st.label;
    t.pos = st.pos;
    t.applies = s[st.applies] != 0;
    for (const auto& r : st.rejects)
        if (s[r.cond]) {
            t.rejection = r.code;
            break;
        }
    t.base = Money::from_fen(s[st.base]);
    t.base_text = st.base_text;
    if (st.nominal_table < 0) t.nominal_text = st.deductible_text;
    t.has_deductible = st.has_deductible;
    t.deductible_label = st.deductible_label;
    t.deductible_pos = st.deductible_pos;
    t.nominal = Money::from_fen(s[st.nominal]);
    if (st.nominal_table >= 0) {
        // Table keys are enum indexes in the slots; show their labels.
        const auto& enums = p.table_key_enums[st.nominal_table];
        t.nominal_text = p.table_names[st.nominal_table] + "[";
        for (std::size_t k = 0; k < st.nominal_keys.size(); ++k) {
            const auto& values = p.schema.enums[enums[k]].values;
            const auto v = static_cast<std::size_t>(s[st.nominal_keys[k]]);
            t.nominal_text += (k ? ", " : "") + (v < values.size() ? values[v] : std::string("?"));
        }
        t.nominal_text += "]";
    }
    for (const auto& m : st.multipliers)
        t.multipliers.push_back({m.label, m.pos, s[m.cond] != 0, Ratio::from_bp(s[m.ratio])});
    t.deductible = Money::from_fen(s[st.threshold]);
    t.cumulative = st.cumulative_acc >= 0;
    const std::int64_t p0 = t.cumulative ? before[st.cumulative_acc] : 0;
    if (t.cumulative) {
        t.axis = p.accumulators[st.cumulative_acc].name;
        t.axis_before = Money::from_fen(p0);
    }
    t.deductible_applied = Money::from_fen(s[st.deductible]);
    const auto method = static_cast<BandMethod>(st.method);
    t.method = method == BandMethod::segmented ? "segmented" : "whole_amount";
    for (const auto& a : st.adjustments)
        t.adjustments.push_back({a.label, a.pos, s[a.cond] != 0, a.replaces, Ratio::from_bp(s[a.value])});
    for (std::size_t i = 0; i < st.choices.size(); ++i) {
        if (s[st.choices[i].when]) {
            t.choice = static_cast<int>(i);
            break;
        }
    }
    const std::int64_t thr = s[st.threshold], x = s[st.base];
    const std::int64_t lo = std::max(p0, thr), hi = p0 + x;
    if (t.choice >= 0) {
        const auto& bands = st.choices[t.choice].bands;
        std::int64_t whole_ratio = -1;
        if (method != BandMethod::segmented && hi > lo) {
            const std::int64_t reached = hi - thr;
            const bool upper = method == BandMethod::whole_amount_upper_inclusive;
            for (std::size_t i = 0; i < bands.size(); ++i) {
                const auto& b = bands[i];
                const bool in = upper ? (reached > b.from || (i == 0 && reached == b.from)) && (b.to >= kUnlimited || reached <= b.to)
                                      : reached >= b.from && (b.to >= kUnlimited || reached < b.to);
                if (in) {
                    whole_ratio = static_cast<std::int64_t>(i);
                    break;
                }
            }
        }
        for (std::size_t i = 0; i < bands.size(); ++i) {
            const auto& b = bands[i];
            BandPieceTrace piece;
            piece.from = Money::from_fen(thr + b.from);
            piece.open = b.to >= kUnlimited;
            piece.to = piece.open ? Money{} : Money::from_fen(thr + b.to);
            piece.base_ratio = Ratio::from_bp(s[b.base_ratio]);
            piece.ratio = Ratio::from_bp(s[b.ratio]);
            std::int64_t amount = 0;
            if (method == BandMethod::segmented) {
                const std::int64_t a = std::max(lo, thr + b.from);
                const std::int64_t z = piece.open ? hi : std::min(hi, thr + b.to);
                amount = std::max<std::int64_t>(0, z - a);
            } else if (static_cast<std::int64_t>(i) == whole_ratio) {
                amount = hi - lo;
            }
            piece.amount = Money::from_fen(amount);
            piece.exact = amount * s[b.ratio];
            t.pieces.push_back(piece);
        }
    }
    t.exact = s[st.exact];
    t.rounding = st.rounding;
    t.raw = Money::from_fen(s[st.raw]);
    for (const auto& c : st.caps) {
        CapTrace ct;
        ct.label = c.label;
        ct.pos = c.pos;
        ct.applies = c.applies < 0 || s[c.applies] != 0;
        ct.has_used = c.used >= 0;
        ct.cap = Money::from_fen(s[c.amount]);
        ct.used = c.used >= 0 ? Money::from_fen(s[c.used]) : Money{};
        ct.room = Money::from_fen(std::min(s[c.room], kUnlimited));
        ct.pay_after = Money::from_fen(s[c.pay_after]);
        t.caps.push_back(ct);
    }
    Money prev = t.raw;
    for (auto& c : t.caps) {
        c.pay_before = prev;
        prev = c.pay_after;
    }
    t.pay = Money::from_fen(s[st.pay]);
    for (const auto& u : st.updates) {
        const auto& a = p.accumulators[u.acc];
        const std::int64_t d = t.applies ? s[u.value] : 0;
        t.updates.push_back({a.name, before[u.acc], d, before[u.acc] + d, a.type == FieldType::money});
    }
}

}  // namespace

void trace_begin(const Program& p, const Claim& c, Trace& t) {
    t = Trace{};
    t.policy_id = p.policy_id;
    t.policy_label = p.label;
    t.claim_id = c.claim_id;
    t.member_id = c.member_id;
    t.date = c.date.str();
}

void trace_line(const Program& p, const Claim& c, std::size_t item, const std::int64_t* s, Trace& t) {
    LineTrace l;
    l.index = item;
    const std::size_t nf = p.schema.item_fields.size();
    for (std::size_t f = 0; f < nf; ++f) {
        const auto& spec = p.schema.item_fields[f];
        if (spec.name == "code" && spec.type == FieldType::string) l.code = c.item_texts[item * nf + f];
        if (spec.name == "amount" && spec.type == FieldType::money)
            l.amount = Money::from_fen(c.items[item * p.item_layout.width + static_cast<std::size_t>(p.item_layout.column[f])]);
    }
    for (std::size_t i = 0; i < p.line_value_slots.size(); ++i)
        l.values.emplace_back(p.line_value_names[i], Money::from_fen(s[p.line_value_slots[i]]));
    t.lines.push_back(std::move(l));
}

void trace_end(const Program& p, const std::int64_t* s, const Settlement& out, std::span<const std::int64_t> before,
               std::span<const std::int64_t> deltas, Trace& t) {
    t.status = out.status == SettleStatus::settled ? "settled" : out.status == SettleStatus::rejected ? "rejected" : "error";
    t.message = out.status == SettleStatus::rejected ? out.code + ": " + out.message : out.message;
    if (!s) return;
    for (const auto& stage : p.stages) {
        StageTrace st;
        trace_stage(p, stage, s, before, st);
        t.stages.push_back(std::move(st));
    }
    for (const auto& op : p.ops) {
        if (op.code == OpCode::lines || op.code == OpCode::skip_unless) continue;
        NodeTrace n;
        if (op.node >= 0) {
            n.rule = p.nodes[op.node].rule;
            n.pos = p.nodes[op.node].pos;
        }
        n.op = op_name(op.code);
        for_each_input(p, op, [&](std::int32_t slot) { n.inputs.push_back(s[slot]); });
        n.result = s[op.dst];
        if (op.code == OpCode::bands) n.text = fmt::format("deductible applied {}", s[op.c]);
        t.nodes.push_back(std::move(n));
    }
    if (out.status == SettleStatus::settled) {
        for (std::size_t i = 0; i < p.outputs.size(); ++i) {
            t.outputs.emplace_back(p.outputs[i].name, out.outputs[i]);
            t.output_rules.push_back(p.outputs[i].text);
        }
        for (std::size_t i = 0; i < p.accumulators.size(); ++i) {
            const std::int64_t d = i < deltas.size() ? deltas[i] : 0;
            t.accumulators.push_back(
                {p.accumulators[i].name, before[i], d, before[i] + d, p.accumulators[i].type == FieldType::money});
        }
    }
}

}  // namespace claimgraph::detail
