// Lower: typed IR → flat Program. Nodes are emitted in dependency order
// (post-order), identical nodes share a slot, constant nodes are folded at
// compile time, and nodes nothing reads are dropped.
#include "policy/lower.hpp"

#include "engine/fast_program.hpp"

#include <fmt/format.h>

#include <map>
#include <unordered_map>

namespace claimgraph {
namespace {

using detail::Op;
using detail::OpCode;
using ir::Node;
using ir::NodePtr;

constexpr std::int64_t kUnlimited = INT64_MAX / 4;

class Lowerer {
public:
    explicit Lowerer(const ir::Policy& src) : src_(src) {}

    detail::Program run() {
        p_.policy_id = src_.id;
        p_.label = src_.label;
        p_.schema = src_.schema;
        p_.rounding = src_.rounding;
        layout();
        lines();
        for (std::size_t i = 0; i < src_.stages.size(); ++i) stage(i);
        // Rejections are decided after evaluation, so they may read stage results.
        for (const auto& r : src_.rejections) {
            rule_ = "rejection " + r.code;
            p_.rejections.push_back({r.code, r.label, r.message, slot(r.cond)});
        }
        accumulator_deltas();
        for (const auto& o : src_.outputs) {
            rule_ = "output " + o.name;
            p_.outputs.push_back({o.name, slot(o.value), o.text, o.pos, o.label, o.category});
            p_.output_names.push_back(o.name);
        }
        prune();
        add_stage_skips();
        p_.fast = detail::build_fast_program(p_);
        return std::move(p_);
    }

private:
    const ir::Policy& src_;
    detail::Program p_;
    std::vector<std::uint8_t> is_const_;
    std::vector<std::uint8_t> line_slot_;   // slot written per item
    std::unordered_map<const Node*, std::int32_t> memo_;
    std::map<std::vector<std::int64_t>, std::int32_t> cse_;
    std::map<std::int64_t, std::int32_t> consts_;
    std::vector<std::int32_t> line_value_slots_;
    std::vector<std::int32_t> stage_slots_[5];
    std::vector<std::vector<std::int32_t>> acc_contrib_;
    std::string rule_;
    SourcePos cur_pos_;
    int cur_stage_ = -1;                                // ops emitted now belong to this stage's private work
    std::vector<std::vector<std::int32_t>> stage_outs_;  // per stage: its slots others may read (0 when skipped)

    std::int32_t new_slot(bool line = false) {
        p_.slot_init.push_back(0);
        is_const_.push_back(0);
        line_slot_.push_back(line);
        return static_cast<std::int32_t>(p_.slot_init.size() - 1);
    }

    std::int32_t konst(std::int64_t v) {
        if (auto it = consts_.find(v); it != consts_.end()) return it->second;
        const auto s = new_slot();
        p_.slot_init[s] = v;
        is_const_[s] = 1;
        consts_[v] = s;
        return s;
    }

    std::int32_t node_info(const SourcePos& pos, const std::string& label = {}) {
        p_.nodes.push_back({rule_, label, pos});
        return static_cast<std::int32_t>(p_.nodes.size() - 1);
    }

    void layout() {
        const auto& s = p_.schema;
        p_.claim_fields = static_cast<std::int32_t>(p_.slot_init.size());
        for (std::size_t i = 0; i < s.claim_fields.size(); ++i) new_slot();
        p_.claim_present = static_cast<std::int32_t>(p_.slot_init.size());
        for (std::size_t i = 0; i < s.claim_fields.size(); ++i) new_slot();
        p_.claim_date = new_slot();
        p_.item_fields = static_cast<std::int32_t>(p_.slot_init.size());
        for (std::size_t i = 0; i < s.item_fields.size(); ++i) new_slot(true);
        p_.item_present = static_cast<std::int32_t>(p_.slot_init.size());
        for (std::size_t i = 0; i < s.item_fields.size(); ++i) new_slot(true);
        p_.item_layout = detail::ItemColumns(s);
        for (const auto& a : src_.accumulators) {
            detail::AccumulatorInfo info;
            info.name = a.name;
            info.label = a.label;
            info.type = a.type;
            info.period_month = a.period_month;
            info.period_day = a.period_day;
            info.key_field = a.key_field;
            info.slot = new_slot();
            p_.accumulators.push_back(info);
            p_.accumulator_names.push_back(a.name);
        }
        acc_contrib_.resize(src_.accumulators.size());
    }

