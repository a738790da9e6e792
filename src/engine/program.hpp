// The lowered evaluation graph: a flat array of ops over numbered int64 slots,
// in topological order. Evaluating a claim is one pass over `ops`; no maps, no
// strings, no virtual calls, no allocation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "claimgraph/error.hpp"
#include "claimgraph/money.hpp"
#include "claimgraph/schema.hpp"
#include "claimgraph/claim.hpp"
#include "claimgraph/graph.hpp"
#include "claimgraph/trace.hpp"
#include "engine/item_columns.hpp"
#include <span>

namespace claimgraph::detail {

enum class OpCode : std::uint8_t {
    add, sub, mul, neg, min, max,
    rescale,      // dst = a × imm (exact widening to a finer scale)
    round,        // dst = a ÷ imm rounded by `mode`, then × imm2 (coarser unit back to fen)
    eq, ne, lt, le, gt, ge,
    and_, or_, not_,
    select,       // dst = a ? b : c
    tags_any,     // dst = (a & imm) != 0
    tags_all,     // dst = (a & imm) == imm
    table,        // dst = table_data[imm + Σ slot[args[extra+i]] × stride_i]; n keys, strides follow the keys in args
    lines,        // per item: load item fields, run line_ops, add line_sums into their slots
    bands,        // exact band payment; see BandMethod
    product_round,// dst = round(a × Π slot[args[extra+i]] ÷ imm) — a deductible times its multipliers
    fail_if,      // stops the claim with node's message when a != 0
    skip_unless,  // when a == 0, skips the next n ops (a stage that does not apply)
};

// bands: args[extra ..] = p0, threshold, x, then per band (from, to, ratio);
// n = band count; mode = BandMethod; dst = exact payment (fen·bp);
// c = the part of x below the threshold (the deductible actually paid).
enum class BandMethod : std::uint8_t { segmented = 0, whole_amount_lower_inclusive = 1, whole_amount_upper_inclusive = 2 };

struct Op {
    OpCode code;
    std::uint8_t mode = 0;   // RoundMode for round, BandMethod for bands
    std::int32_t dst = 0;
    std::int32_t a = 0, b = 0, c = 0;
    std::int64_t imm = 0, imm2 = 1;
    std::int32_t extra = 0;  // offset into Program::args
    std::int32_t n = 0;
    std::int32_t node = -1;  // index into Program::nodes (rule and position), for errors and traces
    std::int32_t stage = -1; // the stage whose private work this op is (lowering only)
};

// What a node is in the policy: its rule id, label and position.
struct NodeInfo {
    std::string rule;   // e.g. "stages.hifp.deductible"
    std::string label;  // the policy's display label, if any
    SourcePos pos;
};

struct StageInfo {
    std::string id, label;
    SourcePos pos;
    std::int32_t applies = 0, base = 0, deductible = 0, raw = 0, pay = 0;
    struct Reject { std::string code, message; std::int32_t cond; };
    std::vector<Reject> rejects;
    std::int32_t node = -1;

    // What explain() needs to write the arithmetic out; all slots.
    std::string base_text, deductible_text;
    bool has_deductible = false;
    std::string deductible_label;
    SourcePos deductible_pos;
    std::int32_t nominal = 0;          // deductible before multipliers
    int nominal_table = -1;            // when it is a table lookup: which table, and its key slots
    std::vector<std::int32_t> nominal_keys;
    struct Multiplier { std::string label; SourcePos pos; std::int32_t cond, ratio; };
    std::vector<Multiplier> multipliers;
    std::int32_t threshold = 0;        // deductible after multipliers
    int cumulative_acc = -1;
    std::uint8_t method = 0;
    struct Band { std::int64_t from, to; std::int32_t base_ratio, ratio; };
    struct Choice { std::int32_t when; std::vector<Band> bands; };
    std::vector<Choice> choices;
    struct Adjustment { std::string label; SourcePos pos; std::int32_t cond, value; bool replaces; };
    std::vector<Adjustment> adjustments;
    std::int32_t exact = 0;
    Rounding rounding;
    struct Cap { std::string label; SourcePos pos; std::int32_t amount, used, applies, room, pay_after; };
    std::vector<Cap> caps;
    struct Update { int acc; std::int32_t value; };
    std::vector<Update> updates;

