// Accumulators (year-to-date state) behind one interface, so a host system can
// plug its own store. A settlement reads a claim's cells, then adds its deltas.
#pragma once

#include <cstdint>
#include <functional>
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

    // The same two calls for one claim, as Graph::settle makes them: read_claim,
    // then (only if the claim settles) add_claim with the very same span of
    // cells, unchanged, and no other call on this ledger in between. A ledger
    // may remember where it found the cells and skip finding them again. A
    // ledger that does not override them gets read and add.
    virtual void read_claim(std::span<const Cell> cells, std::span<std::int64_t> out) { read(cells, out); }
    virtual void add_claim(std::span<const Cell> cells, std::span<const std::int64_t> deltas) { add(cells, deltas); }

    // The same pair again for a claim whose cells are one member's
    // accumulators 0 .. n-1 (n = out.size()), all of one period and unkeyed,
    // which is how Graph::settle names them when none of the policy's
    // accumulators is keyed and all start their periods on the same day:
    // read_period, then (only if the claim settles) add_period with the same
    // member, period and size, and no other call on this ledger in between.
    // A ledger that does not override them gets read_claim and add_claim with
    // those cells, named in one span that both calls pass.
    virtual void read_period(std::string_view member, std::int32_t period, std::span<std::int64_t> out);
    virtual void add_period(std::string_view member, std::int32_t period, std::span<const std::int64_t> deltas);
};

// In-memory ledger for tests and batch runs. Not thread-safe: one per thread.
class MemoryLedger final : public Ledger {
public:
    void read(std::span<const Cell> cells, std::span<std::int64_t> out) override;
    void add(std::span<const Cell> cells, std::span<const std::int64_t> deltas) override;
    void read_claim(std::span<const Cell> cells, std::span<std::int64_t> out) override;
    void add_claim(std::span<const Cell> cells, std::span<const std::int64_t> deltas) override;
    void read_period(std::string_view member, std::int32_t period, std::span<std::int64_t> out) override;
    void add_period(std::string_view member, std::int32_t period, std::span<const std::int64_t> deltas) override;
    std::int64_t get(std::string_view member, std::uint32_t accumulator, std::int32_t period,
                     std::string_view key = {}) const;
    std::size_t member_count() const { return members_.size(); }
    // A hint, for batch runs that know which members come next: a claim of
    // the member whose id hashes to `member_hash` (member_hash(id) below)
    // is about to be settled, three claims after the one about to be
    // settled now. The member's entry is fetched into the cache in stages
    // over the next calls (one a claim), so that finding it costs no wait
    // on memory. Changes nothing a read or an add sees.
    void expect(std::uint32_t member_hash) const noexcept;
    // The hash expect() takes for a member id (the one the ledger files it under).
    static std::uint32_t member_hash(std::string_view member_id) noexcept;
    // Room for `members` members of `cells` cells each, made at once: a batch
    // run that knows its members (the file path does, from its key pass)
    // then grows no array member by member, which copies each one and
    // faults its pages in twice. Only a hint: more members or cells still fit.
    void reserve(std::size_t members, std::size_t cells);

private:
    // A batch run holds hundreds of thousands of members with ~8-16 cells each,
    // so a member costs no heap node of its own: its id lives in one arena, its
    // values in one array, and which cell each value belongs to is described by
    // a layout that all members who gained their cells in the same order share.
    // Year-to-date amounts fit in 32 bits nearly always; the few that do not
    // are kept aside, so the common value costs 4 bytes.
    struct Column {
        std::uint32_t accumulator;
        std::int32_t period;
        std::uint32_t key;  // interned; 0 for an unkeyed cell
        friend bool operator==(const Column&, const Column&) = default;
    };
    struct Layout {
        std::uint32_t first, size;  // a run of columns_
        // Where the cells of a claim as Graph::settle names them (accumulators
        // 0 .. dense_n - 1 in order, one period, no keys) were last found in
        // this layout: columns_[first + dense_pos + k] is accumulator k of
        // dense_period. Layouts never change, so this stays true.
        std::uint32_t dense_n = 0, dense_pos = 0;
        std::int32_t dense_period = 0;
    };
    struct Member {
        std::uint32_t hash, name, name_size;  // the id is names_[name, name + name_size)
        std::uint32_t layout;
        std::uint32_t values;  // values_[values, values + layout's size), in layout order
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    static constexpr std::uint32_t npos = UINT32_MAX;
    static constexpr std::int32_t kWide = INT32_MIN;  // in values_: the value is in wide_

