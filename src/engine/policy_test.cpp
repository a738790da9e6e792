// Policy test files: load (YAML, positions kept), check against the policy,
// run each case on a fresh ledger, compare exactly, explain the first miss.
#include "claimgraph/policy_test.hpp"

#include <algorithm>
#include <exception>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "claimgraph/io.hpp"
#include "claimgraph/ledger.hpp"
#include "claimgraph/money.hpp"
#include "claimgraph/settle.hpp"
#include "claimgraph/trace.hpp"
#include "engine/program.hpp"
#include "io/json_text.hpp"
#include "policy/yaml_source.hpp"

namespace claimgraph {

const PolicyTestValue* PolicyTestValue::find(std::string_view key) const {
    if (kind != Kind::map) return nullptr;
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i] == key) return &items[i];
    return nullptr;
}

std::size_t PolicyTestFileResult::passed() const {
    return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [](const auto& c) { return c.passed; }));
}
std::size_t PolicyTestFileResult::failed() const { return cases.size() - passed(); }

namespace {

using detail::append_json_string;
using detail::is_json_number;

// ---------------------------------------------------------------------------
// Loading

std::string quote_for_message(std::string_view s) {
    if (s.size() > 40) return fmt::format("'{}...'", s.substr(0, 40));
    return fmt::format("'{}'", s);
}

class Loader : public detail::YamlSource {
public:
    using YamlSource::YamlSource;

    PolicyTestValue value(const YAML::Node& n) {
        PolicyTestValue v;
        v.pos = pos(n);
        switch (n.Type()) {
            case YAML::NodeType::Scalar:
                // yaml-cpp tags an untagged plain scalar "?" and a quoted one "!".
                v.kind = n.Tag() == "?" ? PolicyTestValue::Kind::plain : PolicyTestValue::Kind::quoted;
                v.text = n.Scalar();
                break;
            case YAML::NodeType::Sequence:
                v.kind = PolicyTestValue::Kind::list;
                for (const auto& el : n) v.items.push_back(value(el));
                break;
            case YAML::NodeType::Map:
                v.kind = PolicyTestValue::Kind::map;
                check_keys(n, {}, "a claim");
                for (auto it = n.begin(); it != n.end(); ++it) {
                    if (!it->first.IsScalar()) continue;
                    const std::string key = it->first.Scalar();
                    if (v.find(key)) continue;
                    v.keys.push_back(key);
                    v.items.push_back(value(it->second));
                }
                break;
            default: v.kind = PolicyTestValue::Kind::null; break;
        }
        return v;
    }

    void load(const YAML::Node& root, PolicyTestFile& out, const std::filesystem::path& base_dir) {
        if (!root.IsMap()) {
            error(pos(root), fmt::format("expected a policy test file (a mapping with policy and cases), found {}",
                                         kind_name(root)));
            return;
        }
        check_keys(root, {"policy", "defaults", "cases"}, "a policy test file");
        const YAML::Node policy = root["policy"];
        if (!policy) {
            error(pos(root), "expected a 'policy' key naming the policy file, found none");
        } else if (expect_scalar(policy, "the policy file")) {
            out.policy_pos = pos(policy);
            out.policy = base_dir / policy.Scalar();
        }
        PolicyTestValue defaults;
        defaults.kind = PolicyTestValue::Kind::map;
        if (const YAML::Node d = root["defaults"]; d && !d.IsNull()) {
            if (expect_map(d, "claim defaults")) defaults = value(d);
        }
        const YAML::Node cases = root["cases"];
        if (!cases) {
            error(pos(root), "expected a 'cases' list, found none");
            return;
        }
        if (!expect_list(cases, "the test cases")) return;
        if (cases.size() == 0) error(pos(cases), "expected at least one test case, found an empty list");
        for (const auto& c : cases) load_case(c, defaults, out);
    }

