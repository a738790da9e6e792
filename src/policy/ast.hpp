// The syntax tree of a policy file, as loaded: every node keeps its position.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "claimgraph/error.hpp"

namespace claimgraph::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
    number,   // text holds the digits; suffix "%" or "bp" or ""
    string,   // quoted text
    name,     // dotted path: claim.tags, item.amount, acc.x, hifp.pay, poor, resident
    call,     // text = function name, args
    index,    // text = table name, args = keys
    unary,    // text = "-" or "not"
    binary,   // text = operator: + - * / == != < <= > >= and or
    has,      // args[0] has text(any|all|one) of names in `names`
    in,       // args[0] in (args[1..])
};

struct Expr {
    ExprKind kind;
    SourcePos pos;
    std::string text;
    std::string suffix;
    std::vector<ExprPtr> args;
    std::vector<std::string> names;  // for has
    std::vector<SourcePos> name_pos;
};

// A scalar from the YAML file, with its position.
struct Scalar {
    std::string text;
    SourcePos pos;
    bool quoted = false;
    bool present = false;
};

// An expression written in a YAML scalar: its source and parse.
struct ExprSrc {
    Scalar src;
    ExprPtr expr;  // null when absent or unparsable
};

struct EnumDecl {
    std::string name;
    SourcePos pos;
    std::vector<Scalar> values;
    bool malformed = false;  // load already reported its shape
};

struct FieldDecl {
    std::string name;
    SourcePos pos;
    Scalar type;                  // money ratio count bool date string tags enum, or an enum's name
    std::vector<Scalar> values;   // inline enum / tags values
    bool optional = false;
    Scalar default_value;
    Scalar min_value;
};

struct TableDecl {
    std::string name, label;
    SourcePos pos;
    std::vector<Scalar> keys;  // enum names
    Scalar type;               // money ratio count
    // Flattened rows: key path → value; "default" may appear at any level.
    struct Row { std::vector<Scalar> path; Scalar value; };
    std::vector<Row> rows;
};

struct Labeled {
    std::string label;
    ExprSrc when;
};

struct Multiplier {
    std::string label;
    SourcePos pos;
    ExprSrc when, ratio;
};

struct Band {
    SourcePos pos;
    ExprSrc from, to, ratio;
};

struct BandChoice {
    SourcePos pos;
    ExprSrc when;  // absent → always
    std::vector<Band> bands;
};

struct Adjustment {
    std::string label;
    SourcePos pos;
    ExprSrc when, add, set;
};

struct Cap {
    std::string label;
    SourcePos pos;
    ExprSrc amount, used, when, unless;
};

struct Rejection {
    std::string code, label, message;
    SourcePos pos;
    ExprSrc when;
};

struct Update {
    std::string acc;
    SourcePos pos;
    ExprSrc value;
};

struct RoundingDecl {
    Scalar unit, mode;
    SourcePos pos;
    bool present = false;
};

struct Deductible {
    bool present = false;
    std::string label;
    SourcePos pos;
    ExprSrc amount, cumulative;
    std::vector<Multiplier> multipliers;
};

struct Stage {
    std::string id, label;
    SourcePos pos;
    ExprSrc when, base;
    Deductible deductible;
    std::vector<BandChoice> band_choices;  // plain `bands:` is one choice with no condition
    Scalar band_method;                    // segmented | whole_amount
    Scalar band_edges;                     // lower_inclusive | upper_inclusive
    std::vector<Adjustment> adjustments;
    ExprSrc clamp_lo, clamp_hi;
    std::vector<Cap> caps;
    std::vector<Rejection> rejects;
    std::vector<Update> updates;
    RoundingDecl rounding;
};

struct FirstCase {
    SourcePos pos;
    ExprSrc when, value;
};

struct Define {
    std::string name, label;
    SourcePos pos;
    Scalar type;
    ExprSrc value;
    std::vector<FirstCase> first;
    ExprSrc otherwise;
};

struct AccumulatorDecl {
    std::string name, label;
    SourcePos pos;
    Scalar type;
    Scalar period;  // calendar_year | policy_year
    Scalar starts;  // MM-DD for policy_year
    Scalar key;     // claim.<field>
};

struct LineValue {
    std::string name, label;
    SourcePos pos;
    ExprSrc value;
};

struct Output {
    std::string name, label;
    SourcePos pos;
    ExprSrc value;
    Scalar category;  // FHIR ExplanationOfBenefit adjudication category
};

struct Policy {
    SourcePos pos;
    std::string id, label;
    RoundingDecl rounding;
    Scalar period, period_starts;
    std::vector<EnumDecl> enums;
    std::vector<FieldDecl> claim_fields, item_fields;
    std::vector<AccumulatorDecl> accumulators;
    std::vector<LineValue> lines;
    std::vector<TableDecl> tables;
    std::vector<Define> defines;
    std::vector<Rejection> rejections;
    std::vector<Stage> stages;
    std::vector<Output> outputs;
    bool outputs_malformed = false;  // load already reported the section's shape
};

}  // namespace claimgraph::ast