    // Emits an op; folds it when every input is a constant, shares it when an
    // identical op exists.
    std::int32_t emit(Op op, std::int32_t node = -1) {
        bool all_const = true, any_line = false;
        std::vector<std::int64_t> key{static_cast<std::int64_t>(op.code), op.mode, op.imm, op.imm2, op.n};
        detail::for_each_input(p_, op, [&](std::int32_t s) {
            all_const = all_const && is_const_[s];
            any_line = any_line || line_slot_[s];
            key.push_back(s);
        });
        if (op.code == OpCode::table)
            for (std::int32_t i = 0; i < op.n; ++i) key.push_back(p_.args[op.extra + op.n + i]);
        if (auto it = cse_.find(key); it != cse_.end() && op.code != OpCode::bands && op.code != OpCode::fail_if)
            return it->second;
        op.node = node >= 0 ? node : node_info(cur_pos_);
        if (all_const && op.code != OpCode::bands && op.code != OpCode::fail_if) {
            op.dst = new_slot();
            try {
                detail::exec_op(p_, op, p_.slot_init.data());
            } catch (const OverflowError&) {
                throw CompileError({Diagnostic{cur_pos_, "this constant arithmetic is too large to hold exactly"}});
            }
            const std::int64_t v = p_.slot_init[op.dst];
            p_.slot_init[op.dst] = 0;
            is_const_.pop_back();
            line_slot_.pop_back();
            p_.slot_init.pop_back();
            const auto s = konst(v);
            cse_[key] = s;
            return s;
        }
        op.dst = new_slot(any_line);
        if (!any_line) op.stage = cur_stage_;
        (any_line ? p_.line_ops : p_.ops).push_back(op);
        cse_[key] = op.dst;
        return op.dst;
    }

    static Op make(OpCode c, std::int32_t a = 0, std::int32_t b = 0, std::int32_t cc = 0, std::int64_t imm = 0) {
        Op op{};
        op.code = c;
        op.a = a;
        op.b = b;
        op.c = cc;
        op.imm = imm;
        return op;
    }

    std::int32_t binop(OpCode c, std::int32_t a, std::int32_t b, std::int32_t node = -1) { return emit(make(c, a, b), node); }
    std::int32_t select(std::int32_t c, std::int32_t a, std::int32_t b) {
        if (is_const_[c]) return p_.slot_init[c] ? a : b;
        return emit(make(OpCode::select, c, a, b));
    }
    std::int32_t and_(std::int32_t a, std::int32_t b) { return binop(OpCode::and_, a, b); }
    std::int32_t not_(std::int32_t a) { return emit(make(OpCode::not_, a)); }

    std::int32_t slot(const NodePtr& n) {
        if (!n) return konst(1);
        if (auto it = memo_.find(n.get()); it != memo_.end()) return it->second;
        const std::int32_t s = lower(*n);
        memo_[n.get()] = s;
        return s;
    }