    void load_case(const YAML::Node& n, const PolicyTestValue& defaults, PolicyTestFile& out) {
        if (!expect_map(n, "a test case")) return;
        check_keys(n, {"name", "rule", "accumulators", "claims", "expect"}, "a test case");
        PolicyTestCase tc;
        tc.pos = pos(n);
        if (const YAML::Node name = n["name"]; !name) {
            error(pos(n), "expected a 'name' for the test case, found none");
        } else if (expect_scalar(name, "the case name")) {
            tc.name = name.Scalar();
        }
        if (const YAML::Node rule = n["rule"]; rule && expect_scalar(rule, "the rule tested (free text)"))
            tc.rule = rule.Scalar();

        if (const YAML::Node acc = n["accumulators"]; acc && !acc.IsNull() && expect_map(acc, "starting accumulators")) {
            check_keys(acc, {}, "starting accumulators");
            for (auto it = acc.begin(); it != acc.end(); ++it) {
                if (!it->first.IsScalar() || !expect_scalar(it->second, "an accumulator's starting value")) continue;
                tc.accumulators.push_back({it->first.Scalar(), it->second.Scalar(), pos(it->second)});
                tc.accumulators.back().pos = pos(it->first);
            }
        }

        std::set<std::string> ids;
        if (const YAML::Node claims = n["claims"]; !claims) {
            error(pos(n), "expected a 'claims' list in the test case, found none");
        } else if (expect_list(claims, "the case's claims")) {
            if (claims.size() == 0) error(pos(claims), "expected at least one claim, found an empty list");
            for (const auto& cl : claims) {
                if (!expect_map(cl, "a claim")) continue;
                PolicyTestClaim claim;
                claim.pos = pos(cl);
                claim.value = value(cl);
                // Defaults first would change the key order; merge afterwards: the claim's own keys win.
                for (std::size_t i = 0; i < defaults.keys.size(); ++i) {
                    if (claim.value.find(defaults.keys[i])) continue;
                    claim.value.keys.push_back(defaults.keys[i]);
                    claim.value.items.push_back(defaults.items[i]);
                }
                if (const PolicyTestValue* id = claim.value.find("claim_id"); id && (id->kind == PolicyTestValue::Kind::plain ||
                                                                                     id->kind == PolicyTestValue::Kind::quoted)) {
                    claim.claim_id = id->text;
                    if (!ids.insert(claim.claim_id).second)
                        error(id->pos, fmt::format("expected a claim_id unique in the case, found '{}' again", id->text));
                }
                tc.claims.push_back(std::move(claim));
            }
        }

        if (const YAML::Node expect = n["expect"]; !expect) {
            error(pos(n), "expected an 'expect' mapping (claim_id: {field: value}), found none: a case must check something");
        } else if (expect_map(expect, "expected results by claim_id")) {
            check_keys(expect, {}, "expected results");
            if (expect.size() == 0) error(pos(expect), "expected at least one claim's expected results, found none");
            for (auto it = expect.begin(); it != expect.end(); ++it) {
                if (!it->first.IsScalar()) continue;
                PolicyTestClaimExpect ce;
                ce.claim_id = it->first.Scalar();
                ce.pos = pos(it->first);
                if (!ids.count(ce.claim_id))
                    error(ce.pos, fmt::format("expected the claim_id of one of the case's claims, found '{}'", ce.claim_id));
                const YAML::Node fields = it->second;
                if (!expect_map(fields, "expected fields of the claim (field: value)")) continue;
                check_keys(fields, {}, "expected fields");
                if (fields.size() == 0)
                    error(pos(fields), fmt::format("expected at least one expected field for claim '{}', found none", ce.claim_id));
                for (auto f = fields.begin(); f != fields.end(); ++f) {
                    if (!f->first.IsScalar() || !expect_scalar(f->second, "an expected value")) continue;
                    ce.fields.push_back({f->first.Scalar(), f->second.Scalar(), pos(f->second), pos(f->first)});
                }
                tc.expect.push_back(std::move(ce));
            }
        }
        out.cases.push_back(std::move(tc));
    }
};

// ---------------------------------------------------------------------------
// YAML claim → JSON line

// `as_string`: the field is textual in the schema, so a plain `123` is the string "123".
void write_json(std::string& out, const PolicyTestValue& v, bool as_string) {
    using K = PolicyTestValue::Kind;
    switch (v.kind) {
        case K::null: out += "null"; return;
        case K::quoted: append_json_string(out, v.text); return;
        case K::plain:
            if (as_string) append_json_string(out, v.text);
            else if (v.text == "true" || v.text == "false") out += v.text;
            else if (v.text == "null" || v.text == "~" || v.text.empty()) out += "null";
            else if (is_json_number(v.text)) out += v.text;
            else append_json_string(out, v.text);
            return;
        case K::list:
            out += '[';
            for (std::size_t i = 0; i < v.items.size(); ++i) {
                if (i) out += ',';
                write_json(out, v.items[i], as_string);
            }
            out += ']';
            return;
        case K::map:
            out += '{';
            for (std::size_t i = 0; i < v.keys.size(); ++i) {
                if (i) out += ',';
                append_json_string(out, v.keys[i]);
                out += ':';
                write_json(out, v.items[i], as_string);
            }
            out += '}';
            return;
    }
}

bool textual(const FieldSpec& f) {
    return f.type == FieldType::string || f.type == FieldType::date || f.type == FieldType::enumeration ||
           f.type == FieldType::tags;
}

// Walks a decoder error field ("items[0].amount", "tags") to the value written.
const PolicyTestValue* locate(const PolicyTestValue& claim, std::string_view field) {
    const PolicyTestValue* v = &claim;
    while (!field.empty() && v) {
        const std::size_t stop = field.find_first_of(".[");
        const std::string_view key = field.substr(0, stop);
        if (!key.empty()) {
            const PolicyTestValue* next = v->find(key);
            if (!next) return v;
            v = next;
        }
        if (stop == std::string_view::npos) break;
        field.remove_prefix(stop);
        if (field[0] == '.') {
            field.remove_prefix(1);
        } else {  // [i]
            const std::size_t close = field.find(']');
            if (close == std::string_view::npos) break;
            const IntParse i = parse_int(field.substr(1, close - 1));
            if (!i || v->kind != PolicyTestValue::Kind::list || static_cast<std::size_t>(i.value) >= v->items.size())
                return v;
            v = &v->items[static_cast<std::size_t>(i.value)];
            field.remove_prefix(close + 1);
            if (!field.empty() && field[0] == '.') field.remove_prefix(1);
        }
    }
    return v;
}

// ---------------------------------------------------------------------------
// Expectations

enum class FieldKind { output, status, code, stage_money, stage_applied };
enum class StagePart { base, deductible, raw, pay, applied };

struct Resolved {
    FieldKind kind = FieldKind::output;
    std::size_t index = 0;  // output or stage index
    StagePart part = StagePart::pay;
    Money money;            // parsed expected money
    std::string expected;   // normalised expected text
};

std::string known_fields(const Graph& g) {
    std::string out;
    for (const auto& n : g.output_names()) out += n + ", ";
    out += "status, code, or <stage>.pay|deductible|base|raw|applied for stage ";
    for (std::size_t i = 0; i < g.stage_ids().size(); ++i) out += (i ? ", " : "") + g.stage_ids()[i];
    return out;
}

bool resolve(const Graph& g, const PolicyTestExpectation& e, Resolved& r, std::vector<Diagnostic>& diags) {
    auto money = [&]() {
        const MoneyParse m = parse_money(e.value);
        if (!m) {
            diags.push_back({e.pos, fmt::format("expected an amount in yuan for '{}' (at most two decimals), found {} ({})",
                                                e.field, quote_for_message(e.value), describe(m.status))});
            return false;
        }
        r.money = m.value;
        r.expected = format_money(m.value);
        return true;
    };
    const auto& outs = g.output_names();
    if (const auto it = std::find(outs.begin(), outs.end(), e.field); it != outs.end()) {
        r.kind = FieldKind::output;
        r.index = static_cast<std::size_t>(it - outs.begin());
        return money();
    }
    if (e.field == "status") {
        r.kind = FieldKind::status;
        if (e.value != "settled" && e.value != "rejected" && e.value != "error") {
            diags.push_back({e.pos, fmt::format("expected a status settled, rejected or error, found {}",
                                                quote_for_message(e.value))});
            return false;
        }
        r.expected = e.value;
        return true;
    }
    if (e.field == "code") {
        r.kind = FieldKind::code;
        r.expected = e.value;
        return true;
    }
    if (const std::size_t dot = e.field.find('.'); dot != std::string::npos) {
        const std::string stage = e.field.substr(0, dot), part = e.field.substr(dot + 1);
        const auto& ids = g.stage_ids();
        const auto it = std::find(ids.begin(), ids.end(), stage);
        if (it != ids.end()) {
            r.index = static_cast<std::size_t>(it - ids.begin());
            r.kind = FieldKind::stage_money;
            if (part == "pay") r.part = StagePart::pay;
            else if (part == "deductible") r.part = StagePart::deductible;
            else if (part == "base") r.part = StagePart::base;
            else if (part == "raw") r.part = StagePart::raw;
            else if (part == "applied") {
                r.kind = FieldKind::stage_applied;
                if (e.value != "true" && e.value != "false") {
                    diags.push_back({e.pos, fmt::format("expected true or false for '{}', found {}", e.field,
                                                        quote_for_message(e.value))});
                    return false;
                }
                r.expected = e.value;
                return true;
            } else {
                diags.push_back({e.key_pos, fmt::format("expected a stage result pay, deductible, base, raw or applied "
                                                    "after '{}.', found '{}'", stage, part)});
                return false;
            }
            return money();
        }
    }
    diags.push_back({e.key_pos, fmt::format("expected an output or result of policy {} ({}), found unknown field '{}'",
                                        g.policy_id(), known_fields(g), e.field)});
    return false;
}

const char* status_name(SettleStatus s) {
    switch (s) {
        case SettleStatus::settled: return "settled";
        case SettleStatus::rejected: return "rejected";
        case SettleStatus::error: return "error";
    }
    return "?";
}

std::string not_settled(const Settlement& s) {
    if (s.status == SettleStatus::rejected) return fmt::format("(rejected {}: {})", s.code, s.message);
    if (s.field.empty()) return fmt::format("(error: {})", s.message);
    return fmt::format("(error in {}: {})", s.field, s.message);
}

// Returns the actual text and whether it matches.
std::pair<std::string, bool> actual_of(const Settlement& s, const Resolved& r) {
    switch (r.kind) {
        case FieldKind::status: {
            const std::string a = status_name(s.status);
            return {s.status == SettleStatus::settled ? a : a + " " + not_settled(s), a == r.expected};
        }
        case FieldKind::code:
            return {s.code.empty() ? std::string("(none)") : s.code, s.code == r.expected};
        case FieldKind::output:
            if (s.status != SettleStatus::settled || r.index >= s.outputs.size()) return {not_settled(s), false};
            return {format_money(s.outputs[r.index]), s.outputs[r.index] == r.money};
        case FieldKind::stage_applied: {
            if (s.status != SettleStatus::settled || r.index >= s.stages.size()) return {not_settled(s), false};
            const std::string a = s.stages[r.index].applied ? "true" : "false";
            return {a, a == r.expected};
        }
        case FieldKind::stage_money: {
            if (s.status != SettleStatus::settled || r.index >= s.stages.size()) return {not_settled(s), false};
            const StageResult& st = s.stages[r.index];
            Money m;
            switch (r.part) {
                case StagePart::base: m = st.base; break;
                case StagePart::deductible: m = st.deductible; break;
                case StagePart::raw: m = st.raw; break;
                case StagePart::pay: m = st.pay; break;
                case StagePart::applied: break;
            }
            return {format_money(m), m == r.money};
        }
    }
    return {"?", false};
}

struct PreparedCase {
    std::vector<Claim> claims;                    // decoded, in file order
    std::vector<std::vector<Resolved>> expect;    // per claim (file order), parallel to expect fields
    std::vector<const PolicyTestClaimExpect*> expect_of;  // per claim, or nullptr
    std::vector<Cell> cells;                      // starting accumulators
    std::vector<std::int64_t> values;
    std::vector<std::string> members;             // storage for the cells' member views
};

}  // namespace

