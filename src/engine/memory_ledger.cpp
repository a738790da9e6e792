#include "claimgraph/ledger.hpp"

#include <stdexcept>

#include "claimgraph/money.hpp"

namespace claimgraph {

namespace {
template <class Entries>
auto find_entry(Entries& entries, const Cell& c, std::int64_t key) -> decltype(entries.data()) {
    for (auto& e : entries)
        if (e.accumulator == c.accumulator && e.period == c.period && e.key == key) return &e;
    return nullptr;
}
}  // namespace

std::int64_t MemoryLedger::key_id(std::string_view key, bool create) {
    if (key.empty()) return 0;
    if (auto it = keys_.find(key); it != keys_.end()) return it->second;
    if (!create) return -1;
    const auto id = static_cast<std::uint32_t>(keys_.size() + 1);
    keys_.emplace(std::string(key), id);
    return id;
}

void MemoryLedger::read(std::span<const Cell> cells, std::span<std::int64_t> out) {
    if (out.size() < cells.size()) throw std::invalid_argument("MemoryLedger::read: output span too small");
    // A settlement's cells all belong to one member: hash the member once.
    auto it = members_.end();
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i == 0 || cells[i].member != cells[i - 1].member) it = members_.find(cells[i].member);
        const std::int64_t key = key_id(cells[i].key, false);
        const Entry* e = it == members_.end() || key < 0 ? nullptr : find_entry(it->second, cells[i], key);
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
        const std::int64_t key = key_id(c.key, true);
        if (!find_entry(*entries, c, key))
            entries->push_back(Entry{c.accumulator, c.period, static_cast<std::uint32_t>(key), 0});
    }
    // Phase 2: apply the deltas; an overflow undoes the ones already applied.
    auto entries_of = [&](std::size_t i) -> std::vector<Entry>& {
        if (i == 0 || cells[i].member != cells[i - 1].member) entries = &members_.find(cells[i].member)->second;
        return *entries;
    };
    std::size_t i = 0;
    try {
        for (; i < cells.size(); ++i) {
            Entry* e = find_entry(entries_of(i), cells[i], key_id(cells[i].key, false));
            e->value = detail::checked_add(e->value, deltas[i]);
        }
    } catch (...) {
        for (std::size_t j = 0; j < i; ++j) find_entry(entries_of(j), cells[j], key_id(cells[j].key, false))->value -= deltas[j];
        throw;
    }
}

std::int64_t MemoryLedger::get(std::string_view member, std::uint32_t accumulator, std::int32_t period,
                               std::string_view key) const {
    const auto it = members_.find(member);
    if (it == members_.end()) return 0;
    std::int64_t id = 0;
    if (!key.empty()) {
        const auto k = keys_.find(key);
        if (k == keys_.end()) return 0;
        id = k->second;
    }
    const Entry* e = find_entry(it->second, Cell{member, accumulator, period, key}, id);
    return e ? e->value : 0;
}

}  // namespace claimgraph
