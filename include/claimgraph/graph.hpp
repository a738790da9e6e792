// A compiled policy: a flat, typed evaluation graph. Compile once, settle many.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "claimgraph/claim.hpp"
#include "claimgraph/ledger.hpp"
#include "claimgraph/money.hpp"
#include "claimgraph/schema.hpp"
#include "claimgraph/trace.hpp"

namespace claimgraph {

namespace detail {
struct Program;
}

enum class SettleStatus : std::uint8_t { settled, rejected, error };

struct StageResult {
    bool applied = false;
    Money base, deductible, raw, pay;
    std::string rejection;  // a stage-level rejection code, if any
};

struct Settlement {
    std::string claim_id;
    SettleStatus status = SettleStatus::settled;
    std::vector<Money> outputs;        // in Graph::output_names() order
    std::vector<StageResult> stages;   // in Graph::stage_ids() order
    std::string code;                  // rejection code, when rejected
    std::string message;               // rejection or error message
    std::string field;                 // the offending field, when status == error
};

class Graph {
public:
    const Schema& schema() const;
    const std::string& policy_id() const;
    const std::vector<std::string>& output_names() const;
    const std::vector<std::string>& stage_ids() const;
    const std::vector<std::string>& accumulator_names() const;
    // Per output, in output_names() order: its display label and its FHIR
    // ExplanationOfBenefit adjudication category ("" when the policy gives none).
    const std::string& output_label(std::size_t i) const;
    const std::string& output_category(std::size_t i) const;
    const std::string& stage_label(std::size_t i) const;
    std::size_t node_count() const;

    // Settles one claim: reads the member's accumulators, evaluates, and adds
    // this claim's updates to the ledger (only when it settles).
    Settlement settle(const Claim& claim, Ledger& ledger) const;
    void settle(const Claim& claim, Ledger& ledger, Settlement& out) const;  // reuses out's buffers
    // The same, for a caller settling a batch: `next` is the claim it will
    // settle after this one (nullptr: none), which is fetched from memory while
    // this one is settled. A batch's claims are scattered in memory, and
    // waiting for each as it comes costs as much as settling it; the results
    // are exactly those of settle() without the hint.
    void settle(const Claim& claim, Ledger& ledger, Settlement& out, const Claim* next) const;
    // The same, recording how every amount was reached into `trace`.
    void settle(const Claim& claim, Ledger& ledger, Settlement& out, Trace& trace) const;

    // The ledger cells this claim touches, in accumulator order.
    std::int32_t period_of(const Claim& claim, std::size_t accumulator) const;

    explicit Graph(std::shared_ptr<const detail::Program> p) : p_(std::move(p)) {}
    const detail::Program& program() const { return *p_; }

private:
    std::shared_ptr<const detail::Program> p_;
};

// load → check → lower. Throws CompileError with every problem found.
Graph compile_policy_file(const std::filesystem::path& path);
Graph compile_policy_text(std::string_view yaml, const std::string& file_name = "<policy>");

}  // namespace claimgraph