std::string policy_test_claim_json(const PolicyTestValue& claim, const Schema& schema) {
    std::string out;
    if (claim.kind != PolicyTestValue::Kind::map) {
        write_json(out, claim, false);
        return out;
    }
    out += '{';
    for (std::size_t i = 0; i < claim.keys.size(); ++i) {
        if (i) out += ',';
        const std::string& key = claim.keys[i];
        append_json_string(out, key);
        out += ':';
        const PolicyTestValue& v = claim.items[i];
        if (key == "claim_id" || key == "member_id" || key == "date") {
            write_json(out, v, true);
        } else if (key == "items" && v.kind == PolicyTestValue::Kind::list) {
            out += '[';
            for (std::size_t k = 0; k < v.items.size(); ++k) {
                if (k) out += ',';
                const PolicyTestValue& line = v.items[k];
                if (line.kind != PolicyTestValue::Kind::map) {
                    write_json(out, line, false);
                    continue;
                }
                out += '{';
                for (std::size_t j = 0; j < line.keys.size(); ++j) {
                    if (j) out += ',';
                    append_json_string(out, line.keys[j]);
                    out += ':';
                    const int f = schema.item_field(line.keys[j]);
                    write_json(out, line.items[j], f >= 0 && textual(schema.item_fields[static_cast<std::size_t>(f)]));
                }
                out += '}';
            }
            out += ']';
        } else {
            const int f = schema.claim_field(key);
            write_json(out, v, f >= 0 && textual(schema.claim_fields[static_cast<std::size_t>(f)]));
        }
    }
    out += '}';
    return out;
}

