// Check's output: names resolved, types known, literals converted to fen and
// basis points. Lowering turns this into the flat Program.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "claimgraph/error.hpp"
#include "claimgraph/money.hpp"
#include "claimgraph/schema.hpp"

namespace claimgraph::ir {

// Untyped literals (number, text, symbol) take the type their context asks for.
enum class Kind : std::uint8_t { error, money, ratio, count, boolean, date, enumeration, tags, number, text, symbol };

struct Type {
    Kind kind = Kind::error;
    int scale = 0;     // decimal places: money in yuan (fen = 2), ratio as a fraction (bp = 4)
    int enum_id = -1;  // enumeration and tags
};

enum class Op : std::uint8_t {
    konst, claim_field, claim_present, claim_date, item_field, item_present, line_value, acc, stage_value, sum,
    add, sub, mul, neg, min, max, rescale, round,
    eq, ne, lt, le, gt, ge, and_, or_, not_, select, tags_any, tags_all, table,
};

enum class StageField : std::uint8_t { applies, base, deductible, raw, pay };

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct Node {
    Op op = Op::konst;
    Type type;
    SourcePos pos;
    std::int64_t value = 0;  // constant, field/acc/line/table index, tag mask, rescale factor, round divisor
    std::int64_t value2 = 1; // round: multiplier back to fen
    std::uint8_t mode = 0;   // RoundMode
    std::string text;        // untyped literal text / symbol name
    std::vector<NodePtr> args;
    bool after_lines = false;  // depends on claim totals or stage results
    int max_stage = -1;        // latest stage whose results it reads
};

struct Band {
    NodePtr from, to, ratio;  // to null: open-ended
    std::int64_t from_fen = 0, to_fen = -1;
};

struct BandChoice {
    NodePtr when;  // null: always
    std::vector<Band> bands;
    SourcePos pos;
};

struct Adjustment {
    std::string label;
    SourcePos pos;
    NodePtr when, add, set;
};

struct Cap {
    std::string label;
    SourcePos pos;
    NodePtr amount, used, applies;  // applies null: always
};

struct Reject {
    std::string code, message;
    NodePtr cond;
};

struct Update {
    int acc = 0;
    NodePtr value;
};

struct Multiplier {
    std::string label;
    SourcePos pos;
    NodePtr when, ratio;
};

struct Stage {
    std::string id, label;
    SourcePos pos;
    Rounding rounding;
    NodePtr when, base;
    std::string base_text, deductible_text;  // as written, for explanations
    NodePtr deductible;          // before multipliers; null: none (0)
    std::string deductible_label;
    SourcePos deductible_pos;
    std::vector<Multiplier> multipliers;
    int cumulative_acc = -1;     // threshold counted on this accumulator
    std::vector<BandChoice> choices;
    std::uint8_t method = 0;     // detail::BandMethod
    std::vector<Adjustment> adjustments;
    NodePtr clamp_lo, clamp_hi;
    std::vector<Cap> caps;
    std::vector<Reject> rejects;
    std::vector<Update> updates;
};

struct LineValue {
    std::string name, label;
    SourcePos pos;
    NodePtr value;
};

struct Table {
    std::string name;
    std::vector<int> key_enums;
    std::vector<std::int64_t> data;  // dense, row-major over the keys
    Type type;
};

struct Accumulator {
    std::string name, label;
    FieldType type = FieldType::money;
    unsigned period_month = 1, period_day = 1;
    int key_field = -1;
};

struct Rejection {
    std::string code, label, message;
    NodePtr cond;
};

struct Output {
    std::string name;
    SourcePos pos;
    NodePtr value;
    std::string text;
    std::string label, category;
};

struct Policy {
    std::string id, label;
    Rounding rounding;
    Schema schema;
    std::vector<LineValue> lines;
    std::vector<Table> tables;
    std::vector<Accumulator> accumulators;
    std::vector<Rejection> rejections;
    std::vector<Stage> stages;
    std::vector<Output> outputs;
};

}  // namespace claimgraph::ir
