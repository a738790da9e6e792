// Load: YAML text → policy syntax tree. Shape errors (unknown keys, wrong node
// kinds, missing keys) are collected with their positions; nothing defaults
// silently.
#include "policy/load.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "policy/expr_parse.hpp"
#include "policy/yaml_source.hpp"

namespace claimgraph {
namespace {

using ast::ExprSrc;
using ast::Scalar;

class Loader : public detail::YamlSource {
public:
    Loader(std::shared_ptr<const std::string> file, std::string_view text, std::vector<Diagnostic>& diags)
        : YamlSource(std::move(file), diags) {
        std::size_t start = 0;
        while (start <= text.size()) {
            const auto nl = text.find('\n', start);
            lines_.push_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
            if (nl == std::string_view::npos) break;
            start = nl + 1;
        }
    }

    static int indent_of(std::string_view l) {
        const auto i = l.find_first_not_of(' ');
        return i == std::string_view::npos ? -1 : static_cast<int>(i);
    }

    // Maps the scalar's text back onto the file's lines. Block scalars (| and >)
    // start on the line after their indicator; quoted and plain scalars may
    // continue on following lines, where folding turns each line break into
    // one character of the text.
    std::vector<TextSegment> segments(const Scalar& s) const {
        std::vector<TextSegment> segs;
        const int l0 = s.pos.line - 1, c0 = s.pos.col - 1;
        if (l0 < 0 || l0 >= static_cast<int>(lines_.size())) return segs;
        const std::string_view first = lines_[l0];
        const char ind = c0 < static_cast<int>(first.size()) ? first[c0] : ' ';
        std::size_t offset = 0;
        if (ind == '|' || ind == '>') {
            int indent = -1;
            for (int l = l0 + 1; l < static_cast<int>(lines_.size()); ++l) {
                const int in = indent_of(lines_[l]);
                if (in < 0) {
                    offset += 1;
                    continue;
                }
                if (indent < 0) indent = in;
                if (in < indent) break;
                segs.push_back({offset, l + 1, indent + 1});
                offset += lines_[l].size() - static_cast<std::size_t>(indent) + 1;
            }
            return segs;
        }
        const int start_col = (ind == '\'' || ind == '"') ? c0 + 1 : c0;
        segs.push_back({0, l0 + 1, start_col + 1});
        offset = first.size() > static_cast<std::size_t>(start_col) ? first.size() - start_col : 0;
        // Continuation lines exist only when the text is longer than its first line.
        for (int l = l0 + 1; l < static_cast<int>(lines_.size()) && offset < s.text.size(); ++l) {
            const int in = indent_of(lines_[l]);
            if (in < 0) continue;
            offset += 1;
            segs.push_back({offset, l + 1, in + 1});
            offset += lines_[l].size() - static_cast<std::size_t>(in);
        }
        return segs;
    }

    // Keys of a user-named mapping (fields, tables, stages): duplicates are errors.
    void check_unique(const YAML::Node& n, const char* what) {
        std::set<std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            if (it->first.IsScalar() && !seen.insert(it->first.Scalar()).second)
                error(pos(it->first), fmt::format("duplicate {} '{}'", what, it->first.Scalar()));
        }
    }

    Scalar scalar(const YAML::Node& n, const char* what) {
        Scalar s;
        if (!n) return s;
        s.pos = pos(n);
        if (!expect_scalar(n, what)) return s;
        s.text = n.Scalar();
        s.quoted = n.Tag() == "!";
        s.present = true;
        return s;
    }

    Scalar get(const YAML::Node& map, const char* key, const char* what) { return scalar(map[key], what); }

    Scalar require(const YAML::Node& map, const char* key, const char* what, const char* owner) {
        const YAML::Node n = map[key];
        if (!n) {
            error(pos(map), fmt::format("missing key '{}' ({}) in {}", key, what, owner));
            return {};
        }
        return scalar(n, what);
    }

