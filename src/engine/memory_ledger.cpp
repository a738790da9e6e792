#include "claimgraph/ledger.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "claimgraph/money.hpp"
#include "engine/key_hash.hpp"

namespace claimgraph {

namespace {

// The key pass hands expect() the same hash of each member (detail::key_hash, low 32 bits).
std::uint32_t hash_of(std::string_view s) { return static_cast<std::uint32_t>(detail::key_hash(s)); }

// Offsets are 32-bit to keep a member small; past that the ledger refuses to grow.
[[noreturn, gnu::cold, gnu::noinline]] void too_many(const char* what) {
    throw std::length_error(std::string("MemoryLedger: too many ") + what);
}
// Inline, the throw kept out of line: a new member checks three offsets.
inline std::uint32_t offset(std::size_t n, const char* what) {
    if (n >= UINT32_MAX) [[unlikely]] too_many(what);
    return static_cast<std::uint32_t>(n);
}

template <class Column>
std::uint32_t find_column(const Column* cols, std::uint32_t size, const Column& col) {
    for (std::uint32_t p = 0; p < size; ++p)
        if (cols[p] == col) return p;
    return UINT32_MAX;
}

// Member ids are short (8 to 16 bytes is usual): two overlapping 8-byte
// compares, inline, instead of a call to memcmp for every claim.
inline bool same_id(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    if (n < 8 || n > 16) return a == b;
    std::uint64_t x0, y0, x1, y1;
    std::memcpy(&x0, a.data(), 8);
    std::memcpy(&y0, b.data(), 8);
    std::memcpy(&x1, a.data() + n - 8, 8);
    std::memcpy(&y1, b.data() + n - 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

// Adds deltas to a run of narrow values in place when every value is narrow
// (kWide is INT32_MIN) and stays so, in (INT32_MIN, INT32_MAX], which is
// nearly always; else puts the run back as it was and says so. No branch per
// value: which of a claim's deltas are 0 follows its member's stages, claim
// by claim, and a branch on it was mispredicted. The smallest value read and
// the largest sum (shifted so that the narrow range starts at 0, unsigned)
// are tested once at the end. A sum that wraps past the int64 range lands at
// least 2^63 - 2^31 from 0, far outside the narrow range, so the same test
// catches an int64 overflow.
inline bool add_narrow(std::int32_t* v, const std::int64_t* d, std::size_t n) {
    constexpr std::uint64_t kShift = INT32_MAX;  // INT32_MIN + 1 → 0
    constexpr std::uint64_t kSpan = UINT32_MAX - 1;  // INT32_MAX → kSpan
    std::int32_t least = INT32_MAX;
    std::uint64_t most = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const std::int32_t was = v[k];
        const std::uint64_t r = static_cast<std::uint64_t>(std::int64_t{was}) + static_cast<std::uint64_t>(d[k]);
        least = std::min(least, was);
        most = std::max(most, r + kShift);
        v[k] = static_cast<std::int32_t>(r);
    }
    if (least != INT32_MIN && most <= kSpan) [[likely]] return true;
    for (std::size_t k = 0; k < n; ++k) v[k] = static_cast<std::int32_t>(static_cast<std::uint64_t>(std::int64_t{v[k]}) - static_cast<std::uint64_t>(d[k]));
    return false;
}

// The evaluator passes one string_view for all of a claim's cells.
inline bool same(std::string_view a, std::string_view b) {
    return (a.data() == b.data() && a.size() == b.size()) || a == b;
}

}  // namespace

std::uint32_t MemoryLedger::find_member(std::string_view id, std::uint32_t hash) const {
    if (index_.empty()) return npos;
    const std::size_t mask = index_.size() - 1;
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
        const std::uint32_t e = index_[s];
        if (e == 0) return npos;
        if (members_[e - 1].hash == hash && same_id(name(members_[e - 1]), id)) return e - 1;
    }
}

// Three stages, one a call: this hash's index slot; the member the slot
// before named (the slot now in the cache); the id and values of the member
// before that (its entry now in the cache). A member found past its first slot,
// or not yet in the ledger, is simply not fetched.
std::uint32_t MemoryLedger::member_hash(std::string_view member_id) noexcept { return hash_of(member_id); }

void MemoryLedger::expect(std::uint32_t member_hash) const noexcept {
    if (index_.empty()) return;
    // The index may have grown since the last call: slots and members are
    // checked against it, and a stale one only fetches the wrong line.
    if (const std::uint32_t e = expect_member_; e != 0 && e <= members_.size()) {
        const Member& m = members_[e - 1];
        __builtin_prefetch(names_.data() + m.name);
        __builtin_prefetch(values_.data() + m.values);
    }
    expect_member_ = expect_slot_ < index_.size() ? index_[expect_slot_] : 0;
    if (expect_member_ != 0 && expect_member_ <= members_.size()) __builtin_prefetch(&members_[expect_member_ - 1]);
    expect_slot_ = member_hash & static_cast<std::uint32_t>(index_.size() - 1);
    __builtin_prefetch(&index_[expect_slot_]);
}

std::uint32_t MemoryLedger::lookup(std::string_view id) {
    if (last_ != npos && same_id(name(members_[last_]), id)) return last_;
    const std::uint32_t hash = hash_of(id);
    const std::uint32_t m = find_member(id, hash);
    if (m != npos) last_ = m;
    else missed_hash_ = hash;
    return m;
}

void MemoryLedger::reserve(std::size_t members, std::size_t cells) {
    // Never past what the 32-bit offsets can reach: that fails where it always did.
    constexpr std::size_t most = UINT32_MAX;
    const std::size_t total = std::min(members_.size() + members, most);
    members_.reserve(total);
    const std::size_t more = cells != 0 && members > most / cells ? most : members * cells;
    values_.reserve(std::min(values_.size() + more, most));
    std::size_t slots = 16;
    while (slots < (total + 1) * 2) slots *= 2;
    if (slots > index_.size()) rehash(slots);
}

void MemoryLedger::rehash(std::size_t slots) {
    std::vector<std::uint32_t> bigger(slots);
    const std::size_t mask = bigger.size() - 1;
    for (std::uint32_t m = 0; m < members_.size(); ++m) {
        std::size_t s = members_[m].hash & mask;
        while (bigger[s] != 0) s = (s + 1) & mask;
        bigger[s] = m + 1;
    }
    index_.swap(bigger);
}

std::uint32_t MemoryLedger::add_member(std::string_view id, std::uint32_t hash) {
    // Everything that can throw comes before the member is visible, so a failed
    // allocation leaves at most some unreferenced bytes behind.
    // Load kept under 1/2: each member costs 8 bytes of index at most, and
    // linear probing stays short, which a new member pays twice (the miss, the insert).
    if ((members_.size() + 1) * 2 > index_.size()) rehash(std::max<std::size_t>(16, index_.size() * 2));
    offset(names_.size() + id.size(), "member ids");
    const Member m{hash, static_cast<std::uint32_t>(names_.size()), static_cast<std::uint32_t>(id.size()), 0,
                   offset(values_.size(), "cells")};
    const std::uint32_t number = offset(members_.size() + 1, "members") - 1;
    names_.append(id);
    members_.push_back(m);
    const std::size_t mask = index_.size() - 1;
    std::size_t s = hash & mask;
    while (index_[s] != 0) s = (s + 1) & mask;
    index_[s] = number + 1;
    return last_ = number;
}

std::int64_t MemoryLedger::key_id(std::string_view key, bool create) {
    if (key.empty()) return 0;
    if (auto it = keys_.find(key); it != keys_.end()) return it->second;
    if (!create) return -1;
    const auto id = offset(keys_.size() + 1, "keys");
    keys_.emplace(std::string(key), id);
    return id;
}

std::uint32_t MemoryLedger::position(const Member& m, const Column& col) const {
    const Layout l = layouts_[m.layout];
    return find_column(columns_.data() + l.first, l.size, col);
}

// locate() for read_period's cells (member, accumulators 0 .. n-1, one
// period, no key): they are one run of the member's layout, found once per
// layout and then by the layout's memo, with no per-cell search. Returns 1
// when every cell has a value, 0 when none has, -1 when only some have one
// (the general path decides). Only where_[0] is set, and only when it
// returns 1: the run's first value; add_period needs no more (and fills
// where_ itself before apply()).
int MemoryLedger::locate_period(std::string_view member, std::int32_t period, std::uint32_t n) {
    const std::uint32_t m = lookup(member);
    located_one_ = true;
    located_member_ = m;
    if (m == npos) return 0;
    Layout& l = layouts_[members_[m].layout];
    if (l.dense_n != n || l.dense_period != period) {
        // One pass over the layout: where accumulator 0 of the period is and
        // how many of the claim's cells the member has at all.
        const Column* const cols = columns_.data() + l.first;
        std::uint32_t start = npos, have = 0;
        for (std::uint32_t p = 0; p < l.size; ++p)
            if (cols[p].period == period && cols[p].key == 0 && cols[p].accumulator < n) {
                ++have;
                if (cols[p].accumulator == 0) start = p;
            }
        if (have == 0) return 0;
        if (have != n || start == npos || l.size - start < n) return -1;
        for (std::uint32_t k = 0; k < n; ++k)
            if (!(cols[start + k] == Column{k, period, 0})) return -1;
        l.dense_n = n;
        l.dense_pos = start;
        l.dense_period = period;
    }
    where_[0] = members_[m].values + l.dense_pos;
    return 1;
}

// Fills where_ with each cell's index in values_ (npos when the cell has no
// value yet) and says whether every cell has one.
bool MemoryLedger::locate(std::span<const Cell> cells) {
    const std::size_t n = cells.size();
    if (where_.size() < n) where_.resize(n);
    std::uint32_t* const w = where_.data();
    const Cell* const cs = cells.data();
    bool all = true;
    located_one_ = false;
    // One run of cells per member (the evaluator passes one run).
    for (std::size_t i = 0; i < n;) {
        const std::string_view id = cs[i].member;
        const std::uint32_t m = lookup(id);
        const bool first_run = i == 0;
        if (first_run) located_member_ = m;
        const Layout l = m == npos ? Layout{0, 0} : layouts_[members_[m].layout];
        const Column* const cols = columns_.data() + l.first;
        const std::uint32_t size = l.size, base = m == npos ? 0 : members_[m].values;
        std::uint32_t pos = npos;
        do {
            const Cell& c = cs[i];
            // An unknown key (-1) becomes an id no cell has.
            const Column col{c.accumulator, c.period, c.key.empty() ? 0u : static_cast<std::uint32_t>(key_id(c.key, false))};
            // Cells usually come in the order their columns were added: try
            // the one after the previous cell's before scanning.
            ++pos;
            if (pos >= size || !(cols[pos] == col)) pos = find_column(cols, size, col);
            w[i] = pos == npos ? npos : base + pos;
            all &= pos != npos;
        } while (++i < n && same(cs[i].member, id));
        located_one_ = first_run && i == n;
    }
    return all;
}

void MemoryLedger::read(std::span<const Cell> cells, std::span<std::int64_t> out) {
    if (out.size() < cells.size()) throw std::invalid_argument("MemoryLedger::read: output span too small");
    forget_pending();
    pending_all_ = locate(cells);
    for (std::size_t i = 0; i < cells.size(); ++i) out[i] = where_[i] == npos ? 0 : load(where_[i]);
}

void MemoryLedger::read_claim(std::span<const Cell> cells, std::span<std::int64_t> out) {
    read(cells, out);
    pending_ = cells.data();
    pending_size_ = cells.size();
}

// A value going back to 32 bits keeps its wide_ entry, so that undoing an add
// never allocates.
void MemoryLedger::store(std::uint32_t at, std::int64_t v) {
    if (v > INT32_MIN && v <= INT32_MAX) {
        values_[at] = static_cast<std::int32_t>(v);
    } else {
        wide_[at] = v;
        values_[at] = kWide;
    }
}

void MemoryLedger::add(std::span<const Cell> cells, std::span<const std::int64_t> deltas) {
    if (deltas.size() != cells.size()) throw std::invalid_argument("MemoryLedger::add: cells and deltas differ in size");
    forget_pending();
    // Phase 1: make sure every cell has a value. A failure here (allocation)
    // leaves at most some zero values behind, which read as absent cells do.
    if (!locate(cells)) {
        make_room(cells);
        locate(cells);
    }
    apply(deltas);
}

// read_claim left where_ describing these very cells (the caller's promise,
// checked as far as it can be: the same span), and nothing has moved since.
void MemoryLedger::add_claim(std::span<const Cell> cells, std::span<const std::int64_t> deltas) {
    if (pending_ == nullptr || pending_ != cells.data() || pending_size_ != cells.size() || deltas.size() != cells.size()) {
        add(cells, deltas);
        return;
    }
    forget_pending();
    if (!pending_all_ && !add_run(cells)) {
        make_room(cells);
        locate(cells);
    }
    apply(deltas);
}

// make_room and locate again in one pass, for the cells of one member
// (locate's located_one_): a member's first claim, or its first of a new
// year, gains its missing cells after the columns it has, in cell order, so
// where_ follows from the member's new place without another search or hash.
bool MemoryLedger::add_run(std::span<const Cell> cells) {
    if (!located_one_ || cells.empty()) return false;
    // Distinct columns for certain (Graph::settle names each accumulator
    // once, in order); anything else may name a missing cell twice.
    for (std::size_t k = 1; k < cells.size(); ++k)
        if (cells[k].accumulator <= cells[k - 1].accumulator) return false;
    fresh_.clear();
    for (std::size_t k = 0; k < cells.size(); ++k)
        if (where_[k] == npos)
            fresh_.push_back(Column{cells[k].accumulator, cells[k].period,
                                    cells[k].key.empty() ? 0u : static_cast<std::uint32_t>(key_id(cells[k].key, true))});
    grow_located(cells[0].member, cells.size());
    return true;
}

// The member locate() last saw (added if new) gains fresh_, the columns of
// its n cells that where_ marks npos, in that order, after the columns it
// has; where_ follows the member to its new place.
void MemoryLedger::grow_located(std::string_view member, std::size_t n) {
    std::uint32_t m = located_member_;
    if (m == npos) m = add_member(member, missed_hash_);
    grow_located_to(m, layout_after(members_[m].layout, fresh_), n);
}

// grow_located with the member's new layout known.
void MemoryLedger::grow_located_to(std::uint32_t m, std::uint32_t layout, std::size_t n) {
    const std::uint32_t was = members_[m].values, size = layouts_[members_[m].layout].size;
    move_to_layout(m, layout);
    const std::uint32_t now = members_[m].values;
    std::uint32_t* const w = where_.data();
    for (std::size_t k = 0, j = 0; k < n; ++k)
        w[k] = w[k] == npos ? now + size + static_cast<std::uint32_t>(j++) : w[k] - was + now;
}

// read_period's values when the member has every cell, one run from `run`.
inline void MemoryLedger::read_run(std::uint32_t run, std::span<std::int64_t> out) {
    const std::size_t n = out.size();
    where_[0] = run;
    pending_all_ = true;
    pending_size_ = n;
    const std::int32_t* const v = values_.data() + run;
    for (std::size_t k = 0; k < n; ++k) out[k] = v[k] != kWide ? v[k] : load(run + static_cast<std::uint32_t>(k));
}

void MemoryLedger::read_period(std::string_view member, std::int32_t period, std::span<std::int64_t> out) {
    const std::size_t n = out.size();
    forget_pending();
    if (where_.size() < n) where_.resize(n);
    // Most claims: the member of the claim before (settlement order brings a
    // member's claims together) in a layout whose run for this period is
    // known; what lookup() and locate_period() would find, without the calls.
    if (last_ != npos) {
        const Member& mb = members_[last_];
        const Layout& l = layouts_[mb.layout];
        if (l.dense_n == n && n > 0 && l.dense_period == period && same_id(name(mb), member)) {
            located_one_ = true;
            located_member_ = last_;
            read_run(mb.values + l.dense_pos, out);
            period_pending_ = true;
            period_member_ = member;
            period_ = period;
            return;
        }
    }
    const int found = n > 0 && n < UINT32_MAX ? locate_period(member, period, static_cast<std::uint32_t>(n)) : -1;
    if (found < 0) {
        // The member has some of the cells: the general path, cells named.
        period_cells_.resize(n);
        for (std::size_t k = 0; k < n; ++k) period_cells_[k] = Cell{member, static_cast<std::uint32_t>(k), period, {}};
        read_claim(period_cells_, out);
    } else {
        if (found == 1) {
            read_run(where_[0], out);  // one run of cells (locate_period)
        } else {
            pending_all_ = false;
            pending_size_ = n;
            std::fill(out.begin(), out.end(), 0);
        }
    }
    period_pending_ = true;
    period_member_ = member;
    period_ = period;
}

void MemoryLedger::add_period(std::string_view member, std::int32_t period, std::span<const std::int64_t> deltas) {
    const std::size_t n = deltas.size();
    const bool same_claim = period_pending_ && member.data() == period_member_.data() &&
                            member.size() == period_member_.size() && period == period_;
    if (same_claim && pending_ != nullptr && pending_ == period_cells_.data() && pending_size_ == n) {
        period_pending_ = false;
        add_claim(period_cells_, deltas);
        return;
    }
    if (!same_claim || pending_ != nullptr || pending_size_ != n) {
        period_cells_.resize(n);
        for (std::size_t k = 0; k < n; ++k) period_cells_[k] = Cell{member, static_cast<std::uint32_t>(k), period, {}};
        add(period_cells_, deltas);
        return;
    }
    forget_pending();
    std::uint32_t run = n > 0 ? where_[0] : 0;  // the period's first value
    if (!pending_all_) {
        // A new member, or a new period: every cell is missing.
        std::uint32_t m = located_member_;
        if (m == npos) m = add_member(member, missed_hash_);
        const std::uint32_t from = members_[m].layout;
        // Mixed, not summed: with from * 31 + period, a new member's step
        // into one year and the next member's step into the year before
        // shared an entry, and pushed each other out on every claim.
        static_assert(std::extent_v<decltype(period_steps_)> == 16);
        PeriodStep& step =
            period_steps_[((from * 0x9E3779B1u) ^ (static_cast<std::uint32_t>(period) * 0x85EBCA77u)) >> 28];
        if (step.from != from || step.n != n || step.period != period) {
            fresh_.clear();
            for (std::uint32_t k = 0; k < n; ++k) fresh_.push_back(Column{k, period, 0});
            const std::uint32_t to = layout_after(from, fresh_);
            step = PeriodStep{from, static_cast<std::uint32_t>(n), period, to};
        }
        // Every cell was missing (locate_period found none), so the run
        // is simply the values after the ones the member had; where_ is
        // needed only if apply() has to take over, below.
        const std::uint32_t had = layouts_[members_[m].layout].size;
        move_to_layout(m, step.to);
        run = members_[m].values + had;
    }
    // The period's cells are one run (locate_period, grow_located): added
    // in place while every value stays narrow, which is nearly always;
    // otherwise undone and left to apply(), which handles wide values.
    if (n > 0) {
        if (add_narrow(values_.data() + run, deltas.data(), n)) return;
        for (std::uint32_t j = 0; j < n; ++j) where_[j] = run + j;
    }
    apply(deltas);
}

// Phase 2 of an add, every cell located: apply the deltas; an overflow (or no
// memory for a wide value) undoes the ones already applied, latest first, so a
// cell named twice goes back through values it held.
void MemoryLedger::apply(std::span<const std::int64_t> deltas) {
    const std::uint32_t* const w = where_.data();
    std::size_t i = 0;
    try {
        // Most of a claim's deltas are 0 (stages that paid nothing).
        for (; i < deltas.size(); ++i)
            if (deltas[i] != 0) store(w[i], detail::checked_add(load(w[i]), deltas[i]));
    } catch (...) {
        while (i-- > 0) store(w[i], load(w[i]) - deltas[i]);
        throw;
    }
}

// Gives every cell that locate() found without a value one, adding a member's
// missing cells in one step per run of its cells, so that a new period moves
// the member at most once.
void MemoryLedger::make_room(std::span<const Cell> cells) {
    for (std::size_t i = 0, j = 0; i < cells.size(); i = j) {
        const std::string_view id = cells[i].member;
        for (j = i + 1; j < cells.size() && same(cells[j].member, id); ++j) {
        }
        std::uint32_t m = lookup(id);
        if (m == npos) m = add_member(id, missed_hash_);
        fresh_.clear();
        for (std::size_t k = i; k < j; ++k) {
            if (where_[k] != npos) continue;
            const Column col{cells[k].accumulator, cells[k].period, static_cast<std::uint32_t>(key_id(cells[k].key, true))};
            // The member may have gained the cell in an earlier run of this
            // call; in the first run, locate() has just said it has not.
            if ((i == 0 || position(members_[m], col) == npos) && std::find(fresh_.begin(), fresh_.end(), col) == fresh_.end())
                fresh_.push_back(col);
        }
        if (!fresh_.empty()) add_columns(m, fresh_);
    }
}

void MemoryLedger::add_columns(std::uint32_t member, std::span<const Column> fresh) {
    move_to_layout(member, layout_after(members_[member].layout, fresh));
}

// The member's values laid out by `layout`, its layout plus columns after.
void MemoryLedger::move_to_layout(std::uint32_t member, std::uint32_t layout) {
    forget_pending();  // values may move
    const std::uint32_t old = members_[member].layout;
    const std::uint32_t size = layouts_[old].size, grown = layouts_[layout].size;
    offset(values_.size() + grown, "cells");
    Member& m = members_[member];
    if (m.values + size == values_.size()) {
        // Settlement order brings a member's claims together, so the member
        // gaining cells is nearly always the last one stored: grow it in place.
        values_.resize(m.values + grown);
    } else {
        const auto at = static_cast<std::uint32_t>(values_.size());
        values_.resize(at + grown);
        for (std::uint32_t k = 0; k < size; ++k) {
            if (values_[m.values + k] == kWide) wide_[at + k] = wide_.at(m.values + k);
            values_[at + k] = values_[m.values + k];
        }
        m.values = at;
        garbage_ += size;
    }
    m.layout = layout;
    if (garbage_ * 2 > values_.size()) compact();
}

// Layouts are found by the step that makes them (the layout before, the
// columns added), which is shorter to hash than the whole column list; two
// paths to the same columns just make two layouts.
std::uint32_t MemoryLedger::layout_after(std::uint32_t from, std::span<const Column> fresh) {
    static_assert(std::has_unique_object_representations_v<Column>, "steps are compared as bytes");
    step_.assign(reinterpret_cast<const char*>(&from), sizeof from);
    step_.append(reinterpret_cast<const char*>(fresh.data()), fresh.size() * sizeof(Column));
    for (const RecentStep& r : recent_)
        if (r.step == step_) return r.layout;
    const auto remember = [&](std::uint32_t layout) {
        RecentStep& r = recent_[recent_next_++ % std::size(recent_)];
        r.step.assign(step_);
        r.layout = layout;
        return layout;
    };
    if (const auto it = layout_ids_.find(step_); it != layout_ids_.end()) return remember(it->second);
    const Layout old = layouts_[from];
    const std::uint32_t id = offset(layouts_.size(), "layouts");
    offset(columns_.size() + old.size + fresh.size(), "layout columns");
    const auto first = static_cast<std::uint32_t>(columns_.size());
    // No reallocation while copying from itself; still growing geometrically.
    if (const std::size_t need = columns_.size() + old.size + fresh.size(); need > columns_.capacity())
        columns_.reserve(std::max(need, 2 * columns_.capacity()));
    for (std::uint32_t k = 0; k < old.size; ++k) columns_.push_back(columns_[old.first + k]);
    columns_.insert(columns_.end(), fresh.begin(), fresh.end());
    layouts_.push_back(Layout{first, old.size + static_cast<std::uint32_t>(fresh.size())});
    layout_ids_.emplace(step_, id);
    return remember(id);
}

// Members whose cells arrive interleaved with other members' move and leave
// their old values behind; once that is half the array, pack it again.
void MemoryLedger::compact() {
    std::vector<std::int32_t> packed;
    packed.reserve(values_.size() - garbage_);
    std::unordered_map<std::uint32_t, std::int64_t> wide;
    for (const Member& m : members_)
        for (std::uint32_t k = 0; k < layouts_[m.layout].size; ++k) {
            if (values_[m.values + k] == kWide) wide.emplace(static_cast<std::uint32_t>(packed.size()), wide_.at(m.values + k));
            packed.push_back(values_[m.values + k]);
        }
    // Nothing above changed the ledger; from here nothing can fail.
    std::uint32_t at = 0;
    for (Member& m : members_) {
        m.values = at;
        at += layouts_[m.layout].size;
    }
    values_.swap(packed);
    wide_.swap(wide);
    garbage_ = 0;
}

std::int64_t MemoryLedger::get(std::string_view member, std::uint32_t accumulator, std::int32_t period,
                               std::string_view key) const {
    const std::uint32_t m = find_member(member, hash_of(member));
    if (m == npos) return 0;
    std::uint32_t id = 0;
    if (!key.empty()) {
        const auto k = keys_.find(key);
        if (k == keys_.end()) return 0;
        id = k->second;
    }
    const std::uint32_t pos = position(members_[m], Column{accumulator, period, id});
    return pos == npos ? 0 : load(members_[m].values + pos);
}

}  // namespace claimgraph