    template <class F>
    void for_each_slot(F&& f) const {
        for (auto s : {applies, base, deductible, raw, pay, nominal, threshold, exact}) f(s);
        for (auto s : nominal_keys) f(s);
        for (const auto& r : rejects) f(r.cond);
        for (const auto& m : multipliers) f(m.cond), f(m.ratio);
        for (const auto& c : choices) {
            f(c.when);
            for (const auto& b : c.bands) f(b.base_ratio), f(b.ratio);
        }
        for (const auto& a : adjustments) f(a.cond), f(a.value);
        for (const auto& c : caps) f(c.amount), f(c.used), f(c.applies), f(c.room), f(c.pay_after);
        for (const auto& u : updates) f(u.value);
    }
};

struct RejectionInfo {
    std::string code, label, message;
    std::int32_t cond = 0;
};

struct AccumulatorInfo {
    std::string name, label;
    FieldType type = FieldType::money;
    unsigned period_month = 1, period_day = 1;  // the period starts on this day each year
    int key_field = -1;                         // claim field that keys it, or -1
    std::int32_t slot = 0;                      // value before the claim
    std::int32_t delta = 0;                     // this claim's update
};

struct OutputInfo {
    std::string name;
    std::int32_t slot = 0;
    std::string text;  // the expression as written
    SourcePos pos;
    std::string label, category;
};

struct LineSum {
    std::int32_t line_slot, claim_slot;
};

struct FastProgram;

struct Program {
    std::string policy_id, label;
    Schema schema;
    Rounding rounding;

    std::vector<Op> ops;
    std::vector<Op> line_ops;
    std::vector<std::int32_t> line_value_slots;  // the policy's `lines`, per item
    std::vector<std::int32_t> line_reads, line_reads_present;  // item fields the line program reads
    std::vector<std::string> line_value_names;
    std::vector<std::string> table_names;
    std::vector<std::vector<int>> table_key_enums;
    std::vector<LineSum> line_sums;
    std::vector<std::int32_t> args;
    std::vector<std::int64_t> table_data;
    std::vector<std::int64_t> slot_init;  // constants in place, everything else 0

    // Where inputs land in the slot array.
    std::int32_t claim_fields = 0;   // claim field i at claim_fields + i
    std::int32_t claim_present = 0;  // its presence flag at claim_present + i
    std::int32_t claim_date = 0;
    std::int32_t item_fields = 0;
    std::int32_t item_present = 0;
    // Where a fee line's values lie in Claim::items.
    ItemColumns item_layout;

    std::vector<StageInfo> stages;
    std::vector<RejectionInfo> rejections;
    std::vector<AccumulatorInfo> accumulators;
    std::vector<OutputInfo> outputs;
    std::vector<NodeInfo> nodes;

    // Names exposed by Graph.
    std::vector<std::string> output_names, stage_ids, accumulator_names;

    // The same program in the untraced evaluator's faster form (fast_program.hpp).
    std::shared_ptr<const FastProgram> fast;
};

// Raised when a claim cannot be settled by the policy as written (an overflow,
// no matching band choice); names the node.
struct EvalFailure {
    std::int32_t node;
    std::string message;
};

// Operand slots an op reads (not `lines`, which reads the item region).
template <class F>
void for_each_input(const Program& p, const Op& op, F&& f);

// Trace recording (trace.cpp), called by the evaluator only when tracing.
void trace_begin(const Program& p, const Claim& c, Trace& t);
void trace_line(const Program& p, const Claim& c, std::size_t item, const std::int64_t* slots, Trace& t);
// slots is null when evaluation failed before producing values.
void trace_end(const Program& p, const std::int64_t* slots, const Settlement& out, std::span<const std::int64_t> before,
               std::span<const std::int64_t> deltas, Trace& t);

// Executes one op; shared by the evaluator and the constant folder.
// Throws OverflowError on overflow.
void exec_op(const Program& p, const Op& op, std::int64_t* slots);

// The year an accumulator's period starts in, for a date given by its parts.
inline std::int32_t period_start_year(const AccumulatorInfo& a, int year, unsigned month, unsigned day) {
    return month < a.period_month || (month == a.period_month && day < a.period_day) ? year - 1 : year;
}

template <class F>
void for_each_input(const Program& p, const Op& op, F&& f) {
    switch (op.code) {
        case OpCode::add: case OpCode::sub: case OpCode::mul: case OpCode::min: case OpCode::max:
        case OpCode::eq: case OpCode::ne: case OpCode::lt: case OpCode::le: case OpCode::gt: case OpCode::ge:
        case OpCode::and_: case OpCode::or_:
            f(op.a);
            f(op.b);
            break;
        case OpCode::neg: case OpCode::not_: case OpCode::rescale: case OpCode::round: case OpCode::tags_any:
        case OpCode::tags_all: case OpCode::fail_if: case OpCode::skip_unless:
            f(op.a);
            break;
        case OpCode::select:
            f(op.a);
            f(op.b);
            f(op.c);
            break;
        case OpCode::table:
            for (std::int32_t i = 0; i < op.n; ++i) f(p.args[op.extra + i]);
            break;
        case OpCode::product_round:
            f(op.a);
            for (std::int32_t i = 0; i < op.n; ++i) f(p.args[op.extra + i]);
            break;
        case OpCode::bands:
            for (std::int32_t i = 0; i < 3 + 3 * op.n; ++i) f(p.args[op.extra + i]);
            break;
        case OpCode::lines: break;
    }
}

}  // namespace claimgraph::detail