    ExprSrc expr(const YAML::Node& n, const char* what) {
        ExprSrc e;
        if (!n) return e;
        e.src = scalar(n, what);
        if (!e.src.present) return e;
        if (e.src.text.empty()) {
            error(e.src.pos, fmt::format("expected {} (an expression), found an empty value", what));
            return e;
        }
        SourcePos origin = e.src.pos;
        if (e.src.quoted) origin.col += 1;
        e.expr = parse_expr(e.src.text, origin, segments(e.src), diags_);
        return e;
    }

    ExprSrc require_expr(const YAML::Node& map, const char* key, const char* what, const char* owner) {
        if (!map[key]) {
            error(pos(map), fmt::format("missing key '{}' ({}) in {}", key, what, owner));
            return {};
        }
        return expr(map[key], what);
    }

    std::string text(const YAML::Node& map, const char* key, const char* what) { return get(map, key, what).text; }

    // ---- sections ----

    void load_policy_header(const YAML::Node& n, ast::Policy& p) {
        if (!expect_map(n, "the policy header")) return;
        check_keys(n, {"id", "label", "rounding", "period", "starts"}, "policy");
        p.id = require(n, "id", "the policy id", "policy").text;
        p.label = text(n, "label", "a label");
        p.rounding = rounding(n["rounding"]);
        p.period = get(n, "period", "calendar_year or policy_year");
        p.period_starts = get(n, "starts", "the day the policy year starts, MM-DD");
    }

    ast::RoundingDecl rounding(const YAML::Node& n) {
        ast::RoundingDecl r;
        if (!n) return r;
        r.pos = pos(n);
        if (!expect_map(n, "rounding {unit, mode}")) return r;
        check_keys(n, {"unit", "mode"}, "rounding");
        r.unit = get(n, "unit", "fen, jiao or yuan");
        r.mode = get(n, "mode", "half_up, half_even or down");
        r.present = true;
        return r;
    }

    void load_enums(const YAML::Node& n, ast::Policy& p) {
        if (!expect_map(n, "enums (name: [values])")) return;
        check_unique(n, "enum");
        for (auto it = n.begin(); it != n.end(); ++it) {
            ast::EnumDecl e;
            e.name = it->first.Scalar();
            e.pos = pos(it->first);
            const YAML::Node values = it->second;  // it-> yields a proxy: keep the node, not a reference into it
            e.malformed = !values.IsSequence();
            if (expect_list(values, "the enum's values")) {
                for (const auto& v : values) e.values.push_back(scalar(v, "an enum value"));
            }
            p.enums.push_back(std::move(e));
        }
    }

    ast::FieldDecl field(const YAML::Node& k, const YAML::Node& v) {
        ast::FieldDecl f;
        f.name = k.Scalar();
        f.pos = pos(k);
        if (v.IsScalar()) {
            f.type = scalar(v, "a field type");
            return f;
        }
        if (!expect_map(v, "a field type or {type, ...}")) return f;
        check_keys(v, {"type", "values", "optional", "default", "min", "label"}, "a field");
        f.type = require(v, "type", "the field's type", "the field");
        if (v["values"] && expect_list(v["values"], "the allowed values"))
            for (const auto& x : v["values"]) f.values.push_back(scalar(x, "a value"));
        const Scalar opt = get(v, "optional", "true or false");
        if (opt.present) {
            if (opt.text == "true") f.optional = true;
            else if (opt.text != "false") error(opt.pos, fmt::format("expected true or false, found '{}'", opt.text));
        }
        f.default_value = get(v, "default", "a default value");
        f.min_value = get(v, "min", "a minimum");
        return f;
    }

    void load_claim(const YAML::Node& n, ast::Policy& p) {
        if (!expect_map(n, "the claim schema {fields, items}")) return;
        check_keys(n, {"fields", "items"}, "claim");
        if (const auto f = n["fields"]; f && expect_map(f, "claim fields")) {
            check_unique(f, "claim field");
            for (auto it = f.begin(); it != f.end(); ++it) p.claim_fields.push_back(field(it->first, it->second));
        }
        if (const auto f = n["items"]; f && expect_map(f, "fee-line fields")) {
            check_unique(f, "fee-line field");
            for (auto it = f.begin(); it != f.end(); ++it) p.item_fields.push_back(field(it->first, it->second));
        }
    }

