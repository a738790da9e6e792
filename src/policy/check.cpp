// Check: resolve names, infer and check types, convert literals to fen and
// basis points, and verify the policy's structure (exhaustive tables, ordered
// bands, ratio ranges, no cycles, accumulators read are written). Every error
// is collected with its position; checking goes on after an error so that one
// run reports them all.
#include "policy/check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <ranges>
#include <map>
#include <set>

#include "claimgraph/claim.hpp"
#include "engine/program.hpp"

namespace claimgraph {
namespace {

using ir::Kind;
using ir::Node;
using ir::NodePtr;
using ir::Op;
using ir::Type;

constexpr int kMaxScale = 12;

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::error: return "an invalid value";
        case Kind::money: return "money";
        case Kind::ratio: return "a ratio";
        case Kind::count: return "a count";
        case Kind::boolean: return "a condition (true/false)";
        case Kind::date: return "a date";
        case Kind::enumeration: return "an enum value";
        case Kind::tags: return "a tag set";
        case Kind::number: return "a number";
        case Kind::text: return "a quoted text";
        case Kind::symbol: return "a name";
    }
    return "?";
}

bool is_literal(const Type& t) { return t.kind == Kind::number || t.kind == Kind::text || t.kind == Kind::symbol; }

// What an expression may refer to where it is written.
struct Scope {
    bool line = false;        // a fee-line value: item.* allowed, sum() not
    int line_limit = -1;      // item.<line value> allowed below this index
    int stage = -1;           // inside stage k: only stages < k may be read
    bool stage_locals = false;// pay, base, deductible, raw, applies of `stage`
    std::string where;        // for messages
};

class Checker {
public:
    Checker(const ast::Policy& p, std::vector<Diagnostic>& diags) : src_(p), diags_(diags) {}

    ir::Policy run() {
        out_.id = src_.id;
        out_.label = src_.label;
        out_.rounding = rounding(src_.rounding, Rounding{});
        enums();
        fields();
        accumulators();
        tables();
        for (std::size_t i = 0; i < src_.defines.size(); ++i) define_index_[src_.defines[i].name] = static_cast<int>(i);
        // Stage ids are known up front so definitions can read stage results;
        // scopes decide which stages a given place may read.
        for (std::size_t i = 0; i < src_.stages.size(); ++i) stage_index_.try_emplace(src_.stages[i].id, static_cast<int>(i));
        defines_.resize(src_.defines.size());
        define_state_.assign(src_.defines.size(), 0);
        lines();
        for (std::size_t i = 0; i < src_.defines.size(); ++i) define(static_cast<int>(i), src_.defines[i].pos);
        stages();
        rejections();
        outputs();
        accumulator_usage();
        return std::move(out_);
    }

private:
    const ast::Policy& src_;
    std::vector<Diagnostic>& diags_;
    ir::Policy out_;
    std::map<std::string, int> enum_index_, acc_index_, table_index_, define_index_, stage_index_;
    std::vector<NodePtr> defines_;
    std::vector<int> define_state_;  // 0 unvisited, 1 visiting, 2 done
    std::vector<bool> acc_read_, acc_written_;

    void error(const SourcePos& p, std::string msg) { diags_.push_back({p, std::move(msg)}); }

    // ---------------------------------------------------------------- nodes

    static NodePtr make(Op op, Type t, SourcePos pos, std::vector<NodePtr> args = {}, std::int64_t value = 0) {
        auto n = std::make_shared<Node>();
        n->op = op;
        n->type = t;
        n->pos = std::move(pos);
        n->value = value;
        for (const auto& a : args) {
            n->after_lines = n->after_lines || a->after_lines;
            n->max_stage = std::max(n->max_stage, a->max_stage);
        }
        n->args = std::move(args);
        return n;
    }

    static NodePtr konst(Type t, std::int64_t v, const SourcePos& pos) { return make(Op::konst, t, pos, {}, v); }
    static NodePtr bad(const SourcePos& pos) { return make(Op::konst, Type{Kind::error}, pos); }
    static Type money(int scale = 2) { return Type{Kind::money, scale}; }
    static Type ratio(int scale = 4) { return Type{Kind::ratio, scale}; }
    static Type boolean() { return Type{Kind::boolean}; }
    static Type count() { return Type{Kind::count}; }

    std::string type_name(const Type& t) const {
        if (t.kind == Kind::enumeration && t.enum_id >= 0)
            return fmt::format("a value of enum '{}'", out_.schema.enums[t.enum_id].name);
        if (t.kind == Kind::tags && t.enum_id >= 0)
            return fmt::format("a tag set of '{}'", out_.schema.enums[t.enum_id].name);
        return kind_name(t.kind);
    }

    // Converts an untyped literal (or a coarser scale) to `want`. Reports and
    // returns an error node when it cannot.
    NodePtr coerce(const NodePtr& n, const Type& want, const std::string& what) {
        const Type& t = n->type;
        if (t.kind == Kind::error || want.kind == Kind::error) return n;
        if (t.kind == want.kind && t.kind != Kind::number) {
            if ((t.kind == Kind::enumeration || t.kind == Kind::tags) && t.enum_id != want.enum_id) {
                error(n->pos, fmt::format("expected {} for {}, found {}", type_name(want), what, type_name(t)));
                return bad(n->pos);
            }
            if (t.scale == want.scale) return n;
            if (t.scale < want.scale) return rescale(n, want.scale);
            // Exact money (a product with a ratio) is rounded where it is stored: to_fen.
            if (t.kind == Kind::money) return n;
            error(n->pos, fmt::format("expected {} with at most {} decimals for {}, found one with {} (round it first)",
                                      kind_name(want.kind), want.scale, what, t.scale));
            return bad(n->pos);
        }
        if (t.kind == Kind::number) {
            switch (want.kind) {
                case Kind::money: {
                    if (n->type.scale > 2) {
                        error(n->pos, fmt::format("expected an amount with at most two decimals for {}, found {}", what,
                                                  n->text));
                        return bad(n->pos);
                    }
                    const auto fen = parse_money(n->text);
                    if (!fen) {
                        error(n->pos, fmt::format("expected an amount for {}: {}", what, describe(fen.status)));
                        return bad(n->pos);
                    }
                    return rescale(konst(money(2), fen.value.fen(), n->pos), want.scale);
                }
                case Kind::count: {
                    const auto v = parse_int(n->text);
                    if (!v) {
                        error(n->pos, fmt::format("expected a whole number for {}, found {}", what, n->text));
                        return bad(n->pos);
                    }
                    return konst(count(), v.value, n->pos);
                }
                case Kind::ratio:
                    error(n->pos, fmt::format("expected a ratio for {} written as a percentage or in basis points "
                                              "(85% or 8500bp), found {}",
                                              what, n->text));
                    return bad(n->pos);
                case Kind::enumeration: return enum_literal(n, want, what);
                default: break;
            }
        }
        if ((t.kind == Kind::text || t.kind == Kind::symbol) && want.kind == Kind::enumeration)
            return enum_literal(n, want, what);
        if (t.kind == Kind::text && want.kind == Kind::date) {
            Date d;
            if (!parse_date(n->text, d)) {
                error(n->pos, fmt::format("expected a date YYYY-MM-DD for {}, found '{}'", what, n->text));
                return bad(n->pos);
            }
            return konst(Type{Kind::date}, d.days, n->pos);
        }
        if (t.kind == Kind::symbol) {
            error(n->pos, fmt::format("unknown name '{}' (expected {} for {})", n->text, type_name(want), what));
            return bad(n->pos);
        }
        error(n->pos, fmt::format("expected {} for {}, found {}", type_name(want), what, type_name(t)));
        return bad(n->pos);
    }