    std::int32_t lower(const Node& n) {
        using ir::Op;
        cur_pos_ = n.pos;
        const auto node = [&] { return node_info(n.pos); };
        switch (n.op) {
            case Op::konst: return konst(n.value);
            case Op::claim_field: return p_.claim_fields + static_cast<std::int32_t>(n.value);
            case Op::claim_present: return p_.claim_present + static_cast<std::int32_t>(n.value);
            case Op::claim_date: return p_.claim_date;
            case Op::item_field: return p_.item_fields + static_cast<std::int32_t>(n.value);
            case Op::item_present: return p_.item_present + static_cast<std::int32_t>(n.value);
            case Op::line_value: return line_value_slots_.at(static_cast<std::size_t>(n.value));
            case Op::acc: return p_.accumulators[n.value].slot;
            case Op::stage_value: return stage_slots_[n.value2].at(static_cast<std::size_t>(n.value));
            case Op::sum: return sum(n);
            case Op::add: return binop(OpCode::add, slot(n.args[0]), slot(n.args[1]), node());
            case Op::sub: return binop(OpCode::sub, slot(n.args[0]), slot(n.args[1]), node());
            case Op::mul: return binop(OpCode::mul, slot(n.args[0]), slot(n.args[1]), node());
            case Op::min: return binop(OpCode::min, slot(n.args[0]), slot(n.args[1]));
            case Op::max: return binop(OpCode::max, slot(n.args[0]), slot(n.args[1]));
            case Op::eq: return binop(OpCode::eq, slot(n.args[0]), slot(n.args[1]));
            case Op::ne: return binop(OpCode::ne, slot(n.args[0]), slot(n.args[1]));
            case Op::lt: return binop(OpCode::lt, slot(n.args[0]), slot(n.args[1]));
            case Op::le: return binop(OpCode::le, slot(n.args[0]), slot(n.args[1]));
            case Op::gt: return binop(OpCode::gt, slot(n.args[0]), slot(n.args[1]));
            case Op::ge: return binop(OpCode::ge, slot(n.args[0]), slot(n.args[1]));
            case Op::and_: return and_(slot(n.args[0]), slot(n.args[1]));
            case Op::or_: return binop(OpCode::or_, slot(n.args[0]), slot(n.args[1]));
            case Op::not_: return not_(slot(n.args[0]));
            case Op::neg: return emit(make(OpCode::neg, slot(n.args[0])), node());
            case Op::select: return select(slot(n.args[0]), slot(n.args[1]), slot(n.args[2]));
            case Op::tags_any: return emit(make(OpCode::tags_any, slot(n.args[0]), 0, 0, n.value));
            case Op::tags_all: return emit(make(OpCode::tags_all, slot(n.args[0]), 0, 0, n.value));
            case Op::rescale: return emit(make(OpCode::rescale, slot(n.args[0]), 0, 0, n.value), node());
            case Op::round: {
                detail::Op op = make(OpCode::round, slot(n.args[0]), 0, 0, n.value);
                op.imm2 = n.value2;
                op.mode = n.mode;
                return emit(op, node());
            }
            case Op::table: return table(n);
        }
        throw std::logic_error("lower: unexpected node");
    }

    std::int32_t table(const Node& n) {
        const ir::Table& t = src_.tables[n.value];
        Op op = make(OpCode::table);
        op.n = static_cast<std::int32_t>(n.args.size());
        std::vector<std::int32_t> keys;
        for (const auto& a : n.args) keys.push_back(slot(a));
        op.extra = static_cast<std::int32_t>(p_.args.size());
        op.imm = static_cast<std::int64_t>(p_.table_data.size());
        for (auto k : keys) p_.args.push_back(k);
        std::size_t stride = 1;
        std::vector<std::int32_t> strides(keys.size());
        for (std::size_t i = keys.size(); i-- > 0;) {
            strides[i] = static_cast<std::int32_t>(stride);
            stride *= src_.schema.enums[t.key_enums[i]].values.size();
        }
        for (auto s : strides) p_.args.push_back(s);
        // Table data is appended once per table; lookups of the same table share it.
        auto [it, fresh] = table_offset_.try_emplace(n.value, static_cast<std::int64_t>(p_.table_data.size()));
        if (fresh) p_.table_data.insert(p_.table_data.end(), t.data.begin(), t.data.end());
        op.imm = it->second;
        return emit(op);
    }
    std::map<std::int64_t, std::int64_t> table_offset_;

    // ---- lines

