// MemoryLedger's storage: members in an arena and an open-addressing table,
// values in one array described by shared layouts, moved and packed as members
// gain cells. Each case targets one of those paths; the last checks random
// traffic against a plain map.

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "claimgraph/io.hpp"
#include "claimgraph/ledger.hpp"
#include "claimgraph/money.hpp"
#include "engine/key_hash.hpp"
#include "support.hpp"

using namespace claimgraph;

namespace {

std::string member_id(std::size_t i) { return fmt::format("M{:07}", i); }

// The evaluator's call: all accumulators of one member and one period.
void settle_like(MemoryLedger& l, const std::string& member, std::int32_t year, std::int64_t delta,
                 std::uint32_t accumulators = 8) {
    std::vector<std::int64_t> before(accumulators), deltas(accumulators, delta);
    l.read_period(member, year, before);
    l.add_period(member, year, deltas);
}

}  // namespace

TEST_CASE("MemoryLedger keeps many members apart", "[ledger]") {
    MemoryLedger l;
    constexpr std::size_t n = 50'000;
    for (std::size_t i = 0; i < n; ++i) {
        settle_like(l, member_id(i), 2026, static_cast<std::int64_t>(i));
        if (i % 3 == 0) settle_like(l, member_id(i), 2027, 1);
    }
    CHECK(l.member_count() == n);
    for (std::size_t i = 0; i < n; i += 997) {
        CHECK(l.get(member_id(i), 0, 2026) == static_cast<std::int64_t>(i));
        CHECK(l.get(member_id(i), 7, 2026) == static_cast<std::int64_t>(i));
        CHECK(l.get(member_id(i), 3, 2027) == (i % 3 == 0 ? 1 : 0));
        CHECK(l.get(member_id(i), 8, 2026) == 0);
    }
    CHECK(l.get(member_id(n), 0, 2026) == 0);
    CHECK(l.get("M", 0, 2026) == 0);
}

TEST_CASE("MemoryLedger: a member's claims interleaved with other members'", "[ledger]") {
    // Each member gains a new period while others were added after it, so its
    // values move (and the array is packed again) instead of growing in place.
    MemoryLedger l;
    constexpr std::size_t n = 2'000;
    for (std::int32_t year = 2020; year < 2026; ++year)
        for (std::size_t i = 0; i < n; ++i) settle_like(l, member_id(i), year, year - 2019 + static_cast<std::int64_t>(i));
    for (std::size_t i = 0; i < n; ++i) settle_like(l, member_id(i), 2020, 1000);
    CHECK(l.member_count() == n);
    for (std::size_t i = 0; i < n; i += 37)
        for (std::int32_t year = 2020; year < 2026; ++year) {
            const std::int64_t want = year - 2019 + static_cast<std::int64_t>(i) + (year == 2020 ? 1000 : 0);
            CHECK(l.get(member_id(i), 0, year) == want);
            CHECK(l.get(member_id(i), 7, year) == want);
        }
}

TEST_CASE("MemoryLedger: keyed cells are separate per key, member and period", "[ledger]") {
    MemoryLedger l;
    const Cell cells[] = {{"A", 0, 2026, {}}, {"A", 1, 2026, "flu"}, {"A", 1, 2026, "ulcer"}, {"B", 1, 2026, "flu"}};
    const std::int64_t d[] = {1, 2, 3, 4};
    l.add(cells, d);
    l.add(cells, d);
    CHECK(l.get("A", 0, 2026) == 2);
    CHECK(l.get("A", 1, 2026, "flu") == 4);
    CHECK(l.get("A", 1, 2026, "ulcer") == 6);
    CHECK(l.get("B", 1, 2026, "flu") == 8);
    CHECK(l.get("B", 1, 2026, "ulcer") == 0);
    CHECK(l.get("A", 1, 2027, "flu") == 0);
    std::int64_t out[4] = {};
    const Cell other[] = {{"A", 1, 2026, "ulcer"}, {"A", 1, 2026, "gout"}, {"B", 1, 2026, "flu"}, {"A", 0, 2026, {}}};
    l.read(other, out);
    CHECK(out[0] == 6);
    CHECK(out[1] == 0);
    CHECK(out[2] == 8);
    CHECK(out[3] == 2);
}