    NodePtr enum_literal(const NodePtr& n, const Type& want, const std::string& what) {
        const auto& e = out_.schema.enums[want.enum_id];
        if (auto idx = e.index_of(n->text)) return konst(want, static_cast<std::int64_t>(*idx), n->pos);
        std::string allowed;
        for (const auto& v : e.values) allowed += (allowed.empty() ? "" : ", ") + v;
        error(n->pos, fmt::format("expected one of {} (enum '{}') for {}, found '{}'", allowed, e.name, what, n->text));
        return bad(n->pos);
    }

    NodePtr rescale(const NodePtr& n, int scale) {
        if (n->type.scale == scale) return n;
        Type t = n->type;
        const std::int64_t f = detail::pow10(scale - t.scale);
        t.scale = scale;
        if (n->op == Op::konst) return konst(t, n->value * f, n->pos);
        auto r = make(Op::rescale, t, n->pos, {n}, f);
        return r;
    }

    // Rounds an exact money value to fen with `r`; the value assigned to any
    // money slot (a line value, a base, an output) goes through here.
    NodePtr to_fen(const NodePtr& n, const Rounding& r) {
        if (n->type.kind != Kind::money) return n;
        const int keep = static_cast<int>(r.unit);
        if (n->type.scale == 2 && keep == 2) return n;
        auto out = std::make_shared<Node>(*make(Op::round, money(2), n->pos, {n}));
        // divide down to `keep` decimals, then back up to fen
        if (n->type.scale >= keep) {
            out->value = detail::pow10(n->type.scale - keep);
            out->value2 = detail::pow10(2 - keep);
        } else {
            out->value = 1;
            out->value2 = detail::pow10(2 - n->type.scale);
        }
        out->mode = static_cast<std::uint8_t>(r.mode);
        return out;
    }

    // Brings both sides to one type: literals adopt the other side's type,
    // coarser scales widen.
    bool unify(NodePtr& a, NodePtr& b, const std::string& what) {
        if (a->type.kind == Kind::error || b->type.kind == Kind::error) return false;
        if (is_literal(a->type) && !is_literal(b->type)) a = coerce(a, Type{b->type.kind, std::min(b->type.scale, 2), b->type.enum_id}, what);
        else if (is_literal(b->type) && !is_literal(a->type)) b = coerce(b, Type{a->type.kind, std::min(a->type.scale, 2), a->type.enum_id}, what);
        if (a->type.kind == Kind::error || b->type.kind == Kind::error) return false;
        if (is_literal(a->type) && is_literal(b->type)) {
            error(a->pos, fmt::format("cannot tell the type of {}: write one side as a field, or give a unit (85%)", what));
            return false;
        }
        if (a->type.kind != b->type.kind ||
            ((a->type.kind == Kind::enumeration || a->type.kind == Kind::tags) && a->type.enum_id != b->type.enum_id)) {
            error(a->pos, fmt::format("cannot combine {} with {} in {}", type_name(a->type), type_name(b->type), what));
            return false;
        }
        const int s = std::max(a->type.scale, b->type.scale);
        a = rescale(a, s);
        b = rescale(b, s);
        return true;
    }

    // ---------------------------------------------------------------- expressions

    NodePtr expr(const ast::ExprSrc& e, const Scope& sc, const Type& want, const std::string& what) {
        if (!e.expr) return bad(e.src.pos);
        NodePtr n = check(*e.expr, sc, want);
        return coerce(n, want, what);
    }

    NodePtr check(const ast::Expr& e, const Scope& sc, const Type& hint) {
        switch (e.kind) {
            case ast::ExprKind::number: return number(e, hint);
            case ast::ExprKind::string: {
                auto n = std::make_shared<Node>(*konst(Type{Kind::text}, 0, e.pos));
                n->text = e.text;
                return hint.kind == Kind::error ? NodePtr(n) : coerce(n, hint, "the value");
            }
            case ast::ExprKind::name: return name(e, sc, hint);
            case ast::ExprKind::call: return call(e, sc, hint);
            case ast::ExprKind::index: return table_lookup(e, sc);
            case ast::ExprKind::unary: return unary(e, sc, hint);
            case ast::ExprKind::binary: return binary(e, sc, hint);
            case ast::ExprKind::has: return has(e, sc);
            case ast::ExprKind::in: return in(e, sc);
        }
        return bad(e.pos);
    }

    NodePtr number(const ast::Expr& e, const Type& hint) {
        const auto dot = e.text.find('.');
        const int decimals = dot == std::string::npos ? 0 : static_cast<int>(e.text.size() - dot - 1);
        if (e.suffix == "%" || e.suffix == "bp") {
            // 85% = 8500 bp; 12.5% = 1250 bp; 8500bp.
            const int shift = e.suffix == "%" ? 2 : 0;
            if (decimals > shift) {
                error(e.pos, fmt::format("expected a ratio in whole basis points, found {}{}", e.text, e.suffix));
                return bad(e.pos);
            }
            std::string digits = e.text;
            if (dot != std::string::npos) digits.erase(dot, 1);
            const auto v = parse_int(digits);
            if (!v || v.value > 1'000'000) {
                error(e.pos, fmt::format("ratio out of range: {}{}", e.text, e.suffix));
                return bad(e.pos);
            }
            return konst(ratio(), v.value * detail::pow10(shift - decimals), e.pos);
        }
        auto n = std::make_shared<Node>(*konst(Type{Kind::number, decimals}, 0, e.pos));
        n->text = e.text;
        if (hint.kind == Kind::money || hint.kind == Kind::count || hint.kind == Kind::enumeration)
            return coerce(n, hint, "the value");
        return n;
    }

    NodePtr name(const ast::Expr& e, const Scope& sc, const Type& hint) {
        const std::string& t = e.text;
        if (t == "true" || t == "false") return konst(boolean(), t == "true", e.pos);
        const auto dot = t.find('.');
        if (dot != std::string::npos) {
            const std::string head = t.substr(0, dot), tail = t.substr(dot + 1);
            if (tail.find('.') != std::string::npos) {
                error(e.pos, fmt::format("unknown name '{}'", t));
                return bad(e.pos);
            }
            if (head == "claim") return claim_ref(e, tail, false);
            if (head == "item") return item_ref(e, tail, sc, false);
            if (head == "acc") return acc_ref(e, tail);
            if (auto it = stage_index_.find(head); it != stage_index_.end()) return stage_ref(e, it->second, tail, sc);
            error(e.pos, fmt::format("unknown name '{}': expected claim.<field>, item.<field>, acc.<accumulator> or "
                                     "<stage>.pay|base|deductible|raw|applies",
                                     t));
            return bad(e.pos);
        }
        if (sc.stage_locals && (t == "pay" || t == "base" || t == "deductible" || t == "raw" || t == "applies"))
            return stage_ref(e, sc.stage, t, sc);
        if (auto it = define_index_.find(t); it != define_index_.end()) {
            NodePtr d = define(it->second, e.pos);
            if (sc.line && d->after_lines) {
                error(e.pos, fmt::format("'{}' depends on claim totals or stage results, so a fee-line value cannot use it", t));
                return bad(e.pos);
            }
            if (sc.stage >= 0 && d->max_stage >= sc.stage) {
                error(e.pos, fmt::format("'{}' reads stage '{}', which is not settled before {}", t,
                                         src_.stages[d->max_stage].id, sc.where));
                return bad(e.pos);
            }
            return d;
        }
        // A bare word: an enum label once its context tells which enum.
        auto n = std::make_shared<Node>(*konst(Type{Kind::symbol}, 0, e.pos));
        n->text = t;
        if (hint.kind == Kind::enumeration) return coerce(n, hint, "the value");
        return n;
    }

