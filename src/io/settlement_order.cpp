#include "io/settlement_order.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <string_view>
#include <utility>

#include "engine/batch_rows.hpp"

namespace claimgraph::detail {

namespace {

// Claims sorted by a key of `bits` bits, and among equal keys by a tie-break
// (a strict total order). One pass counts them by the key's top 11 bits, a
// second puts each straight into its bucket, then each bucket (a few hundred
// claims, in the cache) is sorted by the rest of its key, 8 bits a pass,
// keeping equal keys in their order, and each run of equal keys by the
// tie-break. The buckets are taken one at a time by whichever threads sort.
//
// A radix sort of the whole array (as this was) needs a second array of all
// the claims, 16 MB of new pages a million claims, which a virtual machine can
// be slow to give (faulting them in was a third of the settlement order's
// time), and each of its passes goes over the whole.
template <class T>
class Buckets {
public:
    static constexpr int kTop = 11;
    static constexpr std::size_t kCount = std::size_t{1} << kTop;

    // `produce(take)` calls take with each claim, in the same order each time.
    template <class Produce, class KeyOf>
    void fill(int bits, Produce&& produce, KeyOf key) {
        rest_ = std::max(bits - kTop, 0);
        at_.assign(kCount + 1, 0);
        produce([&](const T& x) { ++at_[(key(x) >> rest_) + 1]; });
        for (std::size_t b = 1; b <= kCount; ++b) at_[b] += at_[b - 1];
        v_ = ZeroArray<T>(at_[kCount]);
        std::vector<std::size_t> next(at_.begin(), at_.end() - 1);
        produce([&](const T& x) { v_[next[key(x) >> rest_]++] = x; });
    }

    // Sorts the buckets no thread has taken yet; `sorted(b)` after each.
    template <class KeyOf, class Tie, class Sorted>
    void sort(KeyOf key, Tie tie, Sorted&& sorted) {
        std::vector<T> scratch;
        for (std::size_t b; (b = next_.fetch_add(1, std::memory_order_relaxed)) < kCount;) {
            sort_bucket(b, key, tie, scratch);
            sorted(b);
            if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == kCount) done_.notify_all();
        }
    }
    // Until every bucket is sorted (by any thread).
    void wait_sorted() const {
        for (std::size_t d = done_.load(std::memory_order_acquire); d < kCount; d = done_.load(std::memory_order_acquire))
            done_.wait(d, std::memory_order_acquire);
    }

    std::size_t size() const { return v_.size(); }
    const T& operator[](std::size_t k) const { return v_[k]; }
    std::size_t first(std::size_t b) const { return at_[b]; }  // bucket b is [first(b), first(b + 1))

private:
    template <class KeyOf, class Tie>
    void sort_bucket(std::size_t b, KeyOf key, Tie tie, std::vector<T>& scratch) {
        T* const first = v_.data() + at_[b];
        const std::size_t m = at_[b + 1] - at_[b];
        if (m < 2) return;
        if (scratch.size() < m) scratch.resize(m);
        T *from = first, *to = scratch.data();
        std::array<std::uint32_t, 256> count;
        for (int shift = 0; shift < rest_; shift += 8) {
            count.fill(0);
            for (std::size_t j = 0; j < m; ++j) ++count[key(from[j]) >> shift & 0xFF];
            if (std::find(count.begin(), count.end(), m) != count.end()) continue;  // one digit value: nothing moves
            std::uint32_t sum = 0;
            for (auto& c : count) sum += std::exchange(c, sum);
            for (std::size_t j = 0; j < m; ++j) to[count[key(from[j]) >> shift & 0xFF]++] = from[j];
            std::swap(from, to);
        }
        if (from != first) std::copy(from, from + m, first);
        for (std::size_t j = 0; j < m;) {
            std::size_t e = j + 1;
            while (e < m && key(first[e]) == key(first[j])) ++e;
            if (e - j > 1) std::sort(first + j, first + e, tie);
            j = e;
        }
    }