    std::vector<const Node*> sums_;

    void collect_sums(const NodePtr& n) {
        if (!n) return;
        if (n->op == ir::Op::sum) sums_.push_back(n.get());
        for (const auto& a : n->args) collect_sums(a);
    }

    void lines() {
        for (const auto& l : src_.lines) {
            rule_ = "lines." + l.name;
            line_value_slots_.push_back(slot(l.value));
            p_.line_value_names.push_back(l.name);
        }
        p_.line_value_slots = line_value_slots_;
        for (const auto& t : src_.tables) {
            p_.table_names.push_back(t.name);
            p_.table_key_enums.push_back(t.key_enums);
        }
        // Every sum() anywhere in the policy is a line program output.
        for (const auto& r : src_.rejections) collect_sums(r.cond);
        for (const auto& s : src_.stages) {
            for (const NodePtr& n : {s.when, s.base, s.deductible, s.clamp_lo, s.clamp_hi}) collect_sums(n);
            for (const auto& m : s.multipliers) collect_sums(m.when), collect_sums(m.ratio);
            for (const auto& c : s.choices) {
                collect_sums(c.when);
                for (const auto& b : c.bands) collect_sums(b.ratio);
            }
            for (const auto& a : s.adjustments) collect_sums(a.when), collect_sums(a.add), collect_sums(a.set);
            for (const auto& c : s.caps) collect_sums(c.amount), collect_sums(c.used), collect_sums(c.applies);
            for (const auto& r : s.rejects) collect_sums(r.cond);
            for (const auto& u : s.updates) collect_sums(u.value);
        }
        for (const auto& o : src_.outputs) collect_sums(o.value);
        for (const Node* s : sums_) {
            rule_ = "sum";
            const std::int32_t v = slot(s->args[0]);
            if (sum_slots_.count(v)) {
                memo_[s] = sum_slots_[v];
                continue;
            }
            const std::int32_t dst = new_slot();
            p_.line_sums.push_back({v, dst});
            sum_slots_[v] = dst;
            memo_[s] = dst;
        }
        Op op = make(OpCode::lines);
        op.dst = -1;
        p_.ops.push_back(op);
    }
    std::map<std::int32_t, std::int32_t> sum_slots_;

    std::int32_t sum(const Node& n) {
        // All sums were created by lines(); reaching here means a sum inside a
        // line value, which check rejects.
        throw std::logic_error(fmt::format("sum at {} was not collected", n.pos.str()));
    }

    // ---- stages

    // Adjustments apply in order. A run of `add`s is summed first: that sum does
    // not depend on the band, so every band of the stage shares its ops.
    std::int32_t ratio_after_adjustments(const ir::Stage& s, std::int32_t r, std::int32_t lo, std::int32_t hi) {
        std::int32_t delta = -1;
        auto flush = [&] {
            if (delta >= 0) r = binop(OpCode::add, r, delta);
            delta = -1;
        };
        for (const auto& a : s.adjustments) {
            const std::int32_t w = slot(a.when);
            if (a.add) {
                const std::int32_t term = select(w, slot(a.add), konst(0));
                delta = delta < 0 ? term : binop(OpCode::add, delta, term);
            } else {
                flush();
                r = select(w, slot(a.set), r);
            }
        }
        flush();
        return binop(OpCode::min, binop(OpCode::max, r, lo), hi);
    }