TEST_CASE("MemoryLedger undoes a failed add, new cells and repeated cells included", "[ledger]") {
    MemoryLedger l;
    {
        const Cell cells[] = {{"M1", 1, 2026, {}}};
        const std::int64_t d[] = {INT64_MAX - 5};
        l.add(cells, d);
    }
    settle_like(l, "M0", 2026, 7);  // M1 is no longer the last member stored
    // A new period for M1 (its values move), a new member, a cell named twice,
    // then the overflow.
    const Cell cells[] = {{"M1", 0, 2027, {}}, {"M1", 0, 2027, {}}, {"M2", 0, 2026, "k"}, {"M1", 1, 2026, {}}};
    const std::int64_t d[] = {100, -30, 9, 6};
    CHECK_THROWS_AS(l.add(cells, d), OverflowError);
    CHECK(l.get("M1", 0, 2027) == 0);
    CHECK(l.get("M2", 0, 2026, "k") == 0);
    CHECK(l.get("M1", 1, 2026) == INT64_MAX - 5);
    CHECK(l.get("M0", 3, 2026) == 7);
    const std::int64_t ok[] = {100, -30, 9, 5};
    l.add(cells, ok);
    CHECK(l.get("M1", 0, 2027) == 70);
    CHECK(l.get("M2", 0, 2026, "k") == 9);
    CHECK(l.get("M1", 1, 2026) == INT64_MAX);
}

TEST_CASE("MemoryLedger: amounts beyond 32 bits, moved and undone", "[ledger]") {
    MemoryLedger l;
    const std::int64_t big = std::int64_t{1} << 40;
    const Cell a{"W", 0, 2026, {}}, b{"W", 1, 2026, {}};
    {
        const Cell cells[] = {a, b};
        const std::int64_t d[] = {big, INT32_MIN};
        l.add(cells, d);
    }
    settle_like(l, "X", 2026, 1);
    settle_like(l, "W", 2027, 1);  // W moves past X with its wide values
    CHECK(l.get("W", 0, 2026) == big);
    CHECK(l.get("W", 1, 2026) == INT32_MIN);
    CHECK(l.get("W", 5, 2027) == 1);
    {
        const Cell cells[] = {a, b};
        const std::int64_t d[] = {-big + 5, -std::int64_t{INT32_MIN}};
        l.add(cells, d);  // back to small values
    }
    CHECK(l.get("W", 0, 2026) == 5);
    CHECK(l.get("W", 1, 2026) == 0);
    {
        const Cell cells[] = {a, b, b};
        const std::int64_t d[] = {INT64_MAX - 5, 3 * big, INT64_MAX};
        CHECK_THROWS_AS(l.add(cells, d), OverflowError);
    }
    CHECK(l.get("W", 0, 2026) == 5);
    CHECK(l.get("W", 1, 2026) == 0);
    // Enough moves that the array is packed again, wide values and all.
    for (std::int32_t year = 2000; year < 2020; ++year) {
        settle_like(l, "X", year, 1);
        const Cell cells[] = {a, {"W", 2, year, {}}};
        const std::int64_t d[] = {big, big + year};
        l.add(cells, d);
    }
    CHECK(l.get("W", 0, 2026) == 5 + 20 * big);
    for (std::int32_t year = 2000; year < 2020; ++year) CHECK(l.get("W", 2, year) == big + year);
    CHECK(l.get("X", 4, 2010) == 1);
}

