// Batch settlement: each member's claims in (date, claim_id) order, results in
// input order.
#pragma once

#include <cstdint>
#include <vector>

#include "claimgraph/graph.hpp"

namespace claimgraph {

// Orders an index, not the claims: settlement order is (member_id, date,
// claim_id), ids compared as plain byte strings; ties keep input order.
std::vector<std::uint32_t> settlement_order(const std::vector<Claim>& claims);

// Settles every claim, each member's claims in settlement order (members in
// an order of the engine's choosing: they share no accumulator); results[i]
// belongs to claims[i].
// A claim_id already seen earlier in `claims` is not settled twice: its result
// has status error. A claim whose settlement throws gets status error too.
std::vector<Settlement> settle_batch(const Graph& g, const std::vector<Claim>& claims, Ledger& ledger);

}  // namespace claimgraph
