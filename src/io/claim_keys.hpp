// Internal: a claim line's settlement keys (member_id, claim_id, date) without
// decoding the rest — for the key pass of settle_file and for choosing the
// worker of a line in a parallel --sorted stream.
#pragma once

#include <string_view>

#include <simdjson.h>

namespace claimgraph::detail {

class ClaimKeys {
public:
    // Readable bytes the line must be followed by (simdjson reads past it).
    static constexpr std::size_t padding = simdjson::SIMDJSON_PADDING;

    // The three keys as they are written (views into the line or into this
    // reader's buffer, valid until the next call); false when they cannot be
    // read (not an object, a key missing or not a string). The line is not
    // checked beyond that: the full decoder does that, and reports it.
    bool read(std::string_view line, std::string_view& member, std::string_view& id, std::string_view& date);

private:
    simdjson::ondemand::parser parser_;
};

}  // namespace claimgraph::detail
