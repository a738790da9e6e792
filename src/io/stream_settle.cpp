// Streaming settlement for input already in settlement order: claims are read
// a block of lines at a time, settled and written at once, so memory stays
// bounded by the block and the ledger whatever the file's size.
#include <fmt/format.h>

#include <istream>
#include <unordered_map>

#include "claimgraph/io.hpp"

namespace claimgraph {

namespace {

constexpr std::size_t kBlockLines = 4096;

// The last (date, claim_id) settled per member: each member's claims must come
// in strictly increasing settlement order (an equal key is a repeated claim).
class OrderCheck {
public:
    // Empty when in order; otherwise why not.
    std::string admit(const Claim& c) {
        auto [it, fresh] = last_.try_emplace(c.member_id, Last{c.date, c.claim_id});
        if (fresh) return {};
        Last& l = it->second;
        if (c.date == l.date && c.claim_id == l.claim_id)
            return fmt::format("duplicate claim_id: already settled for member {}", c.member_id);
        if (c.date < l.date || (c.date == l.date && c.claim_id < l.claim_id))
            return fmt::format("out of settlement order (--sorted): member {} already settled {} of {}", c.member_id,
                               l.claim_id, l.date.str());
        l.date = c.date;
        l.claim_id = c.claim_id;
        return {};
    }

private:
    struct Last {
        Date date;
        std::string claim_id;
    };
    std::unordered_map<std::string, Last> last_;
};

}  // namespace

BatchCounts settle_stream(const Graph& g, std::istream& in, Ledger& ledger, const ResultFormat& format,
                          const std::function<void(std::string_view)>& sink) {
    BatchCounts counts;
    OrderCheck order;
    std::string out, block, line;
    write_header(g, format, out);
    Settlement s;
    std::size_t line_no = 0;
    for (bool more = true; more;) {
        block.clear();
        const std::size_t first_line = line_no + 1;
        std::size_t lines = 0;
        while (lines < kBlockLines && (more = static_cast<bool>(std::getline(in, line)))) {
            block += line;
            block += '\n';
            ++lines;
        }
        line_no += lines;
        if (in.bad()) throw std::runtime_error("cannot read the claims stream");
        for (ClaimRecord& r : read_claims_jsonl(g, block)) {
            r.claim.line += first_line - 1;  // line numbers within the block → within the stream
            if (!r.ok) {
                write_error(g, r, format, out);
                ++counts.errors;
            } else if (std::string why = order.admit(r.claim); !why.empty()) {
                s = Settlement{};
                s.claim_id = r.claim.claim_id;
                s.status = SettleStatus::error;
                s.field = "claim_id";
                s.message = std::move(why);
                write_result(g, s, format, out);
                ++counts.errors;
            } else {
                g.settle(r.claim, ledger, s);
                write_result(g, s, format, out);
                switch (s.status) {
                    case SettleStatus::settled: ++counts.settled; break;
                    case SettleStatus::rejected: ++counts.rejected; break;
                    case SettleStatus::error: ++counts.errors; break;
                }
            }
            out += '\n';
        }
        sink(out);
        out.clear();
    }
    return counts;
}

}  // namespace claimgraph
