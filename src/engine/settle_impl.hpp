// The evaluation loop, as a template over tracing: evaluate.cpp instantiates
// it without tracing, traced_settle.cpp with. Keeping the traced copy in its
// own file leaves the untraced one compiled exactly as in a build without
// tracing (CLAIMGRAPH_TRACING=OFF), which is what bench/ compares.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <span>
#include <type_traits>

#include <fmt/format.h>

#include "claimgraph/error.hpp"
#include "claimgraph/graph.hpp"
#include "engine/fast_program.hpp"
#include "engine/prefetch.hpp"
#include "engine/program.hpp"
#include "engine/run_op.hpp"

namespace claimgraph::detail {

// Runs the per-item program. With Tracing, each line's values are recorded;
// without it the branch disappears at compile time.
template <bool Tracing>
void run_lines(const Program& p, const Claim& c, std::int64_t* s, Trace* trace) {
    const std::size_t nf = p.schema.item_fields.size(), w = p.item_layout.width;
    const int* const column = p.item_layout.column.data();
    for (std::size_t i = 0; i < c.item_count; ++i) {
        const std::int64_t* v = c.items.data() + i * w;
        const std::uint8_t* pr = c.item_present.data() + i * nf;
        // Only the fields the line program reads are loaded (never a string: the checker refuses them).
        for (const std::int32_t f : p.line_reads) s[p.item_fields + f] = v[column[f]];
        for (const std::int32_t f : p.line_reads_present) s[p.item_present + f] = pr[f];
        for (const auto& op : p.line_ops) detail::run_op(p, op, s);
        for (const auto& sum : p.line_sums) s[sum.claim_slot] = detail::checked_add(s[sum.claim_slot], s[sum.line_slot]);
        if constexpr (Tracing) detail::trace_line(p, c, i, s, *trace);
    }
}

inline std::string where(const Program& p, std::int32_t node) {
    if (node < 0 || node >= static_cast<std::int32_t>(p.nodes.size())) return {};
    const auto& n = p.nodes[node];
    return fmt::format(" ({}{}{})", n.rule, n.pos.file ? " at " : "", n.pos.file ? n.pos.str() : "");
}

template <bool Tracing>
void run_reference(const Program& p, const Claim& c, std::int64_t* s, Settlement& out, Trace* trace) {
    std::int32_t at = -1;
    try {
        const detail::Op* ops = p.ops.data();
        const std::size_t n = p.ops.size();
        for (std::size_t i = 0; i < n; ++i) {
            const detail::Op& op = ops[i];
            at = op.node;
            if (op.code == detail::OpCode::lines) run_lines<Tracing>(p, c, s, trace);
            else if (op.code == detail::OpCode::skip_unless) {
                // The stage does not apply: its private ops would all produce 0,
                // which is what their slots already hold.
                if (!s[op.a]) i += static_cast<std::size_t>(op.n);
            } else {
                detail::run_op(p, op, s);
            }
        }
    } catch (const detail::EvalFailure& f) {
        out.status = SettleStatus::error;
        out.message = f.message + where(p, f.node);
    } catch (const OverflowError& e) {
        out.status = SettleStatus::error;
        out.message = fmt::format("{}{}: amounts too large to settle exactly", e.what(), where(p, at));
    }
}

// A batch's claims are far apart in memory and rarely in cache; each of a
// claim's arrays is its own allocation, found only through the claim. Asking
// for all of them at once costs one memory round trip instead of one per
// array, and the ledger lookup runs while they arrive.
inline void prefetch_claim(const Claim& c) {
    // Every line of every array: the fee lines are most of a claim, and
    // asking for only their first lines (leaving the rest to the hardware
    // prefetcher) measured 20-30% slower in BM_EngineSettle.
    prefetch_lines(c.fields.data(), c.fields.size() * sizeof(std::int64_t));
    prefetch_lines(c.present.data(), c.present.size());
    prefetch_lines(c.items.data(), c.items.size() * sizeof(std::int64_t));
    // The presence flags of a claim's lines: its first and last byte, without
    // a loop. Most claims' flags are one or two cache lines (a byte a field),
    // and a second loop of varying length mispredicted its exit on most claims.
    if (const std::size_t n = c.item_present.size(); n != 0) {
        __builtin_prefetch(c.item_present.data());
        __builtin_prefetch(c.item_present.data() + n - 1);
    }
}

// The period (the year it starts in) of a date, for periods starting on
// `start` (month × 32 + day) each year. The claims of a batch nearly all fall
// in one of the last two periods seen (a member's claims, in date order, may
// cross a year), so a thread remembers those two periods' first and last
// days and computes a civil date only for a claim outside both.
inline std::int32_t period_of(std::int32_t days, std::uint32_t start) {
    struct Memo {
        std::uint32_t start = 0;  // 0: nothing remembered
        std::int32_t first = 0, end = 0, period = 0;
        bool has(std::int32_t d, std::uint32_t st) const { return d >= first && d < end && st == start; }
    };
    thread_local Memo memo[2];
    if (memo[0].has(days, start)) return memo[0].period;
    if (memo[1].has(days, start)) return memo[1].period;
    using namespace std::chrono;
    const year_month_day ymd{sys_days{std::chrono::days{days}}};
    const int y = static_cast<int>(ymd.year());
    const std::int32_t period = y - (static_cast<unsigned>(ymd.month()) * 32 + static_cast<unsigned>(ymd.day()) < start);
    // The period is [its start in `period`, its start in period + 1); a start
    // that is no date of some year (29 February) is not remembered.
    const auto on = [&](int yr) { return year_month_day{year{yr}, month{start / 32}, day{start % 32}}; };
    if (on(period).ok() && on(period + 1).ok()) {
        memo[1] = memo[0];
        memo[0] = Memo{start, static_cast<std::int32_t>(sys_days{on(period)}.time_since_epoch().count()),
                       static_cast<std::int32_t>(sys_days{on(period + 1)}.time_since_epoch().count()), period};
    }
    return period;
}

// Whether the claim's arrays have the sizes the policy's schema gives them.
inline bool fits_schema(const Program& p, const Claim& c) {
    const std::size_t nf = p.schema.claim_fields.size();
    return c.fields.size() == nf && c.present.size() == nf &&
           c.items.size() == c.item_count * p.item_layout.width &&
           c.item_present.size() == c.item_count * p.schema.item_fields.size();
}

// A claim that stops early reports zeroed results (a settled claim
// overwrites every output and stage field instead).
inline void zero_results(const Program& p, Settlement& out) {
    out.outputs.assign(p.outputs.size(), Money{});
    out.stages.assign(p.stages.size(), StageResult{});
}

// The first of the policy's rejections whose condition holds, reported; or
// false, when none does.
inline bool rejected(const Program& p, const std::int64_t* s, Settlement& out) {
    for (const auto& r : p.rejections) {
        if (s[r.cond]) {
            zero_results(p, out);
            out.status = SettleStatus::rejected;
            out.code = r.code;
            out.message = r.message.empty() ? r.label : r.message;
            return true;
        }
    }
    return false;
}

// Stage i's rejection: the first of its rejects whose condition holds.
inline void stage_rejection(const Program& p, const std::int64_t* s, std::size_t i, StageResult& r) {
    r.rejection.clear();
    for (const auto& rj : p.stages[i].rejects)
        if (s[rj.cond]) {
            r.rejection = rj.code;
            break;
        }
}

// The first negative delta, reported as the error it is; or false, when
// there is none.
inline bool negative_delta(const Program& p, const std::int64_t* dv, Settlement& out) {
    for (std::size_t i = 0; i < p.accumulators.size(); ++i)
        if (dv[i] < 0) {
            out.status = SettleStatus::error;
            out.field = p.accumulators[i].name;
            out.message = fmt::format("the update of accumulator '{}' is negative ({}): accumulators only grow",
                                      p.accumulators[i].name, dv[i]);
            return true;
        }
    return false;
}

// What every path does first: the claim's arrays asked for, and the result
// made a settled one of this claim with no code or message.
inline void start_result(const Claim& c, Settlement& out) {
    prefetch_claim(c);
    out.claim_id = c.claim_id;
    out.status = SettleStatus::settled;
    out.code.clear();
    out.message.clear();
    out.field.clear();
}

// Settles a claim along any path (settle_direct takes the common one).
// `read`: the member's accumulator values, already read from the ledger by
// settle_direct, whose claim shape failed; the claim then runs the
// reference loop, as it would have after the shape.
template <bool Tracing>
void settle_all(const Program& p, const Claim& c, Ledger& ledger, Settlement& out, Trace* trace,
                const std::int64_t* read) {
    start_result(c, out);
    if constexpr (Tracing) detail::trace_begin(p, c, *trace);

    const std::size_t nf = p.schema.claim_fields.size();
    if (!fits_schema(p, c)) {
        zero_results(p, out);
        out.status = SettleStatus::error;
        out.message = "the claim was not built for this policy's schema";
        if constexpr (Tracing) detail::trace_end(p, nullptr, out, {}, {}, *trace);
        return;
    }

    thread_local std::vector<std::int64_t> slots;
    thread_local std::vector<Cell> cells;
    thread_local std::vector<std::int64_t> accv;
    const std::size_t na = p.accumulators.size();
    accv.resize(na);
    const std::string_view member = c.member_id;
    const AccumulatorInfo* const acc = p.accumulators.data();
    const auto key_of = [&](int field) {
        const auto& f = p.schema.claim_fields[field];
        return f.type == FieldType::string ? std::string_view(c.texts[field])
                                           : std::string_view(p.schema.enums[f.enum_type].values[c.fields[field]]);
    };
    // Packed (FastProgram::accs) when it can be: this loop runs for every claim.
    const FastProgram::Acc* const fa = p.fast && p.fast->accs.size() == na ? p.fast->accs.data() : nullptr;
    // Unkeyed accumulators of one period start: the ledger is asked for the
    // member's period, not for cells (Ledger::read_period).
    const bool by_period = fa && p.fast->one_period;
    const std::int32_t period = by_period ? period_of(c.date.days, fa[0].start) : 0;
    if (!by_period) cells.resize(na);
    Cell* const cl = cells.data();
    // The fast form's slot array, per thread (see below); with unkeyed
    // accumulators of one period in consecutive slots, the ledger reads
    // straight into it.
    std::int64_t* fsv = nullptr;
    if constexpr (!Tracing) {
        if (p.fast && p.fast->claim_ok && !read) {
            const FastProgram& f = *p.fast;
            thread_local struct {
                std::uint64_t id = 0;
                std::vector<std::int64_t> v;
            } fs;
            if (fs.id != f.id) {
                fs.v.assign(p.slot_init.begin(), p.slot_init.end());
                fs.v.resize(static_cast<std::size_t>(f.slots), 0);
                fs.id = f.id;
            } else {
                for (const std::int32_t k : f.reset) fs.v[static_cast<std::size_t>(k)] = p.slot_init[static_cast<std::size_t>(k)];
            }
            fsv = fs.v.data();
        }
    }
    const bool direct = fsv && by_period && p.fast->acc_first >= 0;
    if (read) {
        std::copy(read, read + na, accv.data());
    } else if (direct) {
        ledger.read_period(member, period, std::span<std::int64_t>(fsv + p.fast->acc_first, na));
    } else if (by_period) {
        ledger.read_period(member, period, accv);
    } else {
        // The claim's civil date once, not once per accumulator (nor once per part).
        const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{c.date.days}}};
        const int year = static_cast<int>(ymd.year());
        const unsigned month = static_cast<unsigned>(ymd.month()), day = static_cast<unsigned>(ymd.day());
        const std::uint32_t md = month * 32 + day;
        for (std::size_t i = 0; i < na; ++i) {
            const auto& a = acc[i];
            const std::int32_t key = a.key_field;
            cl[i] = Cell{member, static_cast<std::uint32_t>(i),
                         fa ? year - (md < fa[i].start) : period_start_year(a, year, month, day),
                         key >= 0 ? key_of(key) : std::string_view{}};
        }
    }
    if (!by_period) ledger.read_claim(cells, accv);
    const auto load = [&] {
        slots.assign(p.slot_init.begin(), p.slot_init.end());
        std::int64_t* s = slots.data();
        for (std::size_t i = 0; i < nf; ++i) {
            s[p.claim_fields + i] = c.fields[i];
            s[p.claim_present + i] = c.present[i];
        }
        s[p.claim_date] = c.date.days;
        for (std::size_t i = 0; i < na; ++i) s[p.accumulators[i].slot] = accv[i];
        return s;
    };
    std::int64_t* s = nullptr;

    const std::size_t no = p.outputs.size(), ns = p.stages.size();
    thread_local std::vector<std::int64_t> deltas;
    deltas.resize(na);
    std::int64_t* const dv = deltas.data();
    bool done = false;
    bool shaped = false;  // a claim shape settled it and wrote the results (ShapeResults)
    bool negative = false;  // some delta is negative
    if constexpr (!Tracing) {
        // The fast form either settles the claim or leaves it to the reference
        // loop below, from fresh slots (fast_program.hpp). It runs in a slot
        // array of its own per thread: constants are copied in once per
        // program, and a claim resets only the slots the fast form can read
        // before writing (FastProgram::reset) and loads its inputs.
        if (fsv) {
            const FastProgram& f = *p.fast;
            const std::int64_t* const fields = c.fields.data();
            const std::uint8_t* const present = c.present.data();
            std::int64_t* const sf = fsv + p.claim_fields;
            std::int64_t* const sp = fsv + p.claim_present;
            // The fields in one block copy (cheaper than picking out the ones
            // read); the presence flags widen one by one, so only the ones
            // something reads (FastProgram::claim_reads_present).
            if (nf != 0) std::memcpy(sf, fields, nf * sizeof(std::int64_t));  // no fields: data() may be null
            for (const std::int32_t i : f.claim_reads_present) sp[i] = present[i];
            fsv[p.claim_date] = c.date.days;
            const std::int64_t* const av = accv.data();
            if (!direct) {  // else the ledger has read them into their slots
                if (fa) for (std::size_t i = 0; i < na; ++i) fsv[fa[i].slot] = av[i];
                else for (std::size_t i = 0; i < na; ++i) fsv[acc[i].slot] = av[i];
            }
            if (f.claim_shape >= 0) {
                out.outputs.resize(no);
                out.stages.resize(ns);
                ShapeResults r{out.outputs.data(), out.stages.data(), dv};
                done = shaped = run_claim_shape(p, f, c, fsv, r);
                negative = r.negative;
            } else {
                done = run_fast(p, f, c, fsv);
            }
            if (done) s = fsv;
            // The reference (and the ledger's update) need the values read.
            else if (direct) std::copy(fsv + f.acc_first, fsv + f.acc_first + na, accv.data());
        }
    }
    if (!done) {
        s = load();
        run_reference<Tracing>(p, c, s, out, trace);
    }
    if (out.status == SettleStatus::error) {
        zero_results(p, out);
        if constexpr (Tracing) detail::trace_end(p, nullptr, out, accv, {}, *trace);
        return;
    }

    if (rejected(p, s, out)) {
        if constexpr (Tracing) detail::trace_end(p, s, out, accv, {}, *trace);
        return;
    }
    if (!shaped) {  // else sized before the shape wrote them
        out.outputs.resize(no);
        out.stages.resize(ns);
    }
    const StageInfo* const stages = p.stages.data();
    StageResult* const sr = out.stages.data();
    if (shaped) {
        // The shape wrote the outputs and stage results, but not a stage's rejection.
        if (p.fast->stage_slots.empty())
            for (std::size_t i = 0; i < ns; ++i) stage_rejection(p, s, i, sr[i]);
    } else {
        Money* const o = out.outputs.data();
        if (p.fast && p.fast->outputs.size() == no) {
            const std::int32_t* const os = p.fast->outputs.data();
#pragma GCC unroll 4
            for (std::size_t i = 0; i < no; ++i) o[i] = Money::from_fen(s[os[i]]);
        } else {
            for (std::size_t i = 0; i < no; ++i) o[i] = Money::from_fen(s[p.outputs[i].slot]);
        }
        if (p.fast && p.fast->stage_slots.size() == 5 * ns) {
            // No stage has rejections: its slots, packed.
            const std::int32_t* k = p.fast->stage_slots.data();
            for (std::size_t i = 0; i < ns; ++i, k += 5) {
                auto& r = sr[i];
                r.applied = s[k[0]] != 0;
                r.base = Money::from_fen(s[k[1]]);
                r.deductible = Money::from_fen(s[k[2]]);
                r.raw = Money::from_fen(s[k[3]]);
                r.pay = Money::from_fen(s[k[4]]);
                if (!r.rejection.empty()) r.rejection.clear();
            }
        } else for (std::size_t i = 0; i < ns; ++i) {
            const auto& st = stages[i];
            auto& r = sr[i];
            r.applied = s[st.applies] != 0;
            r.base = Money::from_fen(s[st.base]);
            r.deductible = Money::from_fen(s[st.deductible]);
            r.raw = Money::from_fen(s[st.raw]);
            r.pay = Money::from_fen(s[st.pay]);
            stage_rejection(p, s, i, r);
        }
    }
    // Packed (FastProgram::delta_slots, one per accumulator) when there is a fast form.
    const std::int32_t* const ds = p.fast ? p.fast->delta_slots.data() : nullptr;
    if (!shaped) {  // else the shape has written them, and `negative`
        for (std::size_t i = 0; i < na; ++i) {
            const std::int64_t d = s[ds ? ds[i] : acc[i].delta];
            dv[i] = d;
            negative |= d < 0;
        }
    }
    if (negative && negative_delta(p, dv, out)) {
        if constexpr (Tracing) detail::trace_end(p, s, out, accv, {}, *trace);
        return;
    }
    if constexpr (Tracing) detail::trace_end(p, s, out, accv, deltas, *trace);
    if (by_period) ledger.add_period(member, period, deltas);
    else ledger.add_claim(cells, deltas);
}