    static Type field_type(const FieldSpec& f) {
        switch (f.type) {
            case FieldType::money: return money();
            case FieldType::ratio: return ratio();
            case FieldType::count: return count();
            case FieldType::boolean: return boolean();
            case FieldType::date: return Type{Kind::date};
            case FieldType::enumeration: return Type{Kind::enumeration, 0, f.enum_type};
            case FieldType::tags: return Type{Kind::tags, 0, f.enum_type};
            case FieldType::string: return Type{Kind::text};
        }
        return Type{};
    }

    NodePtr claim_ref(const ast::Expr& e, const std::string& field, bool presence) {
        if (field == "date" && !presence) return make(Op::claim_date, Type{Kind::date}, e.pos);
        const int i = out_.schema.claim_field(field);
        if (i < 0) {
            error(e.pos, fmt::format("unknown claim field '{}'", field));
            return bad(e.pos);
        }
        const auto& f = out_.schema.claim_fields[i];
        if (presence) return make(Op::claim_present, boolean(), e.pos, {}, i);
        if (f.type == FieldType::string) {
            error(e.pos, fmt::format("claim.{} is a text field: texts are informational and cannot be computed with", field));
            return bad(e.pos);
        }
        return make(Op::claim_field, field_type(f), e.pos, {}, i);
    }

    NodePtr item_ref(const ast::Expr& e, const std::string& field, const Scope& sc, bool presence) {
        if (!sc.line) {
            error(e.pos, fmt::format("item.{} is a fee-line value: use it inside lines, or sum(item.{}) for the claim total",
                                     field, field));
            return bad(e.pos);
        }
        const int i = out_.schema.item_field(field);
        if (i >= 0) {
            const auto& f = out_.schema.item_fields[i];
            if (presence) return make(Op::item_present, boolean(), e.pos, {}, i);
            if (f.type == FieldType::string) {
                error(e.pos, fmt::format("item.{} is a text field and cannot be computed with", field));
                return bad(e.pos);
            }
            return make(Op::item_field, field_type(f), e.pos, {}, i);
        }
        for (std::size_t k = 0; k < src_.lines.size(); ++k) {
            if (src_.lines[k].name != field) continue;
            if (presence) {
                error(e.pos, fmt::format("present() takes an optional input field; item.{} is computed", field));
                return bad(e.pos);
            }
            if (static_cast<int>(k) >= sc.line_limit) {
                error(e.pos, fmt::format("item.{} is computed later in `lines`: a line value can read only those above it",
                                         field));
                return bad(e.pos);
            }
            auto n = make(Op::line_value, money(), e.pos, {}, static_cast<std::int64_t>(k));
            return n;
        }
        error(e.pos, fmt::format("unknown fee-line field '{}'", field));
        return bad(e.pos);
    }

    NodePtr acc_ref(const ast::Expr& e, const std::string& name) {
        auto it = acc_index_.find(name);
        if (it == acc_index_.end()) {
            error(e.pos, fmt::format("unknown accumulator '{}'", name));
            return bad(e.pos);
        }
        acc_read_[it->second] = true;
        const Type t = out_.accumulators[it->second].type == FieldType::count ? count() : money();
        return make(Op::acc, t, e.pos, {}, it->second);
    }

    NodePtr stage_ref(const ast::Expr& e, int stage, const std::string& field, const Scope& sc) {
        static const std::pair<const char*, ir::StageField> fields[] = {
            {"applies", ir::StageField::applies}, {"base", ir::StageField::base},
            {"deductible", ir::StageField::deductible}, {"raw", ir::StageField::raw}, {"pay", ir::StageField::pay}};
        const bool own = sc.stage_locals && stage == sc.stage;
        if (!own && sc.stage >= 0 && stage >= sc.stage) {
            if (stage == sc.stage)
                error(e.pos, fmt::format("{} reads its own result '{}': only its `update` may do that", sc.where,
                                         src_.stages[stage].id + "." + field));
            else
                error(e.pos, fmt::format("stage '{}' is settled after {}: a stage can read only earlier stages",
                                         src_.stages[stage].id, sc.where));
            return bad(e.pos);
        }
        if (sc.line) {
            error(e.pos, "a fee-line value cannot read stage results");
            return bad(e.pos);
        }
        for (const auto& [n, f] : fields) {
            if (field != n) continue;
            auto node = std::make_shared<Node>(*make(Op::stage_value, f == ir::StageField::applies ? boolean() : money(), e.pos));
            node->value = stage;
            node->value2 = static_cast<std::int64_t>(f);
            node->after_lines = true;
            node->max_stage = own ? -1 : stage;
            return node;
        }
        error(e.pos, fmt::format("unknown stage result '{}': expected pay, base, deductible, raw or applies", field));
        return bad(e.pos);
    }

    NodePtr call(const ast::Expr& e, const Scope& sc, const Type& hint) {
        const std::string& f = e.text;
        auto arity = [&](std::size_t lo, std::size_t hi) {
            if (e.args.size() >= lo && e.args.size() <= hi) return true;
            error(e.pos, fmt::format("{}() takes {} arguments, found {}", f,
                                     lo == hi ? std::to_string(lo) : fmt::format("{} or more", lo), e.args.size()));
            return false;
        };
        if (f == "if") {
            if (!arity(3, 3)) return bad(e.pos);
            NodePtr c = coerce(check(*e.args[0], sc, boolean()), boolean(), "the condition of if()");
            NodePtr a = check(*e.args[1], sc, hint), b = check(*e.args[2], sc, hint);
            if (!unify(a, b, "the two branches of if()") || c->type.kind == Kind::error) return bad(e.pos);
            return make(Op::select, a->type, e.pos, {c, a, b});
        }
        if (f == "min" || f == "max") {
            if (!arity(2, 64)) return bad(e.pos);
            NodePtr acc = check(*e.args[0], sc, hint);
            for (std::size_t i = 1; i < e.args.size(); ++i) {
                NodePtr b = check(*e.args[i], sc, hint);
                if (!unify(acc, b, fmt::format("the arguments of {}()", f))) return bad(e.pos);
                if (!numeric(acc, f + "()")) return bad(e.pos);
                acc = make(f == "min" ? Op::min : Op::max, acc->type, e.pos, {acc, b});
            }
            return acc;
        }
        if (f == "sum") {
            if (!arity(1, 1)) return bad(e.pos);
            if (sc.line) {
                error(e.pos, "sum() adds a fee-line value over the claim: it cannot be used inside lines");
                return bad(e.pos);
            }
            Scope ls;
            ls.line = true;
            ls.line_limit = static_cast<int>(src_.lines.size());
            ls.where = "sum()";
            NodePtr v = check(*e.args[0], ls, hint.kind == Kind::money ? hint : Type{});
            if (v->type.kind == Kind::number) v = coerce(v, money(), "sum()");
            if (v->type.kind == Kind::error) return v;
            if (v->type.kind != Kind::money && v->type.kind != Kind::count) {
                error(e.pos, fmt::format("sum() adds money or counts, found {}", type_name(v->type)));
                return bad(e.pos);
            }
            auto n = make(Op::sum, v->type, e.pos, {v});
            std::const_pointer_cast<Node>(n)->after_lines = true;
            return n;
        }
        if (f == "present") {
            if (!arity(1, 1)) return bad(e.pos);
            const ast::Expr& a = *e.args[0];
            const auto dot = a.text.find('.');
            if (a.kind != ast::ExprKind::name || dot == std::string::npos) {
                error(a.pos, "present() takes a field: present(claim.x) or present(item.x)");
                return bad(e.pos);
            }
            const std::string head = a.text.substr(0, dot), tail = a.text.substr(dot + 1);
            NodePtr n = head == "claim" ? claim_ref(a, tail, true)
                        : head == "item" ? item_ref(a, tail, sc, true)
                                         : nullptr;
            if (!n) {
                error(a.pos, "present() takes a field: present(claim.x) or present(item.x)");
                return bad(e.pos);
            }
            if (n->type.kind == Kind::error) return n;
            const auto& spec = head == "claim" ? out_.schema.claim_fields[n->value] : out_.schema.item_fields[n->value];
            if (!spec.optional || spec.default_value) {
                error(a.pos, fmt::format("{} is always present (it is required or has a default)", a.text));
                return bad(e.pos);
            }
            return n;
        }
        if (f == "round") {
            if (!arity(1, 1)) return bad(e.pos);
            NodePtr v = check(*e.args[0], sc, money());
            if (v->type.kind == Kind::error) return v;
            if (v->type.kind != Kind::money) {
                error(e.pos, fmt::format("round() rounds money to the fen, found {}", type_name(v->type)));
                return bad(e.pos);
            }
            return to_fen(v, out_.rounding);
        }
        error(e.pos, fmt::format("unknown function '{}': expected if, min, max, sum, present or round", f));
        return bad(e.pos);
    }