    void stage(std::size_t si) {
        const ir::Stage& s = src_.stages[si];
        rule_ = "stages." + s.id;
        detail::StageInfo info;
        info.id = s.id;
        info.label = s.label;
        info.pos = s.pos;
        info.rounding = s.rounding;
        info.method = s.method;
        info.cumulative_acc = s.cumulative_acc;
        info.node = node_info(s.pos, s.label);
        const std::int32_t when = slot(s.when);
        std::int32_t applies = when;
        for (const auto& r : s.rejects) {
            const std::int32_t c = slot(r.cond);
            info.rejects.push_back({r.code, r.message, c});
            applies = and_(applies, not_(c));
        }
        info.applies = applies;
        cur_stage_ = static_cast<int>(si);  // from here on, work that only matters when the stage applies
        const std::int32_t zero = konst(0);
        const std::int32_t x = select(applies, binop(OpCode::max, slot(s.base), zero), zero);
        info.base = x;

        rule_ = "stages." + s.id + ".deductible";
        std::int32_t d = s.deductible ? slot(s.deductible) : zero;
        info.has_deductible = s.deductible != nullptr;
        info.base_text = s.base_text;
        info.deductible_text = s.deductible_text;
        info.deductible_label = s.deductible_label;
        info.deductible_pos = s.deductible_pos;
        info.nominal = d;
        if (s.deductible && s.deductible->op == ir::Op::table) {
            info.nominal_table = static_cast<int>(s.deductible->value);
            for (const auto& k : s.deductible->args) info.nominal_keys.push_back(slot(k));
        }
        if (!s.multipliers.empty()) {
            std::vector<std::int32_t> factors;
            for (const auto& m : s.multipliers) {
                info.multipliers.push_back({m.label, m.pos, slot(m.when), slot(m.ratio)});
                factors.push_back(select(slot(m.when), slot(m.ratio), konst(10000)));
            }
            Op op = make(OpCode::product_round, d);
            op.n = static_cast<std::int32_t>(factors.size());
            op.extra = static_cast<std::int32_t>(p_.args.size());
            for (auto f : factors) p_.args.push_back(f);
            // A deductible times its multipliers is rounded once, with the policy's rounding.
            op.imm = detail::pow10(4 * static_cast<int>(factors.size()) + 2 - static_cast<int>(src_.rounding.unit));
            op.imm2 = detail::pow10(2 - static_cast<int>(src_.rounding.unit));
            op.mode = static_cast<std::uint8_t>(src_.rounding.mode);
            d = emit(op, node_info(s.deductible_pos, s.deductible_label));
        }
        info.threshold = d;
        for (const auto& a : s.adjustments)
            info.adjustments.push_back({a.label, a.pos, slot(a.when), slot(a.add ? a.add : a.set), a.add == nullptr});
        const std::int32_t p0 = s.cumulative_acc >= 0 ? p_.accumulators[s.cumulative_acc].slot : zero;

        rule_ = "stages." + s.id + ".bands";
        const std::int32_t lo = slot(s.clamp_lo), hi = slot(s.clamp_hi);
        std::int32_t exact = -1, deducted = -1, matched_any = konst(0);
        std::vector<std::pair<std::int32_t, std::int32_t>> choice_results;
        for (const auto& ch : s.choices) {
            Op op = make(OpCode::bands);
            op.mode = s.method;
            op.n = static_cast<std::int32_t>(ch.bands.size());
            std::vector<std::int32_t> a{p0, d, x};
            detail::StageInfo::Choice tc{slot(ch.when), {}};
            for (const auto& b : ch.bands) {
                const std::int32_t r0 = slot(b.ratio);
                const std::int32_t r = ratio_after_adjustments(s, r0, lo, hi);
                a.push_back(konst(b.from_fen));
                a.push_back(b.to_fen >= 0 ? konst(b.to_fen) : konst(kUnlimited));
                a.push_back(r);
                tc.bands.push_back({b.from_fen, b.to_fen >= 0 ? b.to_fen : kUnlimited, r0, r});
            }
            info.choices.push_back(std::move(tc));
            op.extra = static_cast<std::int32_t>(p_.args.size());
            p_.args.insert(p_.args.end(), a.begin(), a.end());
            op.c = new_slot();
            const std::int32_t r = emit(op, node_info(ch.pos));
            if (deducted < 0) deducted = op.c;
            const std::int32_t m = slot(ch.when);
            choice_results.emplace_back(m, r);
            matched_any = binop(OpCode::or_, matched_any, m);
        }
        exact = zero;
        for (auto it = choice_results.rbegin(); it != choice_results.rend(); ++it) exact = select(it->first, it->second, exact);
        if (choice_results.size() > 1 || (choice_results.size() == 1 && s.choices[0].when)) {
            Op fail = make(OpCode::fail_if, and_(applies, not_(matched_any)));
            emit(fail, node_info(s.pos, fmt::format("stage '{}': no band choice matches this claim", s.id)));
        }
        if (deducted < 0) deducted = zero;
        info.deductible = deducted;
        info.exact = exact;

        rule_ = "stages." + s.id + ".round";
        Op round = make(OpCode::round, exact, 0, 0, detail::pow10(6 - static_cast<int>(s.rounding.unit)));
        round.imm2 = detail::pow10(2 - static_cast<int>(s.rounding.unit));
        round.mode = static_cast<std::uint8_t>(s.rounding.mode);
        const std::int32_t raw = emit(round, node_info(s.pos));
        info.raw = raw;

        std::int32_t pay = raw;
        for (const auto& c : s.caps) {
            rule_ = "stages." + s.id + ".caps";
            const std::int32_t amount = slot(c.amount);
            const std::int32_t used = c.used ? slot(c.used) : -1;
            const std::int32_t when = c.applies ? slot(c.applies) : -1;
            std::int32_t room = amount;
            if (c.used) room = binop(OpCode::max, binop(OpCode::sub, room, used, node_info(c.pos, c.label)), zero);
            if (c.applies) room = select(when, room, konst(kUnlimited));
            pay = binop(OpCode::min, pay, room);
            info.caps.push_back({c.label, c.pos, amount, used, when, room, pay});
        }
        info.pay = pay;

        const std::int32_t vals[5] = {applies, x, deducted, raw, pay};
        for (int f = 0; f < 5; ++f) stage_slots_[f].push_back(vals[f]);
        for (const auto& u : s.updates) {
            rule_ = "stages." + s.id + ".update." + src_.accumulators[u.acc].name;
            const std::int32_t v = slot(u.value);
            info.updates.push_back({u.acc, v});
            acc_contrib_[u.acc].push_back(select(applies, v, zero));
        }
        cur_stage_ = -1;
        std::vector<std::int32_t> outs{x, deducted, raw, pay};
        for (const auto& u : s.updates) outs.push_back(acc_contrib_[u.acc].back());
        stage_outs_.push_back(std::move(outs));
        p_.stages.push_back(std::move(info));
        p_.stage_ids.push_back(s.id);
    }

