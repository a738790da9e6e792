// Accumulators (year-to-date state) behind one interface, so a host system can
// plug its own store. A settlement reads a claim's cells, then adds its deltas.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace claimgraph {

// One accumulator value: member × accumulator × period (× key for keyed ones).
struct Cell {
    std::string_view member;
    std::uint32_t accumulator = 0;  // index into Graph::accumulator_names()
    std::int32_t period = 0;        // the year the period starts in
    std::string_view key;           // empty unless the accumulator is keyed
};

class Ledger {
public:
    virtual ~Ledger() = default;
    // Values before the claim; absent cells read 0.
    virtual void read(std::span<const Cell> cells, std::span<std::int64_t> out) = 0;
    // Adds one claim's deltas; must apply all or none.
    virtual void add(std::span<const Cell> cells, std::span<const std::int64_t> deltas) = 0;
};

// In-memory ledger for tests and batch runs.
class MemoryLedger final : public Ledger {
public:
    void read(std::span<const Cell> cells, std::span<std::int64_t> out) override;
    void add(std::span<const Cell> cells, std::span<const std::int64_t> deltas) override;
    std::int64_t get(std::string_view member, std::uint32_t accumulator, std::int32_t period,
                     std::string_view key = {}) const;
    std::size_t member_count() const { return members_.size(); }

private:
    // 24 bytes a cell: keys (per-disease and the like) are interned, and the
    // common unkeyed cell has key 0.
    struct Entry {
        std::uint32_t accumulator;
        std::int32_t period;
        std::uint32_t key;
        std::int64_t value;
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    // The key's id, or 0 for no key; `create` interns a new one (else -1 when unknown).
    std::int64_t key_id(std::string_view key, bool create);
    std::unordered_map<std::string, std::vector<Entry>, Hash, std::equal_to<>> members_;
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> keys_;
};

}  // namespace claimgraph