    int rest_ = 0;
    std::vector<std::size_t> at_;
    ZeroArray<T> v_;
    std::atomic<std::size_t> next_{0}, done_{0};
};

// A claim under 32 bits of a hash of its claim_id. Ids that share the bits
// are told apart by the sort's tie-break, which compares the ids themselves.
struct ById {
    std::uint32_t hash, index;
};

// A claim's place in settlement order (16 bytes: alive beside the whole key index).
struct ClaimOrder {
    std::uint64_t member;  // the top bits of a hash of member_id: the member as the order knows it
    std::int32_t date;
    std::uint32_t index;
};

// The sort key of ClaimOrder: member, then date, in as few bits as the
// file's dates allow (a bucket's passes skip none of the bits they cover).
// The member keeps at least 33 bits of its hash: ids that share them are
// taken as one member, as any two with the same hash would be. Its top bits
// are the key's, so a member's claims share one bucket.
struct OrderKey {
    std::int32_t first_date = 0;
    int date_bits = 0, member_bits = 64;
    OrderKey(std::int32_t first, std::int32_t last) : first_date(first) {
        date_bits = std::bit_width(static_cast<std::uint32_t>(last - first));  // a real date's day number is within ±2^23
        member_bits = std::max(33, 44 - date_bits);
    }
    std::uint64_t member_of(std::uint64_t id_hash) const { return id_hash >> (64 - member_bits); }
    int bits() const { return member_bits + date_bits; }
    std::uint64_t operator()(const ClaimOrder& c) const {
        return c.member << date_bits | static_cast<std::uint32_t>(c.date - first_date);
    }
};

// Until `stage` is at least `want`.
void wait_for(const std::atomic<int>& stage, int want) {
    for (int s = stage.load(std::memory_order_acquire); s < want; s = stage.load(std::memory_order_acquire))
        stage.wait(s, std::memory_order_acquire);
}

}  // namespace