    void accumulator_deltas() {
        for (std::size_t i = 0; i < acc_contrib_.size(); ++i) {
            rule_ = "accumulators." + src_.accumulators[i].name;
            // The first contribution is the sum so far: no "0 + x" copy.
            std::int32_t d = -1;
            for (auto c : acc_contrib_[i]) d = d < 0 ? c : binop(OpCode::add, d, c, node_info({}, rule_));
            p_.accumulators[i].delta = d < 0 ? konst(0) : d;
        }
    }

    // Lets the evaluator jump over a stage that does not apply. Only safe when
    // nothing outside the stage reads its private slots (identical ops are
    // shared across the graph), so that is checked first, stage by stage.
    void add_stage_skips() {
        for (std::size_t k = p_.stages.size(); k-- > 0;) {
            std::size_t b = p_.ops.size(), e = 0;
            for (std::size_t i = 0; i < p_.ops.size(); ++i)
                if (p_.ops[i].stage == static_cast<int>(k)) b = std::min(b, i), e = i + 1;
            if (b >= e) continue;
            std::vector<std::uint8_t> inside(p_.slot_init.size(), 0);
            bool contiguous = true;
            for (std::size_t i = b; i < e; ++i) {
                const Op& op = p_.ops[i];
                contiguous = contiguous && op.stage == static_cast<int>(k);
                if (op.dst >= 0) inside[op.dst] = 1;
                if (op.code == OpCode::bands) inside[op.c] = 1;
            }
            for (auto sl : stage_outs_[k]) inside[sl] = 0;  // these are 0 when the stage does not apply
            bool leaks = !contiguous;
            auto read = [&](std::int32_t sl) { leaks = leaks || (sl >= 0 && inside[sl]); };
            for (std::size_t i = 0; i < p_.ops.size(); ++i)
                if (i < b || i >= e) detail::for_each_input(p_, p_.ops[i], read);
            for (const auto& op : p_.line_ops) detail::for_each_input(p_, op, read);
            for (const auto& o : p_.outputs) read(o.slot);
            for (const auto& r : p_.rejections) read(r.cond);
            for (const auto& a : p_.accumulators) read(a.delta);
            for (std::size_t j = 0; j < p_.stages.size(); ++j)
                if (j != k) p_.stages[j].for_each_slot(read);
            if (leaks) continue;
            Op skip = make(OpCode::skip_unless, p_.stages[k].applies);
            skip.n = static_cast<std::int32_t>(e - b);
            skip.dst = -1;
            skip.node = p_.stages[k].node;
            p_.ops.insert(p_.ops.begin() + static_cast<std::ptrdiff_t>(b), skip);
        }
    }