    void load_accumulators(const YAML::Node& n, ast::Policy& p) {
        if (!expect_map(n, "accumulators")) return;
        check_unique(n, "accumulator");
        for (auto it = n.begin(); it != n.end(); ++it) {
            ast::AccumulatorDecl a;
            a.name = it->first.Scalar();
            a.pos = pos(it->first);
            const YAML::Node v = it->second;
            if (v.IsScalar()) {
                a.type = scalar(v, "money or count");
            } else if (expect_map(v, "an accumulator {type, period, key}")) {
                check_keys(v, {"type", "label", "period", "starts", "key"}, "an accumulator");
                a.type = require(v, "type", "money or count", "the accumulator");
                a.label = text(v, "label", "a label");
                a.period = get(v, "period", "calendar_year or policy_year");
                a.starts = get(v, "starts", "MM-DD");
                a.key = get(v, "key", "a claim field");
            }
            p.accumulators.push_back(std::move(a));
        }
    }

    void load_lines(const YAML::Node& n, ast::Policy& p) {
        if (!expect_map(n, "fee-line values (name: expression)")) return;
        check_unique(n, "fee-line value");
        for (auto it = n.begin(); it != n.end(); ++it) {
            ast::LineValue l;
            l.name = it->first.Scalar();
            l.pos = pos(it->first);
            const YAML::Node v = it->second;
            if (v.IsMap()) {
                check_keys(v, {"label", "value"}, "a fee-line value");
                l.label = text(v, "label", "a label");
                l.value = require_expr(v, "value", "the line's value", "the fee-line value");
            } else {
                l.value = expr(v, "the line's value");
            }
            p.lines.push_back(std::move(l));
        }
    }

    void table_rows(const YAML::Node& n, std::vector<Scalar>& path, ast::TableDecl& t) {
        if (n.IsMap()) {
            check_unique(n, "table key");
            for (auto it = n.begin(); it != n.end(); ++it) {
                path.push_back(scalar(it->first, "a key"));
                table_rows(it->second, path, t);
                path.pop_back();
            }
        } else if (n.IsScalar()) {
            t.rows.push_back({path, scalar(n, "a table value")});
        } else {
            error(pos(n), fmt::format("expected a table value or a mapping of keys, found {}", kind_name(n)));
        }
    }

    void load_tables(const YAML::Node& n, ast::Policy& p) {
        if (!expect_map(n, "tables")) return;
        check_unique(n, "table");
        for (auto it = n.begin(); it != n.end(); ++it) {
            ast::TableDecl t;
            t.name = it->first.Scalar();
            t.pos = pos(it->first);
            const YAML::Node v = it->second;
            if (expect_map(v, "a table {keys, type, rows}")) {
                check_keys(v, {"label", "keys", "type", "rows"}, "a table");
                t.label = text(v, "label", "a label");
                if (!v["keys"]) error(t.pos, "missing key 'keys' (the enums indexing the table) in the table");
                else if (expect_list(v["keys"], "the table's key enums"))
                    for (const auto& k : v["keys"]) t.keys.push_back(scalar(k, "an enum name"));
                t.type = require(v, "type", "money, ratio or count", "the table");
                if (!v["rows"]) error(t.pos, "missing key 'rows' in the table");
                else {
                    std::vector<Scalar> path;
                    table_rows(v["rows"], path, t);
                }
            }
            p.tables.push_back(std::move(t));
        }
    }

