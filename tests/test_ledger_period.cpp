// MemoryLedger::add_period's path for a member's first claim of a year: the
// cells are all new, so the run is placed after the member's values without a
// search, by a step remembered per (layout, year); and a first amount beyond
// 32 bits falls back to apply(), which must find the run where it was placed.

#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "claimgraph/ledger.hpp"

using namespace claimgraph;

namespace {

std::vector<std::int64_t> read_period(MemoryLedger& l, const std::string& m, std::int32_t year, std::size_t n) {
    std::vector<std::int64_t> got(n);
    l.read_period(m, year, got);
    return got;
}

}  // namespace

TEST_CASE("MemoryLedger: a first claim of a year beyond 32 bits, new member and new year", "[ledger]") {
    MemoryLedger l;
    const std::int64_t big = std::int64_t{1} << 40;
    const std::vector<std::int64_t> d{big, 0, -big, INT32_MIN, 1};
    for (const std::int32_t year : {2025, 2026}) {
        // W is new in 2025 and has values (some wide) before its 2026 run.
        CHECK(read_period(l, "W", year, d.size()) == std::vector<std::int64_t>(d.size(), 0));
        l.add_period("W", year, d);
        CHECK(read_period(l, "W", year, d.size()) == d);
        l.add_period("W", year, d);
        for (std::uint32_t k = 0; k < d.size(); ++k) CHECK(l.get("W", k, year) == 2 * d[k]);
    }
    CHECK(l.get("W", 0, 2025) == 2 * big);
    CHECK(l.member_count() == 1);
}

TEST_CASE("MemoryLedger: members gaining years in many orders", "[ledger]") {
    // Many (layout, year) steps, more than the memo of steps holds, each
    // taken by many members: a step remembered for the wrong layout or year
    // would put a member's run in the wrong place.
    MemoryLedger l;
    const std::size_t n = 4;
    auto id = [](int i) { return fmt::format("M{:05}", i); };
    for (int i = 0; i < 600; ++i)
        for (int j = 0; j < 1 + i % 5; ++j) {
            const std::int32_t year = 2020 + (i * 7 + j * (1 + i % 3)) % 9;
            const std::vector<std::int64_t> d(n, i * 100 + year % 100);
            if (read_period(l, id(i), year, n)[0] != 0) continue;  // the year came round again
            l.add_period(id(i), year, d);
        }
    for (int i = 0; i < 600; ++i)
        for (std::int32_t year = 2020; year < 2029; ++year) {
            bool has = false;
            for (int j = 0; j < 1 + i % 5; ++j) has |= year == 2020 + (i * 7 + j * (1 + i % 3)) % 9;
            for (std::uint32_t k = 0; k < n; ++k) REQUIRE(l.get(id(i), k, year) == (has ? i * 100 + year % 100 : 0));
        }
}