// settle_all's path for a program whose choices are all made
// (FastProgram::direct) and a claim that fits its schema: only what a
// claim costs, nothing a program decides. The claim shape runs in a slot
// array of its own per thread, into which the ledger reads the member's
// period; if the shape fails, settle_all takes over with the values read.
inline void settle_direct(const Program& p, const FastProgram& f, const Claim& c, Ledger& ledger, Settlement& out) {
    start_result(c, out);
    const std::size_t na = p.accumulators.size();
    // As settle_all's fast slot array: constants copied in once per
    // program, FastProgram::reset between claims.
    thread_local struct {
        std::uint64_t id = 0;
        std::vector<std::int64_t> v, deltas;
    } t;
    if (t.id != f.id) {
        t.v.assign(p.slot_init.begin(), p.slot_init.end());
        t.v.resize(static_cast<std::size_t>(f.slots), 0);
        t.deltas.assign(na, 0);
        t.id = f.id;
    } else {
        for (const std::int32_t k : f.reset) t.v[static_cast<std::size_t>(k)] = p.slot_init[static_cast<std::size_t>(k)];
    }
    std::int64_t* const s = t.v.data();
    const std::string_view member = c.member_id;
    const std::int32_t period = period_of(c.date.days, f.accs[0].start);
    ledger.read_period(member, period, std::span<std::int64_t>(s + f.acc_first, na));
    // The fields in one block copy, the presence flags read (settle_all).
    if (const std::size_t nf = c.fields.size(); nf != 0)
        std::memcpy(s + p.claim_fields, c.fields.data(), nf * sizeof(std::int64_t));
    std::int64_t* const sp = s + p.claim_present;
    const std::uint8_t* const present = c.present.data();
    for (const std::int32_t i : f.claim_reads_present) sp[i] = present[i];
    s[p.claim_date] = c.date.days;
    out.outputs.resize(p.outputs.size());
    out.stages.resize(p.stages.size());
    ShapeResults r{out.outputs.data(), out.stages.data(), t.deltas.data()};
    if (!run_claim_shape(p, f, c, s, r)) {
        settle_all<false>(p, c, ledger, out, nullptr, s + f.acc_first);
        return;
    }
    if (rejected(p, s, out)) return;
    // The shape wrote the outputs and stage results, but not a stage's rejection.
    if (f.stage_slots.empty())
        for (std::size_t i = 0; i < p.stages.size(); ++i) stage_rejection(p, s, i, out.stages[i]);
    if (r.negative && negative_delta(p, t.deltas.data(), out)) return;
    ledger.add_period(member, period, t.deltas);
}

template <bool Tracing>
void settle_impl(const Program& p, const Claim& c, Ledger& ledger, Settlement& out, Trace* trace) {
    if constexpr (!Tracing) {
        if (p.fast && p.fast->direct && fits_schema(p, c)) {
            settle_direct(p, *p.fast, c, ledger, out);
            return;
        }
    }
    settle_all<Tracing>(p, c, ledger, out, trace, nullptr);
}

}  // namespace claimgraph::detail