    void load_defines(const YAML::Node& n, ast::Policy& p) {
        if (!expect_map(n, "definitions (name: expression)")) return;
        check_unique(n, "definition");
        for (auto it = n.begin(); it != n.end(); ++it) {
            ast::Define d;
            d.name = it->first.Scalar();
            d.pos = pos(it->first);
            const YAML::Node v = it->second;
            if (v.IsMap()) {
                check_keys(v, {"label", "type", "value", "first", "otherwise"}, "a definition");
                d.label = text(v, "label", "a label");
                d.type = get(v, "type", "a type");
                if (v["value"]) d.value = expr(v["value"], "the value");
                if (v["first"]) {
                    if (v["value"]) error(pos(v["first"]), "expected either 'value' or 'first', found both");
                    if (expect_list(v["first"], "cases {when, value}")) {
                        for (const auto& c : v["first"]) {
                            if (!expect_map(c, "a case {when, value}")) continue;
                            check_keys(c, {"when", "value"}, "a case");
                            ast::FirstCase fc;
                            fc.pos = pos(c);
                            fc.when = require_expr(c, "when", "the case's condition", "the case");
                            fc.value = require_expr(c, "value", "the case's value", "the case");
                            d.first.push_back(std::move(fc));
                        }
                    }
                    d.otherwise = require_expr(v, "otherwise", "the value when no case matches", "the definition");
                } else if (!v["value"]) {
                    error(d.pos, "missing key 'value' or 'first' in the definition");
                }
            } else {
                d.value = expr(v, "the value");
            }
            p.defines.push_back(std::move(d));
        }
    }

    ast::Rejection rejection(const YAML::Node& n) {
        ast::Rejection r;
        r.pos = pos(n);
        if (!expect_map(n, "a rejection {code, when, message}")) return r;
        check_keys(n, {"code", "label", "when", "message"}, "a rejection");
        r.code = require(n, "code", "the reason code", "the rejection").text;
        r.label = text(n, "label", "a label");
        r.message = text(n, "message", "a message");
        r.when = require_expr(n, "when", "the condition", "the rejection");
        return r;
    }

    ast::Band band(const YAML::Node& n) {
        ast::Band b;
        b.pos = pos(n);
        if (!expect_map(n, "a band {from, to, ratio}")) return b;
        check_keys(n, {"from", "to", "ratio"}, "a band");
        b.from = require_expr(n, "from", "the band's lower edge", "the band");
        b.to = expr(n["to"], "the band's upper edge");
        b.ratio = require_expr(n, "ratio", "the band's ratio", "the band");
        return b;
    }

    void load_bands(const YAML::Node& n, ast::Stage& s) {
        s.band_method = {};
        if (n.IsSequence()) {
            ast::BandChoice c;
            c.pos = pos(n);
            for (const auto& b : n) c.bands.push_back(band(b));
            s.band_choices.push_back(std::move(c));
            return;
        }
        if (!expect_map(n, "bands (a list, or {method, edges, choose | list})")) return;
        check_keys(n, {"method", "edges", "choose", "list"}, "bands");
        s.band_method = get(n, "method", "segmented or whole_amount");
        s.band_edges = get(n, "edges", "lower_inclusive or upper_inclusive");
        if (n["list"]) {
            if (n["choose"]) error(pos(n["choose"]), "expected either 'list' or 'choose', found both");
            if (expect_list(n["list"], "bands")) {
                ast::BandChoice c;
                c.pos = pos(n["list"]);
                for (const auto& b : n["list"]) c.bands.push_back(band(b));
                s.band_choices.push_back(std::move(c));
            }
        } else if (n["choose"]) {
            if (!expect_list(n["choose"], "band choices {when, bands}")) return;
            for (const auto& ch : n["choose"]) {
                if (!expect_map(ch, "a band choice {when, bands}")) continue;
                check_keys(ch, {"when", "bands"}, "a band choice");
                ast::BandChoice c;
                c.pos = pos(ch);
                c.when = expr(ch["when"], "the choice's condition");
                if (!ch["bands"]) error(c.pos, "missing key 'bands' in the band choice");
                else if (expect_list(ch["bands"], "bands"))
                    for (const auto& b : ch["bands"]) c.bands.push_back(band(b));
                s.band_choices.push_back(std::move(c));
            }
        } else {
            error(pos(n), "missing key 'list' or 'choose' in bands");
        }
    }

