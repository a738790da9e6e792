// Renders a Trace for people (text, markdown) and machines (JSON): stage by
// stage, in the policy's own labels, with the arithmetic written out so that a
// claims officer can redo every figure by hand.
#include <fmt/format.h>

#include "claimgraph/trace.hpp"
#include "io/json_text.hpp"

namespace claimgraph {
namespace {

std::string g(Money m) { return format_money_grouped(m); }
std::string pct(Ratio r) { return format_ratio(r); }

// fen·bp → yuan with every digit that is not zero: 21,879.375
std::string exact_yuan(std::int64_t fen_bp, bool grouped) {
    const std::int64_t whole_fen = fen_bp / 10000, rest = fen_bp % 10000;
    std::string s = grouped ? g(Money::from_fen(whole_fen)) : format_money(Money::from_fen(whole_fen));
    if (rest != 0) {
        std::string frac = fmt::format("{:04}", rest);
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
        s += frac;
    }
    return s;
}

std::string where(const SourcePos& p) { return p.file ? fmt::format("{}:{}", *p.file, p.line) : std::string{}; }

const char* mode_name(RoundMode m) {
    switch (m) {
        case RoundMode::half_up: return "half-up";
        case RoundMode::half_even: return "half-even";
        case RoundMode::down: return "down";
    }
    return "?";
}
const char* unit_name(RoundUnit u) {
    switch (u) {
        case RoundUnit::fen: return "fen";
        case RoundUnit::jiao: return "jiao";
        case RoundUnit::yuan: return "yuan";
    }
    return "?";
}

std::string name_of(const std::string& label, const std::string& id) { return label.empty() ? id : label; }

std::string acc_value(const UpdateTrace& u, std::int64_t v) {
    return u.money ? g(Money::from_fen(v)) : std::to_string(v);
}

// ---------------------------------------------------------------- text / markdown

class Writer {
public:
    explicit Writer(bool md) : md_(md) {}
    std::string out;

