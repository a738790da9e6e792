// Streaming settlement for input already in settlement order: the stream is
// read 8 MB at a time and each line is decoded in place, settled and written
// as it comes, so memory stays bounded by the blocks and the ledger whatever
// the input's size.
#include <fmt/format.h>

#include <istream>
#include <unordered_map>

#include "claimgraph/io.hpp"
#include "io/line_blocks.hpp"

namespace claimgraph {

namespace {

// Output is handed on in blocks of about this size.
constexpr std::size_t kBlockBytes = std::size_t{1} << 20;

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
    ClaimDecoder decoder(g);
    ClaimRecord r;
    Settlement s;
    std::string out;
    write_header(g, format, out);
    detail::LineBlocks lines([&in](char* buf, std::size_t n) {
        in.read(buf, static_cast<std::streamsize>(n));
        if (in.bad()) throw std::runtime_error("cannot read the claims stream");
        return static_cast<std::size_t>(in.gcount());
    });
    std::string_view text;
    std::uint64_t offset = 0;
    std::size_t line_no = 0;
    while (lines.next(text, offset)) {
        ++line_no;
        if (line_no == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (text.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank lines yield no record
        decoder.decode(text, text.size() + detail::LineBlocks::padding, r);  // in place
        r.claim.line = line_no;
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
        if (out.size() >= kBlockBytes) {
            sink(out);
            out.clear();
        }
    }
    if (!out.empty()) sink(out);
    return counts;
}

}  // namespace claimgraph