PolicyTestFile load_policy_test_text(std::string_view yaml, const std::string& file_name,
                                     const std::filesystem::path& base_dir) {
    auto file = std::make_shared<const std::string>(file_name);
    std::vector<Diagnostic> diags;
    PolicyTestFile out;
    out.file = file_name;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        diags.push_back({SourcePos{file, e.mark.line + 1, e.mark.column + 1}, fmt::format("expected valid YAML: {}", e.msg)});
        throw CompileError(std::move(diags));
    }
    Loader l(file, diags);
    try {
        l.load(root, out, base_dir);
    } catch (const YAML::Exception& e) {
        diags.push_back({SourcePos{file, e.mark.line + 1, e.mark.column + 1},
                         fmt::format("expected a well-formed policy test file: {}", e.msg)});
    }
    if (!diags.empty()) throw CompileError(std::move(diags));
    return out;
}

PolicyTestFile load_policy_test_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("cannot open policy test file {}", path.string()));
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw std::runtime_error(fmt::format("cannot read policy test file {}", path.string()));
    return load_policy_test_text(ss.str(), path.string(), path.parent_path());
}

PolicyTestFileResult run_policy_tests(const PolicyTestFile& tests, const Graph& g) {
    const detail::Program& prog = g.program();
    std::vector<Diagnostic> diags;
    std::vector<PreparedCase> prepared(tests.cases.size());

    // Check everything first: a test file that cannot run settles nothing.
    for (std::size_t ci = 0; ci < tests.cases.size(); ++ci) {
        const PolicyTestCase& tc = tests.cases[ci];
        PreparedCase& pc = prepared[ci];
        std::string text;
        for (const auto& cl : tc.claims) {
            text += policy_test_claim_json(cl.value, g.schema());
            text += '\n';
        }
        std::vector<ClaimRecord> records = read_claims_jsonl(g, text);
        bool all_ok = records.size() == tc.claims.size();
        for (std::size_t k = 0; k < records.size() && k < tc.claims.size(); ++k) {
            if (records[k].ok) continue;
            all_ok = false;
            const PolicyTestValue* at = locate(tc.claims[k].value, records[k].error_field);
            const std::string who = tc.claims[k].claim_id.empty() ? std::string("a claim") : "claim " + tc.claims[k].claim_id;
            diags.push_back({at ? at->pos : tc.claims[k].pos,
                             fmt::format("{} (in {}, field {})", records[k].error_message, who, records[k].error_field)});
        }
        if (all_ok)
            for (auto& r : records) pc.claims.push_back(std::move(r.claim));

        pc.expect.assign(tc.claims.size(), {});
        pc.expect_of.assign(tc.claims.size(), nullptr);
        for (const auto& ce : tc.expect) {
            std::size_t k = 0;
            while (k < tc.claims.size() && tc.claims[k].claim_id != ce.claim_id) ++k;
            if (k == tc.claims.size()) continue;  // reported at load
            pc.expect_of[k] = &ce;
            for (const auto& e : ce.fields) {
                Resolved r;
                resolve(g, e, r, diags);
                pc.expect[k].push_back(r);
            }
        }

        if (!tc.accumulators.empty() && !pc.claims.empty()) {
            const auto order = settlement_order(pc.claims);
            const Claim& first = pc.claims[order.front()];
            pc.members.push_back(first.member_id);
            const auto& names = g.accumulator_names();
            for (const auto& a : tc.accumulators) {
                const auto it = std::find(names.begin(), names.end(), a.name);
                if (it == names.end()) {
                    std::string list;
                    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
                    diags.push_back({a.pos, fmt::format("expected an accumulator of policy {} ({}), found unknown '{}'",
                                                        g.policy_id(), list, a.name)});
                    continue;
                }
                const std::size_t idx = static_cast<std::size_t>(it - names.begin());
                const auto& info = prog.accumulators[idx];
                std::int64_t v = 0;
                if (info.type == FieldType::money) {
                    const MoneyParse m = parse_money(a.value);
                    if (!m) {
                        diags.push_back({a.pos, fmt::format("expected an amount in yuan for accumulator '{}', found {} ({})",
                                                            a.name, quote_for_message(a.value), describe(m.status))});
                        continue;
                    }
                    v = m.value.fen();
                } else {
                    const IntParse n = parse_int(a.value);
                    if (!n) {
                        diags.push_back({a.pos, fmt::format("expected a whole number for accumulator '{}', found {}",
                                                            a.name, quote_for_message(a.value))});
                        continue;
                    }
                    v = n.value;
                }
                std::string_view key;
                if (info.key_field >= 0) {
                    const auto& f = g.schema().claim_fields[static_cast<std::size_t>(info.key_field)];
                    key = f.type == FieldType::string
                              ? std::string_view(first.texts[static_cast<std::size_t>(info.key_field)])
                              : std::string_view(g.schema().enums[static_cast<std::size_t>(f.enum_type)]
                                                     .values[static_cast<std::size_t>(first.fields[static_cast<std::size_t>(info.key_field)])]);
                }
                pc.cells.push_back(Cell{{}, static_cast<std::uint32_t>(idx), g.period_of(first, idx), key});
                pc.values.push_back(v);
            }
        }
    }
    if (!diags.empty()) throw CompileError(std::move(diags));

    PolicyTestFileResult result;
    result.file = tests.file;
    result.policy_id = g.policy_id();
    for (std::size_t ci = 0; ci < tests.cases.size(); ++ci) {
        const PolicyTestCase& tc = tests.cases[ci];
        PreparedCase& pc = prepared[ci];
        PolicyTestCaseResult cr;
        cr.name = tc.name;
        cr.rule = tc.rule;
        cr.pos = tc.pos;

        MemoryLedger ledger;
        if (!pc.cells.empty()) {
            for (auto& c : pc.cells) c.member = pc.members.front();
            ledger.add(pc.cells, pc.values);
        }
        Settlement s;
        Trace trace;
        for (const std::uint32_t k : settlement_order(pc.claims)) {
            const Claim& claim = pc.claims[k];
            try {
                g.settle(claim, ledger, s, trace);
            } catch (const std::exception& e) {
                s = Settlement{};
                s.claim_id = claim.claim_id;
                s.status = SettleStatus::error;
                s.message = e.what();
            }
            const PolicyTestClaimExpect* ce = pc.expect_of[k];
            if (!ce) continue;
            bool differs = false;
            for (std::size_t j = 0; j < ce->fields.size(); ++j) {
                const auto [actual, ok] = actual_of(s, pc.expect[k][j]);
                if (ok) continue;
                differs = true;
                cr.diffs.push_back({claim.claim_id, ce->fields[j].field, pc.expect[k][j].expected, actual, ce->fields[j].pos});
            }
            if (differs && cr.explain.empty()) {
                try {
                    cr.explain = explain(trace, ExplainFormat::text);
                } catch (const std::exception& e) {
                    cr.explain = fmt::format("(no explanation: {})", e.what());
                }
            }
        }
        cr.passed = cr.diffs.empty();
        result.cases.push_back(std::move(cr));
    }
    return result;
}

