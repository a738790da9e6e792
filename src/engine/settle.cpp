// Batch settlement. Each member's claims are settled in (date, claim_id) order
// so that year-to-date accumulators see them in time order; the results come
// back in input order whatever that order was. Only an index is sorted:
// claims are never copied or moved.

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "claimgraph/error.hpp"
#include "claimgraph/io.hpp"
#include "claimgraph/settle.hpp"
#include "engine/batch_rows.hpp"
#include "engine/key_hash.hpp"

namespace claimgraph {

namespace {

bool settles_before(const Claim& x, const Claim& y) {
    // std::string_view compares bytes as unsigned char (char_traits<char>::lt).
    if (const int c = std::string_view(x.member_id).compare(y.member_id); c != 0) return c < 0;
    if (x.date != y.date) return x.date < y.date;
    return std::string_view(x.claim_id).compare(y.claim_id) < 0;
}

// Indices of the claims `get(i)` returns (nullptr: skipped), in settlement order.
template <class Get>
std::vector<std::uint32_t> order_of(std::size_t n, Get get) {
    if (n > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("too many claims in one batch");
    std::vector<std::uint32_t> idx;
    idx.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (get(i) != nullptr) idx.push_back(static_cast<std::uint32_t>(i));
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return settles_before(*get(a), *get(b)); });
    return idx;
}

// The order the batch paths settle in: each member's claims by (date,
// claim_id), ties in input order, as settlement_order; but members by a
// 64-bit hash of their id rather than by the id, so the sort compares 16-byte
// keys and reads the claims only on a tie of member and date. Members are
// independent, so their order changes no result. Two members with the same
// hash are taken as one: their claims interleave by date, and each member's
// claims are still in its own order.
struct BatchKey {
    std::uint64_t member;
    std::int32_t date;
    std::uint32_t index;
};

template <class Get>
std::vector<BatchKey> batch_order(std::size_t n, Get get) {
    if (n > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("too many claims in one batch");
    std::vector<BatchKey> keys;
    keys.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (const Claim* c = get(i))
            keys.push_back({detail::key_hash(c->member_id), c->date.days, static_cast<std::uint32_t>(i)});
    std::sort(keys.begin(), keys.end(), [&](const BatchKey& a, const BatchKey& b) {
        if (a.member != b.member) return a.member < b.member;
        if (a.date != b.date) return a.date < b.date;
        if (const int c = std::string_view(get(a.index)->claim_id).compare(get(b.index)->claim_id); c != 0) return c < 0;
        return a.index < b.index;
    });
    return keys;
}

// For each claim, the index of an earlier claim (in input order) with the same
// claim_id, or -1. A claim id must be settled once, never double-counted.
template <class Get>
std::vector<std::int64_t> earlier_duplicates(std::size_t n, Get get) {
    std::vector<std::int64_t> dup(n, -1);
    std::unordered_map<std::string_view, std::size_t> first;
    first.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Claim* c = get(i);
        if (c == nullptr) continue;
        const auto [it, inserted] = first.emplace(c->claim_id, i);
        if (!inserted) dup[i] = static_cast<std::int64_t>(it->second);
    }
    return dup;
}

std::string duplicate_message(const Claim& first) {
    if (first.line > 0) return fmt::format("duplicate claim_id: already settled from line {}", first.line);
    return "duplicate claim_id: already settled in this batch";
}

}  // namespace

namespace detail {

void set_error(Settlement& out, const Claim& c, std::string field, std::string message) {
    out.claim_id.assign(c.claim_id);
    out.status = SettleStatus::error;
    out.outputs.clear();
    out.stages.clear();
    out.code.clear();
    out.field = std::move(field);
    out.message = std::move(message);
}

// Settles one claim into `out`; a throw becomes an error status, never a crash.
void settle_one(const Graph& g, const Claim& c, Ledger& ledger, Settlement& out, const Claim* next) {
    out.claim_id.assign(c.claim_id);
    try {
        g.settle(c, ledger, out, next);
        if (out.claim_id.empty()) out.claim_id.assign(c.claim_id);
    } catch (const ClaimError& e) {
        set_error(out, c, e.field(), e.what());
    } catch (const OverflowError& e) {
        set_error(out, c, "", fmt::format("cannot settle: {}", e.what()));
    } catch (const std::exception& e) {
        set_error(out, c, "", fmt::format("cannot settle: {}", e.what()));
    }
}

void reserve_ledgers(const Graph& g, std::span<Ledger* const> ledgers, std::span<const std::size_t> members,
                     std::int32_t first_date, std::int32_t last_date) {
    if (first_date > last_date) return;  // no claim's date is known
    // Four years at most: a longer span is rare, and its members grow as before.
    const int years = std::clamp(Date{last_date}.year() - Date{first_date}.year() + 1, 1, 4);
    const std::size_t cells = g.accumulator_names().size() * static_cast<std::size_t>(years);
    for (std::size_t w = 0; w < ledgers.size() && w < members.size(); ++w)
        if (auto* memory = dynamic_cast<MemoryLedger*>(ledgers[w])) memory->reserve(members[w], cells);
}

}  // namespace detail