    bool numeric(const NodePtr& n, const std::string& what) {
        const Kind k = n->type.kind;
        if (k == Kind::money || k == Kind::ratio || k == Kind::count || k == Kind::date || k == Kind::error) return true;
        error(n->pos, fmt::format("{} needs money, ratios or counts, found {}", what, type_name(n->type)));
        return false;
    }

    NodePtr table_lookup(const ast::Expr& e, const Scope& sc) {
        auto it = table_index_.find(e.text);
        if (it == table_index_.end()) {
            error(e.pos, fmt::format("unknown table '{}'", e.text));
            return bad(e.pos);
        }
        const ir::Table& t = out_.tables[it->second];
        if (e.args.size() != t.key_enums.size()) {
            error(e.pos, fmt::format("table '{}' takes {} keys, found {}", e.text, t.key_enums.size(), e.args.size()));
            return bad(e.pos);
        }
        std::vector<NodePtr> keys;
        for (std::size_t i = 0; i < e.args.size(); ++i) {
            const Type want{Kind::enumeration, 0, t.key_enums[i]};
            keys.push_back(coerce(check(*e.args[i], sc, want), want, fmt::format("key {} of table '{}'", i + 1, e.text)));
            if (keys.back()->type.kind == Kind::error) return bad(e.pos);
        }
        return make(Op::table, t.type, e.pos, keys, it->second);
    }

    NodePtr unary(const ast::Expr& e, const Scope& sc, const Type& hint) {
        if (e.text == "not") {
            NodePtr a = coerce(check(*e.args[0], sc, boolean()), boolean(), "'not'");
            if (a->type.kind == Kind::error) return a;
            return make(Op::not_, boolean(), e.pos, {a});
        }
        NodePtr a = check(*e.args[0], sc, hint);
        if (a->type.kind == Kind::number) {
            auto n = std::make_shared<Node>(*a);
            n->text = "-" + a->text;
            return n;
        }
        if (a->type.kind == Kind::error) return a;
        if (a->op == Op::konst && (a->type.kind == Kind::ratio || a->type.kind == Kind::money || a->type.kind == Kind::count))
            return konst(a->type, -a->value, e.pos);
        if (!numeric(a, "'-'")) return bad(e.pos);
        return make(Op::neg, a->type, e.pos, {a});
    }

    NodePtr binary(const ast::Expr& e, const Scope& sc, const Type& hint) {
        const std::string& op = e.text;
        if (op == "and" || op == "or") {
            NodePtr a = coerce(check(*e.args[0], sc, boolean()), boolean(), fmt::format("'{}'", op));
            NodePtr b = coerce(check(*e.args[1], sc, boolean()), boolean(), fmt::format("'{}'", op));
            if (a->type.kind == Kind::error || b->type.kind == Kind::error) return bad(e.pos);
            return make(op == "and" ? Op::and_ : Op::or_, boolean(), e.pos, {a, b});
        }
        if (op == "/") {
            error(e.pos, "division is not part of the language: multiply by a ratio (× 50%) instead");
            return bad(e.pos);
        }
        if (op == "*") return multiply(e, sc);
        const bool cmp = op != "+" && op != "-";
        NodePtr a = check(*e.args[0], sc, cmp ? Type{} : hint);
        NodePtr b = check(*e.args[1], sc, cmp ? Type{} : hint);
        if (cmp && (a->type.kind == Kind::tags || b->type.kind == Kind::tags)) {
            error(e.pos, fmt::format("a tag set is tested with 'has', not '{}': claim.tags has tekun, has any(a, b), "
                                     "has all(a, b)",
                                     op));
            return bad(e.pos);
        }
        if (!unify(a, b, fmt::format("'{}'", op))) return bad(e.pos);
        if (cmp) {
            const Kind k = a->type.kind;
            const bool ordered = op != "==" && op != "!=";
            if (k == Kind::tags || (ordered && k == Kind::boolean)) {
                error(e.pos, fmt::format("cannot compare {} with '{}'", type_name(a->type), op));
                return bad(e.pos);
            }
            const Op o = op == "==" ? Op::eq : op == "!=" ? Op::ne : op == "<" ? Op::lt : op == "<=" ? Op::le
                                                                    : op == ">" ? Op::gt : Op::ge;
            return make(o, boolean(), e.pos, {a, b});
        }
        if (a->type.kind == Kind::date || !numeric(a, fmt::format("'{}'", op))) {
            if (a->type.kind == Kind::date) error(e.pos, "dates cannot be added or subtracted");
            return bad(e.pos);
        }
        return make(op == "+" ? Op::add : Op::sub, a->type, e.pos, {a, b});
    }

    NodePtr multiply(const ast::Expr& e, const Scope& sc) {
        NodePtr a = check(*e.args[0], sc, Type{});
        NodePtr b = check(*e.args[1], sc, Type{});
        if (a->type.kind == Kind::error || b->type.kind == Kind::error) return bad(e.pos);
        // An unsuffixed number is a plain factor: 2 × money, 1.5 × count.
        auto factor = [&](NodePtr& n) {
            if (n->type.kind != Kind::number) return;
            std::string digits = n->text;
            const auto dot = digits.find('.');
            if (dot != std::string::npos) digits.erase(dot, 1);
            const bool neg = !digits.empty() && digits[0] == '-';
            const auto v = parse_int(neg ? digits.substr(1) : digits);
            n = konst(Type{Kind::count, n->type.scale}, neg ? -v.value : v.value, n->pos);
        };
        factor(a);
        factor(b);
        Kind ka = a->type.kind, kb = b->type.kind;
        for (const NodePtr* n : {&a, &b}) {
            const Kind k = (*n)->type.kind;
            if (k != Kind::money && k != Kind::ratio && k != Kind::count) {
                error((*n)->pos, fmt::format("'*' multiplies money, ratios and counts, found {}", type_name((*n)->type)));
                return bad(e.pos);
            }
        }
        if (ka == Kind::money && kb == Kind::money) {
            error(e.pos, "cannot multiply money by money");
            return bad(e.pos);
        }
        const Kind k = (ka == Kind::money || kb == Kind::money) ? Kind::money
                       : (ka == Kind::ratio || kb == Kind::ratio) ? Kind::ratio
                                                                  : Kind::count;
        const int scale = a->type.scale + b->type.scale;
        if (scale > kMaxScale) {
            error(e.pos, fmt::format("this product keeps {} decimals, more than the {} the engine holds exactly; round "
                                     "an operand first",
                                     scale, kMaxScale));
            return bad(e.pos);
        }
        if (a->op == Op::konst && b->op == Op::konst) {
            std::int64_t v;
            if (__builtin_mul_overflow(a->value, b->value, &v)) {
                error(e.pos, "this product of constants is too large to hold exactly");
                return bad(e.pos);
            }
            return konst(Type{k, scale}, v, e.pos);
        }
        return make(Op::mul, Type{k, scale}, e.pos, {a, b});
    }