ClaimsInOrder order_claims(const KeyIndex& index, std::size_t workers, OrderTimes* times) {
    using Clock = std::chrono::steady_clock;
    const std::uint32_t n = index.size();
    ClaimsInOrder o;
    o.rank = ZeroArray<std::uint32_t>(n);
    o.state = ZeroArray<std::uint8_t>(n);
    o.owner = ZeroArray<std::uint8_t>(workers > 1 ? n : 0);
    o.member_hash = ZeroArray<std::uint32_t>(n);
    o.share.resize(workers);
    o.members.assign(workers, 0);

    // Same member and date: by claim_id, then by line.
    const std::int32_t first_date = index.first_date();
    const OrderKey order_key(first_date, std::max(first_date, index.last_date()));
    auto by_id_then_line = [&](const auto& a, const auto& b) {
        if (const int c = index.id(a.index).compare(index.id(b.index)); c != 0) return c < 0;
        return a.index < b.index;
    };
    Buckets<ClaimOrder> order;
    // Each worker's claims in each bucket, counted as the bucket is sorted;
    // then where they start in the worker's share.
    std::vector<std::uint32_t> in_bucket(Buckets<ClaimOrder>::kCount * workers, 0);
    auto sort_order = [&] {
        order.sort(order_key, by_id_then_line, [&](std::size_t b) {
            for (std::size_t k = order.first(b); k < order.first(b + 1); ++k) ++in_bucket[b * workers + order[k].member % workers];
        });
    };
    // The shares, sized exactly (memory is the limit here).
    auto make_shares = [&] {
        std::vector<std::uint32_t> size(workers, 0);
        for (std::size_t b = 0; b < Buckets<ClaimOrder>::kCount; ++b)
            for (std::size_t w = 0; w < workers; ++w) size[w] += std::exchange(in_bucket[b * workers + w], size[w]);
        for (std::size_t w = 0; w < workers; ++w) o.share[w] = ZeroArray<std::uint32_t>(size[w]);
    };
    // Each claim ranked in its worker's share, a run of buckets at a time by
    // whichever thread takes it (a member's claims are in one bucket).
    std::atomic<std::size_t> next_run{0};
    auto rank_claims = [&] {
        constexpr std::size_t kRun = 32;
        std::vector<std::uint32_t> at(workers);
        std::vector<std::size_t> members(workers, 0);
        for (std::size_t from; (from = next_run.fetch_add(kRun, std::memory_order_relaxed)) < Buckets<ClaimOrder>::kCount;) {
            const std::size_t to = std::min(from + kRun, Buckets<ClaimOrder>::kCount);
            for (std::size_t w = 0; w < workers; ++w) at[w] = in_bucket[from * workers + w];
            const std::size_t end = order.first(to);
            for (std::size_t k = order.first(from); k < end; ++k) {
                const ClaimOrder& c = order[k];
                if (k + 16 < end) {  // in settlement order the claims lie all over the file
                    const std::uint32_t ahead = order[k + 16].index;
                    __builtin_prefetch(&o.state[ahead], 1);
                    __builtin_prefetch(&o.rank[ahead], 1);
                    if (workers > 1) __builtin_prefetch(&o.owner[ahead], 1);
                }
                const std::size_t w = c.member % workers;
                if (k > order.first(from) && order[k - 1].member == c.member)
                    o.state[c.index] = kFollows;
                else
                    ++members[w];
                if (workers > 1) o.owner[c.index] = static_cast<std::uint8_t>(w);
                o.share[w][at[w]] = c.index;
                o.rank[c.index] = at[w]++;
            }
        }
        for (std::size_t w = 0; w < workers; ++w) std::atomic_ref(o.members[w]).fetch_add(members[w], std::memory_order_relaxed);
    };

    // A claim_id seen earlier in the file is an error row, never settled
    // twice: claims sorted by a hash of their id put repeats side by side.
    auto find_repeats = [&] {
        Buckets<ById> by_id;
        by_id.fill(
            32,
            [&](auto&& take) {
                index.for_each([&](std::uint32_t i, KeyIndex::KeyRef k) {
                    if (k.keys_ok()) take(ById{k.id_hash(), i});
                });
            },
            [](const ById& x) { return std::uint64_t{x.hash}; });
        by_id.sort([](const ById& x) { return std::uint64_t{x.hash}; }, by_id_then_line, [](std::size_t) {});
        for (std::size_t k = 1; k < by_id.size(); ++k) {
            const std::uint32_t i = by_id[k].index, prev = by_id[k - 1].index;
            if (by_id[k].hash != by_id[k - 1].hash || index.id(i) != index.id(prev)) continue;
            const auto first = o.first_line.find(prev);
            o.first_line[i] = first != o.first_line.end() ? first->second : index.line(prev);
        }
    };
    // Where each line is, and which lines' keys could not be read. And each
    // claim's member by the hash a MemoryLedger files it under, so that the
    // ledger can fetch the member's entry a few claims ahead.
    auto lines_apart = [&] {
        o.places = index.places();
        index.for_each([&](std::uint32_t i, KeyIndex::KeyRef k) {
            if (!k.keys_ok()) {
                o.unreadable.push_back(i);
                o.state[i] = kDone | kCounted;  // in no share: the window passes them by
            } else {
                o.member_hash[i] = static_cast<std::uint32_t>(k.member_hash());
            }
        });
    };

    // With several workers, on two threads: the settlement order's buckets
    // are filled on one while the other checks the ids and places the lines,
    // then both sort buckets and rank claims. They only read the index;
    // lines_apart writes the state of the claims without keys, the ranking
    // that of the others. Their arrays are held together for the length of
    // the sorts, under the settlement pass's peak (the rows, the ledger and
    // the window).
    std::atomic<int> stage{0};  // 1: the order's buckets filled; 2: sorted and the shares made
    run_workers(workers > 1 ? 2 : 1, [&](std::size_t part) {
        const auto start = Clock::now();
        auto took = [&](double OrderTimes::*what) {
            if (times != nullptr) times->*what = std::chrono::duration<double>(Clock::now() - start).count();
        };
        if (part == 0) {
            order.fill(
                order_key.bits(),
                [&](auto&& take) {
                    index.for_each([&](std::uint32_t i, KeyIndex::KeyRef k) {
                        if (k.keys_ok()) take(ClaimOrder{order_key.member_of(k.member_hash()), k.date(), i});
                    });
                },
                order_key);
            stage.store(1, std::memory_order_release);
            stage.notify_all();
            sort_order();
            order.wait_sorted();
            make_shares();
            stage.store(2, std::memory_order_release);
            stage.notify_all();
            rank_claims();
            took(&OrderTimes::sort);
        }
        if (part == 1 || workers == 1) {
            find_repeats();
            lines_apart();
            took(&OrderTimes::rest);
            if (workers == 1) return;
            wait_for(stage, 1);
            sort_order();
            wait_for(stage, 2);
            rank_claims();
        }
    });
    return o;
}

}  // namespace claimgraph::detail