namespace {

// Random calls (cells of several members, keyed and not, repeated) checked
// against a map; `big` deltas cross the 32-bit range both ways. A third of
// the calls (half without `claims`) name one member's accumulators 0 .. n-1
// of one period, unkeyed; with `claims` they go through read_period/
// add_period. `claims`: the rest through read_claim/add_claim, half of them
// shaped as Graph::settle makes them for keyed or mixed-period accumulators
// (one member, accumulators in order), which is add_claim's one-pass path for
// cells a member does not have yet.
void random_traffic(std::uint32_t seed, bool big, bool claims = false) {
    std::mt19937 rng(seed);
    auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
    const std::string keys[] = {"", "", "", "x", "y"};
    MemoryLedger l;
    std::map<std::tuple<std::string, std::uint32_t, std::int32_t, std::string>, std::int64_t> model;
    std::vector<std::string> members;
    for (std::size_t i = 0; i < 300; ++i) members.push_back(member_id(i * 7919));
    for (int round = 0; round < 20'000; ++round) {
        std::vector<Cell> cells;
        std::uint32_t n = 1 + pick(10);
        std::string_view m = members[pick(static_cast<std::uint32_t>(members.size()))];
        const std::uint32_t shape = claims ? pick(3) : 1 + pick(2);
        if (shape == 0) {
            const auto year = static_cast<std::int32_t>(2020 + pick(4));
            for (std::uint32_t i = 0; i < n; ++i) cells.push_back(Cell{m, i, i % 3 == 2 ? year - 1 : year, keys[pick(5)]});
        } else if (shape == 1) {
            // Of a few sizes, so that some members have only part of a run.
            const auto year = static_cast<std::int32_t>(2020 + pick(4));
            n = 5 + pick(2);
            for (std::uint32_t i = 0; i < n; ++i) cells.push_back(Cell{m, i, year, {}});
        } else {
            for (std::uint32_t i = 0; i < n; ++i) {
                if (pick(8) == 0) m = members[pick(static_cast<std::uint32_t>(members.size()))];
                cells.push_back(Cell{m, pick(6), static_cast<std::int32_t>(2020 + pick(4)), keys[pick(5)]});
            }
        }
        std::vector<std::int64_t> got(n), deltas(n);
        if (claims && shape == 1) l.read_period(m, cells[0].period, got);
        else if (claims) l.read_claim(cells, got);
        else l.read(cells, got);
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto it = model.find({std::string(cells[i].member), cells[i].accumulator, cells[i].period,
                                        std::string(cells[i].key)});
            REQUIRE(got[i] == (it == model.end() ? 0 : it->second));
            deltas[i] = big ? (static_cast<std::int64_t>(pick(2000)) - 1000) * 7'000'000 + pick(3) : static_cast<std::int64_t>(pick(1000)) - 100;
        }
        if (claims && shape == 1) l.add_period(m, cells[0].period, deltas);
        else if (claims) l.add_claim(cells, deltas);
        else l.add(cells, deltas);
        for (std::uint32_t i = 0; i < n; ++i)
            model[{std::string(cells[i].member), cells[i].accumulator, cells[i].period, std::string(cells[i].key)}] +=
                deltas[i];
    }
    for (const auto& [k, v] : model) REQUIRE(l.get(std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k)) == v);
    std::set<std::string> seen;
    for (const auto& [k, v] : model) seen.insert(std::get<0>(k));
    CHECK(l.member_count() == seen.size());
}

}  // namespace

TEST_CASE("MemoryLedger::expect is only a hint: right, wrong, stale or early hashes change nothing", "[ledger]") {
    // Two ledgers given the same traffic, one told of members ahead: through
    // the index's growth (slots and members named before it grew), with the
    // hashes of the members to come, of members that never come, and before
    // there is any member at all.
    MemoryLedger told, plain;
    told.expect(12345);  // empty: no index yet
    std::mt19937 rng(2026);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < 3000; ++i) ids.push_back(member_id(rng() % 1200));
    const auto hash = [](const std::string& id) { return MemoryLedger::member_hash(id); };
    // The key pass hands the ledger the low bits of its own key_hash of each member.
    for (std::size_t i = 0; i < 50; ++i) REQUIRE(hash(ids[i]) == static_cast<std::uint32_t>(claimgraph::detail::key_hash(ids[i])));
    for (std::size_t i = 0; i < ids.size(); ++i) {
        told.expect(i + 3 < ids.size() ? hash(ids[i + 3]) : static_cast<std::uint32_t>(rng()));
        if (i % 7 == 0) told.expect(static_cast<std::uint32_t>(rng()));  // out of step: a wrong member
        const auto year = static_cast<std::int32_t>(2024 + i % 3);
        const std::int64_t delta = static_cast<std::int64_t>(i % 97) * 100;
        std::vector<std::int64_t> a(6), b(6);
        told.read_period(ids[i], year, a);
        plain.read_period(ids[i], year, b);
        REQUIRE(a == b);
        const std::vector<std::int64_t> deltas(6, delta);
        told.add_period(ids[i], year, deltas);
        plain.add_period(ids[i], year, deltas);
    }
    REQUIRE(told.member_count() == plain.member_count());
    REQUIRE(told.member_count() > 1000);
    for (std::size_t m = 0; m < 1200; ++m)
        for (std::int32_t year = 2024; year <= 2026; ++year)
            for (std::uint32_t acc = 0; acc < 6; ++acc)
                REQUIRE(told.get(member_id(m), acc, year) == plain.get(member_id(m), acc, year));
}