    std::int64_t tag_mask(const ast::Expr& e, int enum_id) {
        const auto& en = out_.schema.enums[enum_id];
        std::int64_t mask = 0;
        for (std::size_t i = 0; i < e.names.size(); ++i) {
            if (auto idx = en.index_of(e.names[i])) {
                mask |= std::int64_t{1} << *idx;
            } else {
                std::string allowed;
                for (const auto& v : en.values) allowed += (allowed.empty() ? "" : ", ") + v;
                error(e.name_pos[i], fmt::format("unknown tag '{}': expected one of {}", e.names[i], allowed));
                return -1;
            }
        }
        return mask;
    }

    NodePtr has(const ast::Expr& e, const Scope& sc) {
        NodePtr a = check(*e.args[0], sc, Type{});
        if (a->type.kind == Kind::error) return a;
        if (a->type.kind != Kind::tags) {
            error(e.pos, fmt::format("'has' tests a tag set, found {}", type_name(a->type)));
            return bad(e.pos);
        }
        const std::int64_t mask = tag_mask(e, a->type.enum_id);
        if (mask < 0) return bad(e.pos);
        return make(e.text == "all" ? Op::tags_all : Op::tags_any, boolean(), e.pos, {a}, mask);
    }

    NodePtr in(const ast::Expr& e, const Scope& sc) {
        NodePtr a = check(*e.args[0], sc, Type{});
        NodePtr result;
        for (std::size_t i = 1; i < e.args.size(); ++i) {
            NodePtr l = a, r = check(*e.args[i], sc, a->type.kind == Kind::enumeration ? a->type : Type{});
            if (!unify(l, r, "'in'")) return bad(e.pos);
            NodePtr eq = make(Op::eq, boolean(), e.args[i]->pos, {l, r});
            result = result ? make(Op::or_, boolean(), e.pos, {result, eq}) : eq;
        }
        return result ? result : bad(e.pos);
    }

    // ---------------------------------------------------------------- declarations

    Rounding rounding(const ast::RoundingDecl& d, Rounding dflt) {
        Rounding r = dflt;
        if (!d.present) return r;
        if (d.unit.present) {
            if (d.unit.text == "fen") r.unit = RoundUnit::fen;
            else if (d.unit.text == "jiao") r.unit = RoundUnit::jiao;
            else if (d.unit.text == "yuan") r.unit = RoundUnit::yuan;
            else error(d.unit.pos, fmt::format("expected fen, jiao or yuan, found '{}'", d.unit.text));
        }
        if (d.mode.present) {
            if (d.mode.text == "half_up") r.mode = RoundMode::half_up;
            else if (d.mode.text == "half_even") r.mode = RoundMode::half_even;
            else if (d.mode.text == "down") r.mode = RoundMode::down;
            else error(d.mode.pos, fmt::format("expected half_up, half_even or down, found '{}'", d.mode.text));
        }
        return r;
    }

    int add_enum(const std::string& name, const SourcePos& pos, const std::vector<ast::Scalar>& values, bool tags,
                 bool malformed = false) {
        EnumType et;
        et.name = name;
        std::set<std::string> seen;
        for (const auto& v : values) {
            if (!v.present || v.text.empty()) {
                error(v.pos, "expected an enum value, found nothing");
                continue;
            }
            if (!seen.insert(v.text).second) error(v.pos, fmt::format("duplicate value '{}' in enum '{}'", v.text, name));
            et.values.push_back(v.text);
        }
        if (et.values.empty() && !malformed) error(pos, fmt::format("enum '{}' has no values", name));
        if (tags && et.values.size() > 62) error(pos, "a tag set holds at most 62 tags");
        out_.schema.enums.push_back(std::move(et));
        return static_cast<int>(out_.schema.enums.size() - 1);
    }

    void enums() {
        for (const auto& e : src_.enums) {
            if (enum_index_.count(e.name)) continue;
            enum_index_[e.name] = add_enum(e.name, e.pos, e.values, false, e.malformed);
        }
    }

    std::optional<std::int64_t> field_value(const FieldSpec& f, const ast::Scalar& s, const char* what) {
        if (!s.present) return std::nullopt;
        Claim c;
        Schema one;
        one.enums = out_.schema.enums;
        one.claim_fields.push_back(f);
        one.claim_fields.back().default_value.reset();
        one.claim_fields.back().min_value.reset();
        c.reset(one);
        try {
            if (f.type == FieldType::ratio) {
                // In the policy a ratio reads 10% or 1000bp, like everywhere else.
                ast::Expr e;
                e.kind = ast::ExprKind::number;
                const bool pct = !s.text.empty() && s.text.back() == '%';
                const bool bp = s.text.size() > 2 && s.text.substr(s.text.size() - 2) == "bp";
                if (!pct && !bp) {
                    error(s.pos, fmt::format("expected {} as a ratio (10% or 1000bp), found '{}'", what, s.text));
                    return std::nullopt;
                }
                e.text = s.text.substr(0, s.text.size() - (pct ? 1 : 2));
                e.suffix = pct ? "%" : "bp";
                e.pos = s.pos;
                NodePtr n = number(e, Type{});
                if (n->type.kind == Kind::error) return std::nullopt;
                return n->value;
            }
            set_claim_value(one, c, 0, s.text, f.type == FieldType::string || f.type == FieldType::date ||
                                                   (f.type == FieldType::enumeration));
        } catch (const ClaimError& e) {
            error(s.pos, fmt::format("invalid {}: {}", what, e.what()));
            return std::nullopt;
        }
        return c.fields[0];
    }

    FieldSpec field(const ast::FieldDecl& d) {
        FieldSpec f;
        f.name = d.name;
        f.optional = d.optional;
        const std::string& t = d.type.text;
        static const std::pair<const char*, FieldType> base[] = {
            {"money", FieldType::money}, {"ratio", FieldType::ratio}, {"count", FieldType::count},
            {"bool", FieldType::boolean}, {"date", FieldType::date}, {"string", FieldType::string}};
        bool found = false;
        for (const auto& [n, ft] : base) {
            if (t == n) {
                f.type = ft;
                found = true;
            }
        }
        if (!found) {
            if (t == "tags" || t == "enum") {
                f.type = t == "tags" ? FieldType::tags : FieldType::enumeration;
                if (d.values.empty()) error(d.type.pos, fmt::format("expected 'values: [...]' for a {} field", t));
                f.enum_type = add_enum(d.name, d.pos, d.values, t == "tags");
                found = true;
            } else if (auto it = enum_index_.find(t); it != enum_index_.end()) {
                f.type = FieldType::enumeration;
                f.enum_type = it->second;
                found = true;
            }
        }
        if (!found) {
            if (!d.type.present) return f;  // load reported the missing or malformed type
            error(d.type.pos,
                  fmt::format("unknown type '{}' for field '{}': expected money, ratio, count, bool, date, string, "
                              "tags, enum or a declared enum's name",
                              t, d.name));
            return f;
        }
        if (!d.values.empty() && f.type != FieldType::tags && !(t == "enum"))
            error(d.values.front().pos, "'values' belongs to enum and tags fields");
        if (f.type == FieldType::string && d.default_value.present) {
            // A text is kept as given, never computed with: a default would
            // have to be a text too, and the schema stores defaults as values.
            error(d.default_value.pos,
                  fmt::format("string field '{}' takes no default: an absent text is empty", d.name));
            return f;
        }
        f.default_value = field_value(f, d.default_value, "default");
        f.min_value = field_value(f, d.min_value, "minimum");
        return f;
    }

