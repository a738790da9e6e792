// Internal: between the two passes of settle_file, the order in which the
// claims of a file are settled, and what else pass 2 needs of the key index.
//
// Settlement order: members by a hash of their id, each member's claims by
// (date, claim_id), ties in input order. Any order of members will do (each
// has its own accumulators, and rows go out in input order); the hash keeps
// the sort off the ids, which lie all over memory. Two members with the same
// hash are taken as one: their claims interleave by date, and each member's
// claims are still in its own order.
//
// Each worker gets the members whose hash it is dealt, and per claim we keep
// its place in its worker's share, whether it follows a claim of the same
// member there, and whose it is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engine/page_allocator.hpp"
#include "io/key_index.hpp"
#include "io/line_window.hpp"

namespace claimgraph::detail {

// A claim's state bits in the settlement pass.
constexpr std::uint8_t kFollows = 1;  // it follows a claim of the same member in settlement order
constexpr std::uint8_t kDone = 2;     // settled (or an error row)
constexpr std::uint8_t kCounted = 4;  // the window would serve it (counted before choosing)
// The claim before it of its member (in settlement order) has bit `done`: set
// when that claim is marked, so that whether a claim is ready is read off its
// own state, not off its member's claim before, which lies anywhere in the file.
constexpr std::uint8_t after_done(std::uint8_t done) { return static_cast<std::uint8_t>(done << 2); }

struct ClaimsInOrder {
    std::vector<ZeroArray<std::uint32_t>> share;  // per worker: its claims (line indexes) in settlement order
    std::vector<std::size_t> members;             // per worker: its members (as the order tells them apart)
    ZeroArray<std::uint32_t> rank;                // line → its place in its worker's share
    ZeroArray<std::uint8_t> state;                // line → kFollows; kDone | kCounted for a line without keys
    ZeroArray<std::uint8_t> owner;                // line → its worker (empty with one worker)
    std::unordered_map<std::uint32_t, std::uint32_t> first_line;  // a repeated claim_id's line → the first one's
    PageVector<LinePlace> places;                 // line → where it is in the file
    ZeroArray<std::uint32_t> member_hash;         // line → its member as a MemoryLedger hashes it (low 32 bits)
    std::vector<std::uint32_t> unreadable;        // the lines whose keys could not be read, in order
};

// Seconds each of the two threads took.
struct OrderTimes {
    double sort = 0;  // the settlement order
    double rest = 0;  // the repeated-id check and the lines' places
};

// On two threads when there are several workers: the settlement order on
// one, the rest on the other, which then helps sort and rank the order.
ClaimsInOrder order_claims(const KeyIndex& index, std::size_t workers, OrderTimes* times = nullptr);

}  // namespace claimgraph::detail