    void load_stage(const YAML::Node& n, ast::Policy& p) {
        ast::Stage s;
        s.pos = pos(n);
        if (!expect_map(n, "a stage")) return;
        check_keys(n, {"id", "label", "when", "base", "deductible", "bands", "adjustments", "clamp", "caps",
                       "reject", "update", "rounding"},
                   "a stage");
        s.id = require(n, "id", "the stage id", "the stage").text;
        s.label = text(n, "label", "a label");
        s.when = expr(n["when"], "the stage's condition");
        s.base = require_expr(n, "base", "the amount the stage pays on", "the stage");
        if (const auto d = n["deductible"]) {
            if (expect_map(d, "a deductible {amount, multipliers, cumulative}")) {
                check_keys(d, {"label", "amount", "multipliers", "cumulative"}, "a deductible");
                s.deductible.present = true;
                s.deductible.pos = pos(d);
                s.deductible.label = text(d, "label", "a label");
                s.deductible.amount = require_expr(d, "amount", "the deductible amount", "the deductible");
                s.deductible.cumulative = expr(d["cumulative"], "the accumulator the threshold is counted on");
                if (d["multipliers"] && expect_list(d["multipliers"], "multipliers")) {
                    for (const auto& m : d["multipliers"]) {
                        ast::Multiplier mu;
                        mu.pos = pos(m);
                        if (!expect_map(m, "a multiplier {when, ratio}")) continue;
                        check_keys(m, {"label", "when", "ratio"}, "a multiplier");
                        mu.label = text(m, "label", "a label");
                        mu.when = expr(m["when"], "the condition");
                        mu.ratio = require_expr(m, "ratio", "the multiplier", "the multiplier");
                        s.deductible.multipliers.push_back(std::move(mu));
                    }
                }
            }
        }
        if (const auto b = n["bands"]) load_bands(b, s);
        else error(s.pos, "missing key 'bands' (the stage's ratios) in the stage");
        if (const auto a = n["adjustments"]; a && expect_list(a, "ratio adjustments")) {
            for (const auto& x : a) {
                ast::Adjustment adj;
                adj.pos = pos(x);
                if (!expect_map(x, "an adjustment {when, add | set}")) continue;
                check_keys(x, {"label", "when", "add", "set"}, "an adjustment");
                adj.label = text(x, "label", "a label");
                adj.when = expr(x["when"], "the condition");
                adj.add = expr(x["add"], "the percentage points to add");
                adj.set = expr(x["set"], "the ratio to use instead");
                if (adj.add.src.present == adj.set.src.present)
                    error(adj.pos, "expected exactly one of 'add' or 'set' in the adjustment");
                s.adjustments.push_back(std::move(adj));
            }
        }
        if (const auto c = n["clamp"]; c && expect_list(c, "[low, high]")) {
            if (c.size() != 2) error(pos(c), fmt::format("expected [low, high], found {} values", c.size()));
            else {
                s.clamp_lo = expr(c[0], "the lowest ratio");
                s.clamp_hi = expr(c[1], "the highest ratio");
            }
        }
        if (const auto c = n["caps"]; c && expect_list(c, "caps")) {
            for (const auto& x : c) {
                ast::Cap cap;
                cap.pos = pos(x);
                if (!expect_map(x, "a cap {amount, used, when, unless}")) continue;
                check_keys(x, {"label", "amount", "used", "when", "unless"}, "a cap");
                cap.label = text(x, "label", "a label");
                cap.amount = require_expr(x, "amount", "the cap amount", "the cap");
                cap.used = expr(x["used"], "the amount already used (an accumulator)");
                cap.when = expr(x["when"], "the condition");
                cap.unless = expr(x["unless"], "the condition lifting the cap");
                s.caps.push_back(std::move(cap));
            }
        }
        if (const auto r = n["reject"]; r && expect_list(r, "stage rejections"))
            for (const auto& x : r) s.rejects.push_back(rejection(x));
        if (const auto u = n["update"]; u && expect_map(u, "accumulator updates (name: amount)")) {
            check_unique(u, "accumulator update");
            for (auto it = u.begin(); it != u.end(); ++it) {
                ast::Update up;
                up.acc = it->first.Scalar();
                up.pos = pos(it->first);
                up.value = expr(it->second, "the amount to add");
                s.updates.push_back(std::move(up));
            }
        }
        s.rounding = rounding(n["rounding"]);
        p.stages.push_back(std::move(s));
    }