    void fields() {
        std::set<std::string> reserved = {"claim_id", "member_id", "date", "items"};
        for (const auto& d : src_.claim_fields) {
            if (reserved.count(d.name)) error(d.pos, fmt::format("'{}' is the engine's own key: every claim has it", d.name));
            out_.schema.claim_fields.push_back(field(d));
        }
        for (const auto& d : src_.item_fields) out_.schema.item_fields.push_back(field(d));
    }

    bool month_day(const ast::Scalar& s, unsigned& m, unsigned& d) {
        Date tmp;
        if (s.text.size() == 5 && parse_date("2000-" + s.text, tmp)) {
            m = tmp.month();
            d = tmp.day();
            if (!(m == 2 && d == 29)) return true;
        }
        error(s.pos, fmt::format("expected the first day of the policy year as MM-DD (not 02-29), found '{}'", s.text));
        return false;
    }

    void period(const ast::Scalar& period, const ast::Scalar& starts, unsigned& m, unsigned& d) {
        if (!period.present || period.text == "calendar_year") {
            if (starts.present) error(starts.pos, "'starts' belongs to period: policy_year");
            if (period.present) m = 1, d = 1;  // an accumulator's own calendar year overrides a policy year
            return;
        }
        if (period.text == "policy_year") {
            if (!starts.present) error(period.pos, "a policy year needs 'starts: MM-DD'");
            else month_day(starts, m, d);
            return;
        }
        error(period.pos, fmt::format("expected calendar_year or policy_year, found '{}'", period.text));
    }

    void accumulators() {
        unsigned pm = 1, pd = 1;
        period(src_.period, src_.period_starts, pm, pd);
        for (const auto& a : src_.accumulators) {
            ir::Accumulator acc;
            acc.name = a.name;
            acc.label = a.label;
            if (a.type.text == "money") acc.type = FieldType::money;
            else if (a.type.text == "count") acc.type = FieldType::count;
            else if (a.type.present) error(a.type.pos, fmt::format("expected money or count, found '{}'", a.type.text));
            acc.period_month = pm;
            acc.period_day = pd;
            if (a.period.present) period(a.period, a.starts, acc.period_month, acc.period_day);
            if (a.key.present) {
                const std::string k = a.key.text.rfind("claim.", 0) == 0 ? a.key.text.substr(6) : std::string{};
                acc.key_field = out_.schema.claim_field(k);
                if (acc.key_field < 0) {
                    error(a.key.pos, fmt::format("expected the key as claim.<field>, found '{}'", a.key.text));
                } else {
                    const auto ft = out_.schema.claim_fields[acc.key_field].type;
                    if (ft != FieldType::enumeration && ft != FieldType::string)
                        error(a.key.pos, "an accumulator key must be an enum or text field");
                }
            }
            acc_index_[a.name] = static_cast<int>(out_.accumulators.size());
            out_.accumulators.push_back(std::move(acc));
        }
        acc_read_.assign(out_.accumulators.size(), false);
        acc_written_.assign(out_.accumulators.size(), false);
    }

    void tables() {
        for (const auto& t : src_.tables) {
            ir::Table tb;
            tb.name = t.name;
            bool ok = true;
            std::vector<std::size_t> sizes;
            for (const auto& k : t.keys) {
                auto it = enum_index_.find(k.text);
                if (it == enum_index_.end()) {
                    error(k.pos, fmt::format("unknown enum '{}' as a table key: declare it under enums", k.text));
                    ok = false;
                    continue;
                }
                tb.key_enums.push_back(it->second);
                sizes.push_back(out_.schema.enums[it->second].values.size());
            }
            if (t.type.text == "money") tb.type = money();
            else if (t.type.text == "ratio") tb.type = ratio();
            else if (t.type.text == "count") tb.type = count();
            else {
                if (t.type.present)  // a missing type was reported by load
                    error(t.type.pos, fmt::format("expected money, ratio or count, found '{}'", t.type.text));
                ok = false;
            }
            if (t.keys.empty()) {
                error(t.pos, "a table needs at least one key");
                ok = false;
            }
            table_index_[t.name] = static_cast<int>(out_.tables.size());
            if (ok) fill_table(t, tb, sizes);
            out_.tables.push_back(std::move(tb));
        }
    }

    // Rows are nested mappings keyed by enum labels; `default` stands for every
    // label not written at its level. Every combination must end with a value.
    void fill_table(const ast::TableDecl& t, ir::Table& tb, const std::vector<std::size_t>& sizes) {
        std::size_t total = 1;
        for (auto s : sizes) {
            total *= s;
            if (total > 50'000'000) {
                error(t.pos, "table too large");
                return;
            }
        }
        std::vector<std::int64_t> data(total, 0);
        std::vector<int> specificity(total, -1);  // how many path elements were explicit
        std::vector<std::uint8_t> set(total, 0);
        const Type want = tb.type;
        for (const auto& row : t.rows) {
            if (row.path.size() != sizes.size()) {
                const SourcePos& p = row.path.empty() ? row.value.pos : row.path.back().pos;
                error(p, fmt::format("expected {} levels of keys ({}) in table '{}', found {}", sizes.size(),
                                     fmt::join(t.keys | std::views::transform([](const auto& s) { return s.text; }), ", "),
                                     t.name, row.path.size()));
                continue;
            }
            std::vector<int> idx;
            int spec = 0;
            bool ok = true;
            for (std::size_t i = 0; i < row.path.size(); ++i) {
                const auto& lab = row.path[i];
                if (lab.text == "default") {
                    idx.push_back(-1);
                    continue;
                }
                auto v = out_.schema.enums[tb.key_enums[i]].index_of(lab.text);
                if (!v) {
                    error(lab.pos, fmt::format("'{}' is not a value of enum '{}'", lab.text,
                                               out_.schema.enums[tb.key_enums[i]].name));
                    ok = false;
                    break;
                }
                idx.push_back(static_cast<int>(*v));
                ++spec;
            }
            if (!ok) continue;
            ast::Expr e;
            e.kind = ast::ExprKind::number;
            e.pos = row.value.pos;
            std::string txt = row.value.text;
            if (txt.size() > 1 && txt.back() == '%') {
                e.suffix = "%";
                txt.pop_back();
            } else if (txt.size() > 2 && txt.substr(txt.size() - 2) == "bp") {
                e.suffix = "bp";
                txt.resize(txt.size() - 2);
            }
            e.text = txt;
            const bool numeric_text = !txt.empty() && std::all_of(txt.begin(), txt.end(), [](char c) {
                return (c >= '0' && c <= '9') || c == '.';
            }) && std::count(txt.begin(), txt.end(), '.') <= 1 && txt.front() != '.' && txt.back() != '.';
            if (!numeric_text) {
                error(row.value.pos, fmt::format("expected {} in table '{}', found '{}'", type_name(want), t.name,
                                                 row.value.text));
                continue;
            }
            NodePtr n = coerce(number(e, Type{}), want, fmt::format("table '{}'", t.name));
            if (n->type.kind == Kind::error) continue;
            if (want.kind == Kind::ratio && (n->value < 0 || n->value > 10000))
                error(row.value.pos, fmt::format("expected a ratio between 0% and 100%, found {}", row.value.text));
            // Expand defaults over every index they stand for.
            std::vector<std::size_t> cur(sizes.size(), 0);
            std::function<void(std::size_t, std::size_t)> walk = [&](std::size_t level, std::size_t flat) {
                if (level == sizes.size()) {
                    if (set[flat] && specificity[flat] == spec) {
                        error(row.value.pos, fmt::format("two rows of table '{}' give the same keys", t.name));
                        return;
                    }
                    if (specificity[flat] < spec) {
                        data[flat] = n->value;
                        specificity[flat] = spec;
                        set[flat] = 1;
                    }
                    return;
                }
                if (idx[level] >= 0) walk(level + 1, flat * sizes[level] + static_cast<std::size_t>(idx[level]));
                else
                    for (std::size_t v = 0; v < sizes[level]; ++v) walk(level + 1, flat * sizes[level] + v);
            };
            walk(0, 0);
        }
        // Exhaustive: name the first missing combinations.
        int missing = 0;
        for (std::size_t flat = 0; flat < total && missing < 5; ++flat) {
            if (set[flat]) continue;
            std::vector<std::string> labels(sizes.size());
            std::size_t rest = flat;
            for (std::size_t i = sizes.size(); i-- > 0;) {
                labels[i] = out_.schema.enums[tb.key_enums[i]].values[rest % sizes[i]];
                rest /= sizes[i];
            }
            error(t.pos, fmt::format("table '{}' has no value for [{}]: every combination of its keys needs one (or a "
                                     "'default')",
                                     t.name, fmt::join(labels, ", ")));
            ++missing;
        }
        tb.data = std::move(data);
    }