    void heading(const std::string& h, int level) {
        if (md_) out += fmt::format("\n{} {}\n\n", std::string(static_cast<std::size_t>(level), '#'), h);
        else out += fmt::format("\n{}\n{}\n", h, std::string(h.size() > 60 ? 60 : h.size(), level == 1 ? '=' : '-'));
    }
    void line(const std::string& l) { out += (md_ ? "- " : "  ") + l + "\n"; }
    void para(const std::string& l) { out += l + "\n"; }
    bool md() const { return md_; }

private:
    bool md_;
};

void stage_text(Writer& w, const StageTrace& s) {
    const std::string title = fmt::format("{} [{}]", name_of(s.label, s.id), s.id);
    w.heading(s.pos.file ? fmt::format("{} ({})", title, where(s.pos)) : title, 2);
    if (!s.applies) {
        w.line(s.rejection.empty() ? "does not apply to this claim: pays 0.00"
                                   : fmt::format("refused ({}): pays 0.00", s.rejection));
        return;
    }
    w.line(s.base_text.empty() ? fmt::format("base = {}", g(s.base))
                               : fmt::format("base = {} = {}", s.base_text, g(s.base)));
    if (s.has_deductible) {
        std::string d = fmt::format("{} {}{}", name_of(s.deductible_label, "deductible"),
                                    s.nominal_text.empty() ? "" : s.nominal_text + " = ", g(s.nominal));
        bool multiplied = false;
        for (const auto& m : s.multipliers) {
            if (!m.applied) continue;
            d += fmt::format(" × {} ({})", pct(m.ratio), name_of(m.label, "multiplier"));
            multiplied = true;
        }
        if (multiplied) d += fmt::format(" = {} (rounded once)", g(s.deductible));
        if (s.deductible_pos.file) d += fmt::format("  [{}]", where(s.deductible_pos));
        w.line(d);
        if (s.cumulative) {
            const Money end = s.axis_before + s.base;
            w.line(fmt::format("cumulative on {}: {} before this claim; this claim covers [{}, {}); threshold {}",
                               s.axis, g(s.axis_before), g(s.axis_before), g(end), g(s.deductible)));
            w.line(fmt::format("part below the threshold = {}", g(s.deductible_applied)));
        } else {
            w.line(fmt::format("deductible applied = min({}, {}) = {}; above it: {}", g(s.base), g(s.deductible),
                               g(s.deductible_applied), g(s.base - s.deductible_applied)));
        }
    }
    for (const auto& a : s.adjustments)
        if (a.applied)
            w.line(fmt::format("ratio adjustment: {} {}{}  [{}]", name_of(a.label, "adjustment"),
                               a.replaces ? "ratio set to " : (a.value.bp() >= 0 ? "+" : ""), pct(a.value), where(a.pos)));
    if (s.choice < 0) {
        w.line("no band choice matches");
    } else {
        for (const auto& p : s.pieces) {
            const std::string range = fmt::format("[{}, {})", g(p.from), p.open ? std::string("∞") : g(p.to));
            std::string ratio = pct(p.ratio);
            if (p.base_ratio != p.ratio) ratio = fmt::format("{} (from {})", pct(p.ratio), pct(p.base_ratio));
            if (p.amount.fen() == 0) {
                w.line(fmt::format("band {} at {}: nothing of this claim falls here", range, ratio));
                continue;
            }
            w.line(fmt::format("band {} {} × {} = {}", range, g(p.amount), ratio, exact_yuan(p.exact, true)));
        }
    }
    w.line(fmt::format("{} sum {} → {} (rounded once, {} to the {})", s.method, exact_yuan(s.exact, true), g(s.raw),
                       mode_name(s.rounding.mode), unit_name(s.rounding.unit)));
    for (const auto& c : s.caps) {
        const std::string label = name_of(c.label, "cap");
        if (!c.applies) {
            w.line(fmt::format("{}: lifted for this claim", label));
            continue;
        }
        if (c.has_used)
            w.line(fmt::format("{} {} − used {} = room {}; pay min({}, {}) = {}  [{}]", label, g(c.cap), g(c.used),
                               g(c.room), g(c.pay_before), g(c.room), g(c.pay_after), where(c.pos)));
        else
            w.line(fmt::format("{} {}; pay min({}, {}) = {}  [{}]", label, g(c.cap), g(c.pay_before), g(c.cap),
                               g(c.pay_after), where(c.pos)));
    }
    w.line(w.md() ? fmt::format("**pay = {}**", g(s.pay)) : fmt::format("pay = {}", g(s.pay)));
    for (const auto& u : s.updates)
        w.line(fmt::format("update {}: {} + {} = {}", u.accumulator, acc_value(u, u.before), acc_value(u, u.delta),
                           acc_value(u, u.after)));
}

std::string render_text(const Trace& t, bool md) {
    Writer w(md);
    w.heading(fmt::format("Claim {} · member {} · {}", t.claim_id, t.member_id, t.date), 1);
    w.para(fmt::format("Policy {}{}", t.policy_id, t.policy_label.empty() ? "" : " — " + t.policy_label));
    w.para(fmt::format("Status: {}{}", t.status, t.message.empty() ? "" : " — " + t.message));
    if (!t.lines.empty()) {
        w.heading("Fee lines (费用明细)", 2);
        std::vector<std::string> names;
        for (const auto& [n, v] : t.lines.front().values) names.push_back(n);
        std::vector<Money> totals(names.size());
        Money total_amount;
        if (md) {
            w.para(fmt::format("| # | code | amount | {} |", fmt::join(names, " | ")));
            std::string sep = "|---|---|---:|";
            for (std::size_t i = 0; i < names.size(); ++i) sep += "---:|";
            w.para(sep);
        } else {
            std::string h = fmt::format("  {:>3}  {:<16} {:>14}", "#", "code", "amount");
            for (const auto& n : names) h += fmt::format(" {:>14}", n);
            w.para(h);
        }
        for (const auto& l : t.lines) {
            std::string row = md ? fmt::format("| {} | {} | {} |", l.index + 1, l.code, g(l.amount))
                                 : fmt::format("  {:>3}  {:<16} {:>14}", l.index + 1, l.code, g(l.amount));
            total_amount += l.amount;
            for (std::size_t i = 0; i < l.values.size(); ++i) {
                row += md ? fmt::format(" {} |", g(l.values[i].second)) : fmt::format(" {:>14}", g(l.values[i].second));
                totals[i] += l.values[i].second;
            }
            w.para(row);
        }
        std::string row = md ? fmt::format("| | **total** | **{}** |", g(total_amount))
                             : fmt::format("  {:>3}  {:<16} {:>14}", "", "total", g(total_amount));
        for (const auto& v : totals) row += md ? fmt::format(" **{}** |", g(v)) : fmt::format(" {:>14}", g(v));
        w.para(row);
    }
    if (!t.accumulators.empty()) {
        w.heading("Accumulators before this claim (年度累计)", 2);
        for (const auto& a : t.accumulators) w.line(fmt::format("{} = {}", a.accumulator, acc_value(a, a.before)));
    }
    for (const auto& s : t.stages) stage_text(w, s);
    if (!t.outputs.empty()) {
        w.heading("Outputs (结算结果)", 2);
        for (std::size_t i = 0; i < t.outputs.size(); ++i) {
            const auto& [n, v] = t.outputs[i];
            const std::string& rule = i < t.output_rules.size() ? t.output_rules[i] : std::string{};
            w.line(rule.empty() || rule == n ? fmt::format("{} = {}", n, g(v)) : fmt::format("{} = {} = {}", n, rule, g(v)));
        }
    }
    return w.out.substr(w.out.find_first_not_of('\n'));
}

// ---------------------------------------------------------------- JSON

std::string q(std::string_view s) {
    std::string o;
    detail::append_json_string(o, s);
    return o;
}
std::string m(Money v) { return q(format_money(v)); }
std::string pos(const SourcePos& p) { return p.file ? q(where(p)) : "null"; }
std::string b(bool v) { return v ? "true" : "false"; }

std::string render_json(const Trace& t) {
    std::string o = fmt::format("{{\"claim_id\":{},\"member_id\":{},\"date\":{},\"policy\":{},\"status\":{},\"message\":{}",
                                q(t.claim_id), q(t.member_id), q(t.date), q(t.policy_id), q(t.status), q(t.message));
    o += ",\"lines\":[";
    for (std::size_t i = 0; i < t.lines.size(); ++i) {
        const auto& l = t.lines[i];
        o += fmt::format("{}{{\"index\":{},\"code\":{},\"amount\":{}", i ? "," : "", l.index, q(l.code), m(l.amount));
        for (const auto& [n, v] : l.values) o += fmt::format(",{}:{}", q(n), m(v));
        o += "}";
    }
    o += "],\"accumulators\":[";
    for (std::size_t i = 0; i < t.accumulators.size(); ++i) {
        const auto& a = t.accumulators[i];
        auto val = [&](std::int64_t v) { return a.money ? m(Money::from_fen(v)) : std::to_string(v); };
        o += fmt::format("{}{{\"name\":{},\"before\":{},\"delta\":{},\"after\":{}}}", i ? "," : "", q(a.accumulator),
                         val(a.before), val(a.delta), val(a.after));
    }
    o += "],\"stages\":[";
    for (std::size_t i = 0; i < t.stages.size(); ++i) {
        const auto& s = t.stages[i];
        o += fmt::format("{}{{\"id\":{},\"label\":{},\"rule\":{},\"applies\":{},\"rejection\":{},\"base\":{}", i ? "," : "",
                         q(s.id), q(s.label), pos(s.pos), b(s.applies), s.rejection.empty() ? "null" : q(s.rejection),
                         m(s.base));
        if (s.has_deductible) {
            o += fmt::format(",\"deductible\":{{\"label\":{},\"rule\":{},\"nominal\":{},\"lookup\":{},\"multipliers\":[",
                             q(s.deductible_label), pos(s.deductible_pos), m(s.nominal), q(s.nominal_text));
            for (std::size_t k = 0; k < s.multipliers.size(); ++k) {
                const auto& mu = s.multipliers[k];
                o += fmt::format("{}{{\"label\":{},\"rule\":{},\"applied\":{},\"ratio_bp\":{}}}", k ? "," : "", q(mu.label),
                                 pos(mu.pos), b(mu.applied), mu.ratio.bp());
            }
            o += fmt::format("],\"amount\":{},\"cumulative\":{},\"axis\":{},\"axis_before\":{},\"applied\":{}}}",
                             m(s.deductible), b(s.cumulative), s.cumulative ? q(s.axis) : "null",
                             m(s.axis_before), m(s.deductible_applied));
        }
        o += fmt::format(",\"method\":{},\"choice\":{},\"adjustments\":[", q(s.method), s.choice);
        for (std::size_t k = 0; k < s.adjustments.size(); ++k) {
            const auto& a = s.adjustments[k];
            o += fmt::format("{}{{\"label\":{},\"rule\":{},\"applied\":{},\"{}\":{}}}", k ? "," : "", q(a.label), pos(a.pos),
                             b(a.applied), a.replaces ? "set_bp" : "add_bp", a.value.bp());
        }
        o += "],\"bands\":[";
        for (std::size_t k = 0; k < s.pieces.size(); ++k) {
            const auto& p = s.pieces[k];
            o += fmt::format("{}{{\"from\":{},\"to\":{},\"ratio_bp\":{},\"base_ratio_bp\":{},\"amount\":{},\"exact\":{}}}",
                             k ? "," : "", m(p.from), p.open ? "null" : m(p.to), p.ratio.bp(), p.base_ratio.bp(),
                             m(p.amount), q(exact_yuan(p.exact, false)));
        }
        o += fmt::format("],\"exact\":{},\"raw\":{},\"caps\":[", q(exact_yuan(s.exact, false)), m(s.raw));
        for (std::size_t k = 0; k < s.caps.size(); ++k) {
            const auto& c = s.caps[k];
            o += fmt::format("{}{{\"label\":{},\"rule\":{},\"applies\":{},\"cap\":{},\"used\":{},\"room\":{},"
                             "\"pay_before\":{},\"pay_after\":{}}}",
                             k ? "," : "", q(c.label), pos(c.pos), b(c.applies), m(c.cap),
                             c.has_used ? m(c.used) : "null", m(c.room), m(c.pay_before), m(c.pay_after));
        }
        o += fmt::format("],\"pay\":{},\"updates\":[", m(s.pay));
        for (std::size_t k = 0; k < s.updates.size(); ++k) {
            const auto& u = s.updates[k];
            auto val = [&](std::int64_t v) { return u.money ? m(Money::from_fen(v)) : std::to_string(v); };
            o += fmt::format("{}{{\"name\":{},\"before\":{},\"delta\":{},\"after\":{}}}", k ? "," : "", q(u.accumulator),
                             val(u.before), val(u.delta), val(u.after));
        }
        o += "]}";
    }
    o += "],\"outputs\":{";
    for (std::size_t i = 0; i < t.outputs.size(); ++i)
        o += fmt::format("{}{}:{}", i ? "," : "", q(t.outputs[i].first), m(t.outputs[i].second));
    o += "}}\n";
    return o;
}

}  // namespace

std::string explain(const Trace& t, ExplainFormat format) {
    switch (format) {
        case ExplainFormat::text: return render_text(t, false);
        case ExplainFormat::markdown: return render_text(t, true);
        case ExplainFormat::json: return render_json(t);
    }
    return {};
}

}  // namespace claimgraph