    void load_outputs(const YAML::Node& n, ast::Policy& p) {
        if (!expect_map(n, "outputs (name: expression)")) return;
        check_unique(n, "output");
        for (auto it = n.begin(); it != n.end(); ++it) {
            ast::Output o;
            o.name = it->first.Scalar();
            o.pos = pos(it->first);
            const YAML::Node v = it->second;
            if (v.IsMap()) {
                check_keys(v, {"value", "label", "category"}, "an output");
                o.value = require_expr(v, "value", "the output's value", "the output");
                o.label = text(v, "label", "a label");
                o.category = get(v, "category", "an adjudication category");
            } else {
                o.value = expr(v, "the output's value");
            }
            p.outputs.push_back(std::move(o));
        }
    }

    void load(const YAML::Node& root, ast::Policy& p) {
        p.pos = pos(root);
        if (!root.IsMap()) {
            error(pos(root), fmt::format("expected a policy (a mapping with policy, claim, stages, outputs), found {}",
                                         kind_name(root)));
            return;
        }
        check_keys(root, {"claimgraph", "policy", "enums", "claim", "accumulators", "lines", "tables", "define",
                          "rejections", "stages", "outputs"},
                   "the policy file");
        const Scalar version = get(root, "claimgraph", "the language version");
        if (!version.present) error(pos(root), "missing key 'claimgraph: 1' (the language version) at the top");
        else if (version.text != "1")
            error(version.pos, fmt::format("expected language version 1, found '{}'", version.text));
        if (root["policy"]) load_policy_header(root["policy"], p);
        else error(pos(root), "missing key 'policy' (id, label, rounding) at the top");
        if (root["enums"]) load_enums(root["enums"], p);
        if (root["claim"]) load_claim(root["claim"], p);
        else error(pos(root), "missing key 'claim' (the claim schema) at the top");
        if (root["accumulators"]) load_accumulators(root["accumulators"], p);
        if (root["lines"]) load_lines(root["lines"], p);
        if (root["tables"]) load_tables(root["tables"], p);
        if (root["define"]) load_defines(root["define"], p);
        if (const auto r = root["rejections"]; r && expect_list(r, "rejections"))
            for (const auto& x : r) p.rejections.push_back(rejection(x));
        if (const auto s = root["stages"]) {
            if (expect_list(s, "stages, in settlement order"))
                for (const auto& x : s) load_stage(x, p);
        } else {
            error(pos(root), "missing key 'stages' at the top");
        }
        if (root["outputs"]) {
            p.outputs_malformed = !root["outputs"].IsMap();
            load_outputs(root["outputs"], p);
        }
        else error(pos(root), "missing key 'outputs' at the top");
    }

private:
    std::vector<std::string_view> lines_;
};

}  // namespace

ast::Policy load_policy(std::string_view text, const std::string& file_name, std::vector<Diagnostic>& diags) {
    auto file = std::make_shared<const std::string>(file_name);
    ast::Policy p;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        diags.push_back({SourcePos{file, e.mark.line + 1, e.mark.column + 1},
                         fmt::format("expected valid YAML: {}", e.msg)});
        return p;
    }
    Loader l(file, text, diags);
    try {
        l.load(root, p);
    } catch (const YAML::Exception& e) {
        // yaml-cpp throws on some malformed shapes (e.g. a key lookup on a scalar).
        diags.push_back({SourcePos{file, e.mark.line + 1, e.mark.column + 1}, fmt::format("malformed policy: {}", e.msg)});
    }
    return p;
}

}  // namespace claimgraph
