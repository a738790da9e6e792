// Evaluate: one pass over the lowered ops for each claim (the loop itself is
// in settle_impl.hpp).
#include "engine/settle_impl.hpp"

namespace claimgraph {
namespace detail {

void exec_op(const Program& p, const Op& op, std::int64_t* s) { run_op(p, op, s); }

}  // namespace detail

using detail::Program;

const Schema& Graph::schema() const { return p_->schema; }
const std::string& Graph::policy_id() const { return p_->policy_id; }
const std::vector<std::string>& Graph::output_names() const { return p_->output_names; }
const std::vector<std::string>& Graph::stage_ids() const { return p_->stage_ids; }
const std::vector<std::string>& Graph::accumulator_names() const { return p_->accumulator_names; }
const std::string& Graph::output_label(std::size_t i) const { return p_->outputs.at(i).label; }
const std::string& Graph::output_category(std::size_t i) const { return p_->outputs.at(i).category; }
const std::string& Graph::stage_label(std::size_t i) const { return p_->stages.at(i).label; }
std::size_t Graph::node_count() const { return p_->ops.size() + p_->line_ops.size(); }

std::int32_t Graph::period_of(const Claim& c, std::size_t accumulator) const {
    return detail::period_start_year(p_->accumulators.at(accumulator), c.date.year(), c.date.month(), c.date.day());
}

Settlement Graph::settle(const Claim& claim, Ledger& ledger) const {
    Settlement s;
    settle(claim, ledger, s);
    return s;
}

void Graph::settle(const Claim& c, Ledger& ledger, Settlement& out) const {
    detail::settle_impl<false>(*p_, c, ledger, out, nullptr);
}

void Graph::settle(const Claim& c, Ledger& ledger, Settlement& out, const Claim* next) const {
    // Two steps, because a claim's arrays are found only through the claim:
    // the claim itself is asked for now, and its arrays once this claim is
    // settled, by when it has arrived (asking for them now would wait for it).
    // What settling reads of a Claim lies before its texts (claim.hpp).
    if (next != nullptr)
        detail::prefetch_lines(next, static_cast<std::size_t>(reinterpret_cast<const char*>(&next->texts) -
                                                              reinterpret_cast<const char*>(next)));
    detail::settle_impl<false>(*p_, c, ledger, out, nullptr);
    if (next != nullptr) {
        detail::prefetch_claim(*next);
        // Ids longer than the string's inline buffer (18-digit ID-card numbers) live apart too.
        __builtin_prefetch(next->member_id.data());
        __builtin_prefetch(next->claim_id.data());
    }
}

}  // namespace claimgraph
