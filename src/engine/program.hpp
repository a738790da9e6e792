// The lowered evaluation graph: a flat array of ops over numbered int64 slots,
// in topological order. Evaluating a claim is one pass over `ops`; no maps, no
// strings, no virtual calls, no allocation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "claimgraph/error.hpp"
#include "claimgraph/money.hpp"
#include "claimgraph/schema.hpp"

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
    copy,
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
};

// What a node is in the policy: its rule id, label and position.
struct NodeInfo {
    std::string rule;   // e.g. "stages.hifp.deductible"
    std::string label;  // the policy's display label, if any
    SourcePos pos;
};

struct StageInfo {
    std::string id, label;
    std::int32_t applies = 0, base = 0, deductible = 0, raw = 0, pay = 0;
    struct Reject { std::string code, message; std::int32_t cond; };
    std::vector<Reject> rejects;
    std::int32_t node = -1;
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
};

struct LineSum {
    std::int32_t line_slot, claim_slot;
};

struct Program {
    std::string policy_id, label;
    Schema schema;
    Rounding rounding;

    std::vector<Op> ops;
    std::vector<Op> line_ops;
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

    std::vector<StageInfo> stages;
    std::vector<RejectionInfo> rejections;
    std::vector<AccumulatorInfo> accumulators;
    std::vector<OutputInfo> outputs;
    std::vector<NodeInfo> nodes;

    // Names exposed by Graph.
    std::vector<std::string> output_names, stage_ids, accumulator_names;
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

// Executes one op; shared by the evaluator and the constant folder.
// Throws OverflowError on overflow.
void exec_op(const Program& p, const Op& op, std::int64_t* slots);

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
        case OpCode::tags_all: case OpCode::copy: case OpCode::fail_if:
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