PolicyTestFileResult run_policy_test_file(const std::filesystem::path& path) {
    const PolicyTestFile tests = load_policy_test_file(path);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(tests.policy, ec))
        throw CompileError({Diagnostic{tests.policy_pos, fmt::format("expected a policy file, found no file {}",
                                                                     quote_for_message(tests.policy.string()))}});
    const Graph g = compile_policy_file(tests.policy);
    return run_policy_tests(tests, g);
}

std::vector<std::filesystem::path> find_policy_test_files(const std::vector<std::string>& paths) {
    namespace fs = std::filesystem;
    std::vector<fs::path> out;
    for (const auto& p : paths) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<fs::path> found;
            for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
                if (!it->is_regular_file(ec)) continue;
                const std::string name = it->path().filename().string();
                if (name.size() > 10 && name.ends_with(".test.yaml")) found.push_back(it->path());
            }
            if (ec) throw std::runtime_error(fmt::format("cannot read directory {}: {}", p, ec.message()));
            std::sort(found.begin(), found.end());
            out.insert(out.end(), found.begin(), found.end());
        } else if (fs::exists(p, ec)) {
            out.emplace_back(p);
        } else {
            throw std::runtime_error(fmt::format("no such test file or directory: {}", p));
        }
    }
    return out;
}

std::string format_policy_test_failure(const PolicyTestFileResult& file, const PolicyTestCaseResult& c) {
    std::string out = fmt::format("FAIL {}:{} {}\n", file.file, c.pos.line, c.name);
    if (!c.rule.empty()) out += fmt::format("  rule: {}\n", c.rule);
    for (const auto& d : c.diffs)
        out += fmt::format("  {} {}: expected {}, got {}\n", d.claim_id, d.field, d.expected, d.actual);
    if (!c.explain.empty()) {
        std::istringstream lines(c.explain);
        std::string line;
        while (std::getline(lines, line)) out += line.empty() ? std::string("\n") : fmt::format("    {}\n", line);
    }
    return out;
}

}  // namespace claimgraph