std::vector<std::uint32_t> settlement_order(const std::vector<Claim>& claims) {
    return order_of(claims.size(), [&](std::size_t i) -> const Claim* { return &claims[i]; });
}

std::vector<Settlement> settle_batch(const Graph& g, const std::vector<Claim>& claims, Ledger& ledger) {
    auto get = [&](std::size_t i) -> const Claim* { return &claims[i]; };
    const auto order = batch_order(claims.size(), get);
    const auto dup = earlier_duplicates(claims.size(), get);
    std::vector<Settlement> results(claims.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        const std::uint32_t i = order[k].index;
        if (dup[i] >= 0)
            detail::set_error(results[i], claims[i], "claim_id", duplicate_message(claims[static_cast<std::size_t>(dup[i])]));
        else
            detail::settle_one(g, claims[i], ledger, results[i], k + 1 < order.size() ? &claims[order[k + 1].index] : nullptr);
    }
    return results;
}

std::string settle_records(const Graph& g, const std::vector<ClaimRecord>& records, Ledger& ledger,
                           BatchCounts& counts, const ResultFormat& format) {
    Ledger* one[] = {&ledger};
    return settle_records(g, records, one, counts, format);
}

std::string settle_records(const Graph& g, const std::vector<ClaimRecord>& records, std::span<Ledger* const> ledgers,
                           BatchCounts& counts, const ResultFormat& format) {
    if (ledgers.empty()) throw std::invalid_argument("settle_records: at least one ledger is needed");
    counts = {};
    const std::size_t n = records.size();
    const std::size_t workers = ledgers.size();
    auto get = [&](std::size_t i) -> const Claim* { return records[i].ok ? &records[i].claim : nullptr; };
    const auto dup = earlier_duplicates(n, get);
    // A member's claims all go to one worker (dealt by the hash the order
    // already holds), so its accumulators stay in one ledger and are read in
    // settlement order; workers share nothing else. Each worker's claims in
    // settlement order, so that each knows the next.
    std::vector<std::vector<std::uint32_t>> todo(workers);
    {
        const auto order = batch_order(n, get);
        for (auto& t : todo) t.reserve(order.size() / workers + 1);
        std::vector<std::size_t> members(workers, 0);
        std::int32_t first_date = INT32_MAX, last_date = INT32_MIN;
        for (std::size_t k = 0; k < order.size(); ++k) {
            const BatchKey& key = order[k];
            todo[key.member % workers].push_back(key.index);
            members[key.member % workers] += k == 0 || order[k - 1].member != key.member;
            first_date = std::min(first_date, key.date);
            last_date = std::max(last_date, key.date);
        }
        detail::reserve_ledgers(g, ledgers, members, first_date, last_date);
    }

    // Each worker writes its rows into its own buffer in settlement order; the
    // rows are then copied out in input order. One reused Settlement per worker.
    std::vector<std::string> bodies(workers);
    std::vector<BatchCounts> worker_counts(workers);
    std::vector<detail::RowSpan> span(n);
    const std::size_t row_guess = 320 + (format.detail ? g.stage_ids().size() * 200 : 0);
    for (auto& b : bodies) b.reserve(n / workers * row_guess);

    for (std::size_t i = 0; i < n; ++i) {
        if (records[i].ok) continue;
        const std::size_t at = bodies[0].size();
        write_error(g, records[i], format, bodies[0]);
        span[i] = {0, at, bodies[0].size() - at};
        ++counts.errors;
    }

    auto work = [&](std::size_t w) {
        std::string& body = bodies[w];
        BatchCounts& c = worker_counts[w];
        Settlement s;
        const std::vector<std::uint32_t>& mine = todo[w];
        for (std::size_t k = 0; k < mine.size(); ++k) {
            const std::uint32_t i = mine[k];
            const Claim& claim = records[i].claim;
            if (dup[i] >= 0)
                detail::set_error(s, claim, "claim_id", duplicate_message(records[static_cast<std::size_t>(dup[i])].claim));
            else
                detail::settle_one(g, claim, *ledgers[w], s, k + 1 < mine.size() ? &records[mine[k + 1]].claim : nullptr);
            detail::count(c, s.status);
            const std::size_t at = body.size();
            write_result(g, s, format, body);
            span[i] = {static_cast<std::uint32_t>(w), at, body.size() - at};
        }
    };
    detail::run_workers(workers, work);
    for (const auto& c : worker_counts) {
        counts.settled += c.settled;
        counts.rejected += c.rejected;
        counts.errors += c.errors;
    }

    std::string header, out;
    write_header(g, format, header);
    detail::emit_rows(header, bodies, span, [&](std::string_view text) { out += text; });
    return out;
}

std::string settle_records_jsonl(const Graph& g, const std::vector<ClaimRecord>& records, Ledger& ledger,
                                 BatchCounts& counts) {
    return settle_records(g, records, ledger, counts, ResultFormat{});
}

std::string settle_records_jsonl(const Graph& g, const std::vector<ClaimRecord>& records, Ledger& ledger,
                                 std::size_t* errors) {
    BatchCounts counts;
    std::string out = settle_records_jsonl(g, records, ledger, counts);
    if (errors != nullptr) *errors = counts.errors;
    return out;
}

}  // namespace claimgraph
