#include "claimgraph/ledger.hpp"

#include <stdexcept>

#include "claimgraph/money.hpp"

namespace claimgraph {

namespace {
template <class Entries>
auto find_entry(Entries& entries, const Cell& c) -> decltype(entries.data()) {
    for (auto& e : entries)
        if (e.accumulator == c.accumulator && e.period == c.period && e.key == c.key) return &e;
    return nullptr;
}
}  // namespace

void MemoryLedger::read(std::span<const Cell> cells, std::span<std::int64_t> out) {
    if (out.size() < cells.size()) throw std::invalid_argument("MemoryLedger::read: output span too small");
    // A settlement's cells all belong to one member: hash the member once.
    auto it = members_.end();
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i == 0 || cells[i].member != cells[i - 1].member) it = members_.find(cells[i].member);
        const Entry* e = it == members_.end() ? nullptr : find_entry(it->second, cells[i]);
        out[i] = e ? e->value : 0;
    }
}

void MemoryLedger::add(std::span<const Cell> cells, std::span<const std::int64_t> deltas) {
    if (deltas.size() != cells.size()) throw std::invalid_argument("MemoryLedger::add: cells and deltas differ in size");
    // Phase 1: make sure every cell has an entry. A failure here (allocation)
    // leaves at most some zero entries behind, which read as absent cells do.
    std::vector<Entry>* entries = nullptr;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const Cell& c = cells[i];
        if (i == 0 || c.member != cells[i - 1].member) {
            auto it = members_.find(c.member);
            if (it == members_.end()) it = members_.emplace(std::string(c.member), std::vector<Entry>{}).first;
            entries = &it->second;
        }
        if (!find_entry(*entries, c)) entries->push_back(Entry{c.accumulator, c.period, std::string(c.key), 0});
    }
    // Phase 2: apply the deltas; an overflow undoes the ones already applied.
    auto entries_of = [&](std::size_t i) -> std::vector<Entry>& {
        if (i == 0 || cells[i].member != cells[i - 1].member) entries = &members_.find(cells[i].member)->second;
        return *entries;
    };
    std::size_t i = 0;
    try {
        for (; i < cells.size(); ++i) {
            Entry* e = find_entry(entries_of(i), cells[i]);
            e->value = detail::checked_add(e->value, deltas[i]);
        }
    } catch (...) {
        for (std::size_t j = 0; j < i; ++j) find_entry(entries_of(j), cells[j])->value -= deltas[j];
        throw;
    }
}

std::int64_t MemoryLedger::get(std::string_view member, std::uint32_t accumulator, std::int32_t period,
                               std::string_view key) const {
    const auto it = members_.find(member);
    if (it == members_.end()) return 0;
    const Entry* e = find_entry(it->second, Cell{member, accumulator, period, key});
    return e ? e->value : 0;
}

}  // namespace claimgraph