    void lines() {
        for (std::size_t i = 0; i < src_.lines.size(); ++i) {
            const auto& l = src_.lines[i];
            if (out_.schema.item_field(l.name) >= 0)
                error(l.pos, fmt::format("'{}' is already a fee-line input field", l.name));
            Scope sc;
            sc.line = true;
            sc.line_limit = static_cast<int>(i);
            sc.where = fmt::format("line value '{}'", l.name);
            NodePtr v = expr(l.value, sc, money(), sc.where);
            out_.lines.push_back({l.name, l.label, l.pos, to_fen(v, out_.rounding)});
        }
    }

    NodePtr define(int i, const SourcePos& use) {
        if (define_state_[i] == 2) return defines_[i];
        const auto& d = src_.defines[i];
        if (define_state_[i] == 1) {
            error(use, fmt::format("'{}' is defined in terms of itself (a cycle through {})", d.name,
                                   d.pos.str()));
            define_state_[i] = 2;
            defines_[i] = bad(d.pos);
            return defines_[i];
        }
        define_state_[i] = 1;
        Scope sc;
        sc.where = fmt::format("definition '{}'", d.name);
        Type want{};
        if (d.type.present) want = named_type(d.type);
        NodePtr v;
        if (!d.first.empty()) {
            // first matching case wins: build the select chain from the end
            v = expr(d.otherwise, sc, want, "'otherwise'");
            if (want.kind == Kind::error && !is_literal(v->type)) want = v->type;
            std::vector<std::pair<NodePtr, NodePtr>> cases;
            for (const auto& c : d.first) {
                NodePtr w = expr(c.when, sc, boolean(), "the case's condition");
                NodePtr val = expr(c.value, sc, want, "the case's value");
                cases.emplace_back(w, val);
            }
            for (auto it = cases.rbegin(); it != cases.rend(); ++it) {
                NodePtr a = it->second, b = v;
                if (!unify(a, b, fmt::format("the cases of '{}'", d.name))) {
                    v = bad(d.pos);
                    break;
                }
                v = make(Op::select, a->type, d.pos, {it->first, a, b});
            }
        } else {
            v = expr(d.value, sc, want, sc.where);
        }
        if (is_literal(v->type)) {
            error(d.pos, fmt::format("cannot tell the type of '{}': add 'type:' (money, ratio, count, bool or an enum)", d.name));
            v = bad(d.pos);
        }
        if (v->type.kind == Kind::money) v = to_fen(v, out_.rounding);
        defines_[i] = v;
        define_state_[i] = 2;
        return v;
    }

    Type named_type(const ast::Scalar& s) {
        const std::string& t = s.text;
        if (t == "money") return money();
        if (t == "ratio") return ratio();
        if (t == "count") return count();
        if (t == "bool") return boolean();
        if (t == "date") return Type{Kind::date};
        if (auto it = enum_index_.find(t); it != enum_index_.end()) return Type{Kind::enumeration, 0, it->second};
        error(s.pos, fmt::format("unknown type '{}': expected money, ratio, count, bool, date or an enum's name", t));
        return Type{};
    }

    void rejections() {
        Scope sc;
        sc.where = "a rejection";
        for (const auto& r : src_.rejections)
            out_.rejections.push_back({r.code, r.label, r.message, expr(r.when, sc, boolean(), "the rejection's condition")});
    }

    NodePtr ratio_expr(const ast::ExprSrc& e, const Scope& sc, const std::string& what, bool range_check) {
        NodePtr r = expr(e, sc, ratio(), what);
        if (r->type.kind == Kind::ratio && r->type.scale > 4) {
            auto n = std::make_shared<Node>(*make(Op::round, ratio(), r->pos, {r}, detail::pow10(r->type.scale - 4)));
            n->mode = static_cast<std::uint8_t>(RoundMode::half_up);
            r = n;
        }
        if (range_check && r->op == Op::konst && r->type.kind == Kind::ratio && (r->value < 0 || r->value > 10000))
            error(r->pos, fmt::format("expected a ratio between 0% and 100% for {}, found {}", what,
                                      format_ratio(Ratio::from_bp(r->value))));
        return r;
    }

    std::optional<std::int64_t> const_money(const ast::ExprSrc& e, const Scope& sc, const std::string& what) {
        NodePtr n = expr(e, sc, money(), what);
        if (n->type.kind == Kind::error) return std::nullopt;
        if (n->op != Op::konst) {
            error(n->pos, fmt::format("expected a constant amount for {}: band edges are fixed by the notice", what));
            return std::nullopt;
        }
        return n->value;
    }