TEST_CASE("MemoryLedger::reserve is only room: before, between and beyond the members it names", "[ledger]") {
    // The same traffic into a ledger never told and one told of its members
    // at the start (fewer than come), with nothing, and again halfway (its
    // index then grows with members in it).
    MemoryLedger told, plain;
    told.reserve(500, 6);
    std::mt19937 rng(7);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < 6000; ++i) ids.push_back(member_id(rng() % 2500));
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i == ids.size() / 2) told.reserve(40'000, 12);
        if (i == ids.size() / 3) told.reserve(0, 0);
        const auto year = static_cast<std::int32_t>(2025 + i % 2);
        std::vector<std::int64_t> a(6), b(6);
        told.read_period(ids[i], year, a);
        plain.read_period(ids[i], year, b);
        REQUIRE(a == b);
        const std::vector<std::int64_t> deltas(6, static_cast<std::int64_t>(i % 89) * 7);
        told.add_period(ids[i], year, deltas);
        plain.add_period(ids[i], year, deltas);
    }
    REQUIRE(told.member_count() == plain.member_count());
    for (std::size_t m = 0; m < 2500; ++m)
        for (std::int32_t year = 2025; year <= 2026; ++year)
            for (std::uint32_t acc = 0; acc < 6; ++acc) REQUIRE(told.get(member_id(m), acc, year) == plain.get(member_id(m), acc, year));
}

TEST_CASE("MemoryLedger matches a plain map on random traffic", "[ledger]") {
    random_traffic(12345, false);
    random_traffic(777, true);
    random_traffic(4242, false, true);
    random_traffic(99, true, true);
}

namespace {

// A host's ledger from before read_period: only read and add, recording the
// cells it is given.
class RecordingLedger final : public Ledger {
public:
    void read(std::span<const Cell> cells, std::span<std::int64_t> out) override {
        read_cells.assign(cells.begin(), cells.end());
        inner.read(cells, out);
    }
    void add(std::span<const Cell> cells, std::span<const std::int64_t> deltas) override {
        add_cells.assign(cells.begin(), cells.end());
        inner.add(cells, deltas);
    }
    std::vector<Cell> read_cells, add_cells;
    MemoryLedger inner;
};

bool same_cells(const std::vector<Cell>& a, const std::vector<Cell>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].member != b[i].member || a[i].accumulator != b[i].accumulator || a[i].period != b[i].period ||
            a[i].key != b[i].key)
            return false;
    return true;
}

}  // namespace

TEST_CASE("A ledger with only read and add gets each claim's cells through read_period's default", "[ledger]") {
    RecordingLedger l;
    const std::int64_t d[] = {1, 2, 3};
    l.read_period("M1", 2026, std::span<std::int64_t>());
    std::int64_t got[3] = {9, 9, 9};
    l.read_period("M1", 2026, got);
    CHECK((got[0] == 0 && got[1] == 0 && got[2] == 0));
    l.add_period("M1", 2026, d);
    const std::vector<Cell> want = {{"M1", 0, 2026, {}}, {"M1", 1, 2026, {}}, {"M1", 2, 2026, {}}};
    CHECK(same_cells(l.read_cells, want));
    CHECK(same_cells(l.add_cells, want));
    l.read_period("M1", 2026, got);
    CHECK((got[0] == 1 && got[1] == 2 && got[2] == 3));
    CHECK(l.inner.get("M1", 2, 2026) == 3);
    CHECK(l.inner.get("M1", 2, 2027) == 0);
}

TEST_CASE("Graph::settle through a ledger with only read and add settles as through MemoryLedger", "[ledger]") {
    const Graph& g = testing::demo();
    const auto records = read_claims_jsonl_file(g, std::string(CLAIMGRAPH_SOURCE_DIR) + "/examples/claims/demo-claims.jsonl");
    RecordingLedger host;
    MemoryLedger memory;
    std::size_t settled = 0;
    for (const auto& r : records) {
        if (!r.ok) continue;
        const Settlement a = g.settle(r.claim, host), b = g.settle(r.claim, memory);
        REQUIRE(a.status == b.status);
        REQUIRE(a.outputs == b.outputs);
        if (a.status != SettleStatus::settled) continue;
        ++settled;
        std::vector<Cell> want;
        for (std::uint32_t i = 0; i < g.accumulator_names().size(); ++i)
            want.push_back(Cell{r.claim.member_id, i, g.period_of(r.claim, i), {}});
        CHECK(same_cells(host.read_cells, want));
        CHECK(same_cells(host.add_cells, want));
    }
    CHECK(settled > 0);
    for (const auto& r : records)
        if (r.ok)
            for (std::uint32_t i = 0; i < g.accumulator_names().size(); ++i)
                CHECK(host.inner.get(r.claim.member_id, i, g.period_of(r.claim, i)) ==
                      memory.get(r.claim.member_id, i, g.period_of(r.claim, i)));
}
