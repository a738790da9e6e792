// Traces: how a settlement was reached, node by node and stage by stage, and
// the explanation a claims officer reads. Tracing is opt-in per call; with it
// off the evaluator does not record anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "claimgraph/error.hpp"
#include "claimgraph/money.hpp"

namespace claimgraph {

class Graph;
struct Claim;
struct Settlement;

// One evaluated node of the graph: the rule it belongs to, where it is written,
// what it read and what it produced (values in their own units: fen, bp, 0/1,
// enum index; `text` renders them for people).
struct NodeTrace {
    std::string rule;
    SourcePos pos;
    std::string op;
    std::vector<std::int64_t> inputs;
    std::int64_t result = 0;
    std::string text;
};

struct LineTrace {
    std::size_t index = 0;
    std::string code;
    Money amount;
    std::vector<std::pair<std::string, Money>> values;  // the policy's `lines`, in order
};

struct MultiplierTrace {
    std::string label;
    SourcePos pos;
    bool applied = false;
    Ratio ratio;
};

struct AdjustmentTrace {
    std::string label;
    SourcePos pos;
    bool applied = false;
    bool replaces = false;  // `set` rather than `add`
    Ratio value;
};

struct BandPieceTrace {
    Money from, to;        // absolute positions on the stage's axis
    bool open = false;     // `to` is unbounded
    Ratio base_ratio, ratio;  // as written, and after adjustments and clamping
    Money amount;          // the part of this claim in the band (0 when none)
    std::int64_t exact = 0;   // amount × ratio, fen·bp
};

struct CapTrace {
    std::string label;
    SourcePos pos;
    bool applies = true;
    bool has_used = false;
    Money cap, used, room;
    Money pay_before, pay_after;
};

struct UpdateTrace {
    std::string accumulator;
    std::int64_t before = 0, delta = 0, after = 0;  // fen for money, units for counts
    bool money = true;
};

struct StageTrace {
    std::string id, label;
    SourcePos pos;
    bool applies = false;
    std::string rejection;
    std::string base_text;                // the base as written in the policy
    Money base;
    // deductible (起付线) or cumulative threshold
    bool has_deductible = false;
    std::string deductible_label;
    SourcePos deductible_pos;
    Money nominal;                        // before multipliers
    std::string nominal_text;             // e.g. "deductible[resident, 3]"
    std::vector<MultiplierTrace> multipliers;
    Money deductible;                     // after multipliers, rounded
    bool cumulative = false;
    std::string axis;                     // the accumulator the threshold counts on
    Money axis_before;                    // its value before this claim
    Money deductible_applied;
    // bands
    std::string method;                   // segmented | whole_amount
    int choice = -1;                      // which `choose` entry matched
    std::vector<AdjustmentTrace> adjustments;
    std::vector<BandPieceTrace> pieces;
    std::int64_t exact = 0;               // Σ pieces, fen·bp
    Rounding rounding;
    Money raw;
    std::vector<CapTrace> caps;
    Money pay;
    std::vector<UpdateTrace> updates;
};

struct Trace {
    std::string policy_id, policy_label;
    std::string claim_id, member_id, date;
    std::vector<LineTrace> lines;
    std::vector<StageTrace> stages;
    std::vector<UpdateTrace> accumulators;  // every accumulator: before, this claim's delta, after
    std::vector<std::pair<std::string, Money>> outputs;
    std::vector<std::string> output_rules;  // each output's expression as written, same order
    std::vector<NodeTrace> nodes;
    std::string status;  // settled | rejected | error
    std::string message;
};

enum class ExplainFormat { text, json, markdown };

// Renders a trace: the derivation stage by stage in the policy's own labels,
// with the arithmetic written out.
std::string explain(const Trace& t, ExplainFormat format = ExplainFormat::text);

}  // namespace claimgraph