    void stages() {
        for (std::size_t si = 0; si < src_.stages.size(); ++si) {
            const auto& s = src_.stages[si];
            ir::Stage st;
            st.id = s.id;
            st.label = s.label;
            st.pos = s.pos;
            st.rounding = rounding(s.rounding, out_.rounding);
            if (stage_index_.at(s.id) != static_cast<int>(si) || define_index_.count(s.id) || s.id == "claim" ||
                s.id == "item" || s.id == "acc")
                error(s.pos, fmt::format("stage id '{}' is already used", s.id));
            Scope sc;
            sc.stage = static_cast<int>(si);
            sc.where = fmt::format("stage '{}'", s.id);
            if (s.when.src.present) st.when = expr(s.when, sc, boolean(), "the stage's condition");
            // The stage's own rounding is for its payment; the amounts it works
            // on (base, deductible, caps, updates) keep the policy's rounding.
            st.base = to_fen(expr(s.base, sc, money(), "the stage's base"), out_.rounding);
            st.base_text = s.base.src.text;
            st.deductible_text = s.deductible.amount.src.text;
            if (s.deductible.present) {
                st.deductible = to_fen(expr(s.deductible.amount, sc, money(), "the deductible"), out_.rounding);
                st.deductible_label = s.deductible.label;
                st.deductible_pos = s.deductible.pos;
                for (const auto& m : s.deductible.multipliers) {
                    ir::Multiplier mu;
                    mu.label = m.label;
                    mu.pos = m.pos;
                    if (m.when.src.present) mu.when = expr(m.when, sc, boolean(), "the multiplier's condition");
                    mu.ratio = ratio_expr(m.ratio, sc, "the multiplier", false);
                    if (mu.ratio->op == Op::konst && mu.ratio->value < 0)
                        error(mu.ratio->pos, "a deductible multiplier cannot be negative");
                    st.multipliers.push_back(std::move(mu));
                }
                if (s.deductible.cumulative.src.present) {
                    NodePtr a = expr(s.deductible.cumulative, sc, money(), "the cumulative axis");
                    if (a->type.kind != Kind::error && a->op != Op::acc) {
                        error(a->pos, "expected an accumulator (acc.<name>) for 'cumulative'");
                    } else if (a->op == Op::acc) {
                        st.cumulative_acc = static_cast<int>(a->value);
                    }
                }
            }
            bands(s, sc, st);
            for (const auto& a : s.adjustments) {
                ir::Adjustment adj;
                adj.label = a.label;
                adj.pos = a.pos;
                if (a.when.src.present) adj.when = expr(a.when, sc, boolean(), "the adjustment's condition");
                if (a.add.src.present) adj.add = ratio_expr(a.add, sc, "the added percentage points", false);
                if (a.set.src.present) adj.set = ratio_expr(a.set, sc, "the replacing ratio", true);
                st.adjustments.push_back(std::move(adj));
            }
            st.clamp_lo = s.clamp_lo.src.present ? ratio_expr(s.clamp_lo, sc, "the lowest ratio", true)
                                                 : konst(ratio(), 0, s.pos);
            st.clamp_hi = s.clamp_hi.src.present ? ratio_expr(s.clamp_hi, sc, "the highest ratio", true)
                                                 : konst(ratio(), 10000, s.pos);
            for (const auto& c : s.caps) {
                ir::Cap cap;
                cap.label = c.label;
                cap.pos = c.pos;
                cap.amount = to_fen(expr(c.amount, sc, money(), "the cap"), out_.rounding);
                if (c.used.src.present) cap.used = to_fen(expr(c.used, sc, money(), "the amount already used"), out_.rounding);
                NodePtr w = c.when.src.present ? expr(c.when, sc, boolean(), "the cap's condition") : nullptr;
                NodePtr u = c.unless.src.present ? expr(c.unless, sc, boolean(), "the cap's 'unless'") : nullptr;
                if (u) u = make(Op::not_, boolean(), u->pos, {u});
                cap.applies = w && u ? make(Op::and_, boolean(), c.pos, {w, u}) : (w ? w : u);
                st.caps.push_back(std::move(cap));
            }
            for (const auto& r : s.rejects)
                st.rejects.push_back({r.code, r.message, expr(r.when, sc, boolean(), "the rejection's condition")});
            Scope usc = sc;
            usc.stage_locals = true;
            for (const auto& u : s.updates) {
                auto it = acc_index_.find(u.acc);
                if (it == acc_index_.end()) {
                    error(u.pos, fmt::format("unknown accumulator '{}'", u.acc));
                    continue;
                }
                acc_written_[it->second] = true;
                const Type t = out_.accumulators[it->second].type == FieldType::count ? count() : money();
                NodePtr v = expr(u.value, usc, t, fmt::format("the update of '{}'", u.acc));
                if (t.kind == Kind::money) v = to_fen(v, out_.rounding);
                if (v->op == Op::konst && v->value < 0)
                    error(v->pos, "an accumulator update adds to the year's total: it cannot be negative");
                st.updates.push_back({it->second, v});
            }
            out_.stages.push_back(std::move(st));
        }
    }

    void bands(const ast::Stage& s, const Scope& sc, ir::Stage& st) {
        const std::string method = s.band_method.present ? s.band_method.text : "segmented";
        const std::string edges = s.band_edges.present ? s.band_edges.text : "lower_inclusive";
        if (method != "segmented" && method != "whole_amount")
            error(s.band_method.pos, fmt::format("expected segmented or whole_amount, found '{}'", method));
        if (edges != "lower_inclusive" && edges != "upper_inclusive")
            error(s.band_edges.pos, fmt::format("expected lower_inclusive or upper_inclusive, found '{}'", edges));
        using detail::BandMethod;
        st.method = static_cast<std::uint8_t>(method == "segmented" ? BandMethod::segmented
                                              : edges == "upper_inclusive" ? BandMethod::whole_amount_upper_inclusive
                                                                           : BandMethod::whole_amount_lower_inclusive);
        if (s.band_choices.empty()) return;
        for (const auto& c : s.band_choices) {
            ir::BandChoice ch;
            ch.pos = c.pos;
            if (c.when.src.present) ch.when = expr(c.when, sc, boolean(), "the choice's condition");
            if (c.bands.empty()) error(c.pos, "expected at least one band");
            std::int64_t expect_from = 0;
            bool open = false;
            for (std::size_t i = 0; i < c.bands.size(); ++i) {
                const auto& b = c.bands[i];
                ir::Band band;
                auto from = const_money(b.from, sc, "the band's lower edge");
                std::optional<std::int64_t> to;
                if (b.to.src.present) to = const_money(b.to, sc, "the band's upper edge");
                band.ratio = ratio_expr(b.ratio, sc, "the band's ratio", true);
                if (open) error(b.pos, "a band follows an open-ended band: only the last band may omit 'to'");
                if (from) {
                    band.from_fen = *from;
                    if (*from != expect_from)
                        error(b.from.src.pos,
                              fmt::format("expected this band to start at {} (where the previous one ends), found {}: "
                                          "bands must not leave gaps or overlap",
                                          format_money(Money::from_fen(expect_from)), format_money(Money::from_fen(*from))));
                }
                if (b.to.src.present) {
                    if (to) {
                        band.to_fen = *to;
                        if (from && *to <= *from)
                            error(b.to.src.pos, fmt::format("expected the upper edge above {}, found {}",
                                                            format_money(Money::from_fen(*from)),
                                                            format_money(Money::from_fen(*to))));
                        expect_from = *to;
                    }
                } else {
                    open = true;
                }
                ch.bands.push_back(std::move(band));
            }
            st.choices.push_back(std::move(ch));
        }
    }

    void outputs() {
        std::set<std::string> seen;
        Scope sc;
        sc.where = "an output";
        for (const auto& o : src_.outputs) {
            if (o.name == "claim_id") error(o.pos, "'claim_id' is always emitted first; choose another name");
            NodePtr v = expr(o.value, sc, money(), fmt::format("output '{}'", o.name));
            static const char* categories[] = {"submitted", "eligible", "deductible", "benefit", "copay", "noncovered"};
            if (o.category.present &&
                std::none_of(std::begin(categories), std::end(categories), [&](const char* c) { return o.category.text == c; }))
                error(o.category.pos, fmt::format("expected an adjudication category (submitted, eligible, deductible, "
                                                  "benefit, copay or noncovered), found '{}'",
                                                  o.category.text));
            out_.outputs.push_back({o.name, o.pos, to_fen(v, out_.rounding), o.value.src.text, o.label, o.category.text});
        }
        if (src_.outputs.empty() && !src_.outputs_malformed) error(src_.pos, "expected at least one output");
    }

    void accumulator_usage() {
        for (std::size_t i = 0; i < out_.accumulators.size(); ++i) {
            if (acc_read_[i] && !acc_written_[i])
                error(src_.accumulators[i].pos,
                      fmt::format("accumulator '{}' is read but no stage updates it", out_.accumulators[i].name));
        }
    }
};

}  // namespace

ir::Policy check_policy(const ast::Policy& p, std::vector<Diagnostic>& diags) {
    Checker c(p, diags);
    return c.run();
}

}  // namespace claimgraph