    std::string_view name(const Member& m) const { return {names_.data() + m.name, m.name_size}; }
    std::uint32_t find_member(std::string_view id, std::uint32_t hash) const;
    std::uint32_t lookup(std::string_view id);
    std::uint32_t add_member(std::string_view id, std::uint32_t hash);
    void rehash(std::size_t slots);  // index_ with `slots` slots (a power of two)
    // The key's id, or 0 for no key; `create` interns a new one (else -1 when unknown).
    std::int64_t key_id(std::string_view key, bool create);
    std::uint32_t position(const Member& m, const Column& col) const;
    bool locate(std::span<const Cell> cells);
    int locate_period(std::string_view member, std::int32_t period, std::uint32_t n);
    void read_run(std::uint32_t run, std::span<std::int64_t> out);
    void make_room(std::span<const Cell> cells);
    void add_columns(std::uint32_t member, std::span<const Column> fresh);
    void move_to_layout(std::uint32_t member, std::uint32_t layout);
    void grow_located_to(std::uint32_t m, std::uint32_t layout, std::size_t n);
    std::uint32_t layout_after(std::uint32_t from, std::span<const Column> fresh);
    void compact();
    void apply(std::span<const std::int64_t> deltas);
    std::int64_t load(std::uint32_t at) const { return values_[at] != kWide ? values_[at] : wide_.find(at)->second; }
    void store(std::uint32_t at, std::int64_t v);

    std::string names_;
    std::vector<Member> members_;
    std::vector<std::uint32_t> index_;  // open addressing over members_: member + 1, 0 when free
    std::uint32_t last_ = npos;         // a member's claims come together: skip the hash for them
    mutable std::uint32_t expect_slot_ = UINT32_MAX;  // expect(): the index slot the last call fetched
    mutable std::uint32_t expect_member_ = 0;          // and the member (+ 1) the slot of the call before named
    std::uint32_t missed_hash_ = 0;     // the hash of the id lookup() last failed to find
    std::vector<Column> columns_;
    std::vector<Layout> layouts_{Layout{0, 0}};  // layout 0: a new member's, with no cells
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> layout_ids_;  // by step_
    std::vector<std::int32_t> values_;
    std::unordered_map<std::uint32_t, std::int64_t> wide_;  // by index in values_; stale where that is not kWide
    std::size_t garbage_ = 0;  // values_ left behind by members that moved
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> keys_;
    std::vector<std::uint32_t> where_;  // scratch: each cell's index in values_, or npos
    // read_claim's cells while where_ still describes them (add_claim may use
    // it), else null; every other call that touches where_ or moves values resets it.
    const Cell* pending_ = nullptr;
    std::size_t pending_size_ = 0;
    bool pending_all_ = false;  // every pending cell had a value
    // What locate() last saw, when its cells were one member's run of
    // distinct columns: that member (npos: not stored yet, missed_hash_ its
    // hash), so add_claim can give the run its cells without finding it again.
    bool located_one_ = false;
    std::uint32_t located_member_ = npos;
    bool add_run(std::span<const Cell> cells);
    void grow_located(std::string_view member, std::size_t n);
    void forget_pending() {
        pending_ = nullptr;
        period_pending_ = false;
    }
    // read_period's claim while where_ still describes its cells.
    bool period_pending_ = false;
    std::string_view period_member_;
    std::int32_t period_ = 0;
    std::vector<Cell> period_cells_;  // read_period's cells when it takes the general path
    // The last few layout steps (layout_after), tried before the hash map:
    // nearly every member takes one of a handful of steps.
    struct RecentStep {
        std::string step;
        std::uint32_t layout = 0;
    };
    RecentStep recent_[4];
    std::uint32_t recent_next_ = 0;
    std::vector<Column> fresh_;  // scratch: a member's missing cells
    // add_period's step when a member gains a whole period (accumulators
    // 0 .. n - 1 of `period`, unkeyed) from layout `from`: the layout it leads
    // to, so that the step need not be spelled out for layout_after. A
    // member's first claim of a year takes this step; layouts never change,
    // so an entry stays true.
    struct PeriodStep {
        std::uint32_t from = npos, n = 0;
        std::int32_t period = 0;
        std::uint32_t to = 0;
    };
    PeriodStep period_steps_[16];
    std::string step_;           // scratch: a layout and the columns it gains, as bytes
};

}  // namespace claimgraph