    // Drops ops whose results nothing reads.
    void prune() {
        std::vector<std::uint8_t> live(p_.slot_init.size(), 0);
        auto mark = [&](std::int32_t s) {
            if (s >= 0) live[s] = 1;
        };
        for (const auto& o : p_.outputs) mark(o.slot);
        // Everything explain() reads stays live: tracing must not change the graph.
        for (const auto& st : p_.stages) st.for_each_slot(mark);
        for (auto s : p_.line_value_slots) mark(s);
        for (const auto& r : p_.rejections) mark(r.cond);
        for (const auto& a : p_.accumulators) mark(a.delta);
        // Line ops are kept whole (they are cheap and run per item); what they
        // read from the claim level must survive.
        for (const auto& op : p_.line_ops) detail::for_each_input(p_, op, mark);
        std::vector<Op> kept;
        for (auto it = p_.ops.rbegin(); it != p_.ops.rend(); ++it) {
            const Op& op = *it;
            const bool keep = op.code == OpCode::lines || op.code == OpCode::fail_if || live[op.dst] ||
                              (op.code == OpCode::bands && live[op.c]);
            if (!keep) continue;
            detail::for_each_input(p_, op, mark);
            kept.push_back(op);
        }
        p_.ops.assign(kept.rbegin(), kept.rend());
        // Line sums nothing reads are dropped too.
        std::vector<detail::LineSum> sums;
        for (const auto& s : p_.line_sums)
            if (live[s.claim_slot]) sums.push_back(s);
        p_.line_sums = std::move(sums);
        if (p_.line_sums.empty()) {
            std::erase_if(p_.ops, [](const Op& op) { return op.code == OpCode::lines; });
            p_.line_ops.clear();
        }
        // Which item fields the per-item program reads (explain reads them all
        // from the claim, not from the slots).
        const auto nf = static_cast<std::int32_t>(p_.schema.item_fields.size());
        std::vector<std::uint8_t> reads(p_.slot_init.size(), 0);
        for (const auto& op : p_.line_ops) detail::for_each_input(p_, op, [&](std::int32_t s) { reads[s] = 1; });
        for (const auto& l : p_.line_sums) reads[l.line_slot] = 1;
        for (const auto s : p_.line_value_slots) reads[s] = 1;
        for (std::int32_t f = 0; f < nf; ++f) {
            if (reads[p_.item_fields + f]) p_.line_reads.push_back(f);
            if (reads[p_.item_present + f]) p_.line_reads_present.push_back(f);
        }
    }
};

}  // namespace

detail::Program lower_policy(const ir::Policy& p) {
    Lowerer l(p);
    return l.run();
}

}  // namespace claimgraph
