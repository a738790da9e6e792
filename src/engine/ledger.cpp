// Ledger's default read_period/add_period: the claim's cells named, then
// read_claim/add_claim, so a ledger written before them keeps working.
#include "claimgraph/ledger.hpp"

namespace claimgraph {

namespace {

// One buffer per thread, named again by add_period exactly as read_period
// named it: add_claim gets the very span read_claim got, contents unchanged.
std::span<const Cell> period_cells(std::string_view member, std::int32_t period, std::size_t n) {
    thread_local std::vector<Cell> cells;
    cells.resize(n);
    for (std::size_t k = 0; k < n; ++k) cells[k] = Cell{member, static_cast<std::uint32_t>(k), period, {}};
    return cells;
}

}  // namespace

void Ledger::read_period(std::string_view member, std::int32_t period, std::span<std::int64_t> out) {
    read_claim(period_cells(member, period, out.size()), out);
}

void Ledger::add_period(std::string_view member, std::int32_t period, std::span<const std::int64_t> deltas) {
    add_claim(period_cells(member, period, deltas.size()), deltas);
}

}  // namespace claimgraph
