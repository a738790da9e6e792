// OrderCheck (settle --sorted): each member's claims in strictly increasing
// (date, claim_id), checked against a plain map over interleaved members.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <utility>

#include "io/order_check.hpp"

using namespace claimgraph;

TEST_CASE("OrderCheck admits what a map of each member's last claim admits, for thousands of members", "[stream]") {
    std::mt19937 rng(17);
    detail::OrderCheck check;
    std::map<std::string, std::pair<std::int32_t, std::string>> last;  // the reference
    std::size_t admitted = 0, refused = 0;
    for (int run = 0; run < 20000; ++run) {
        // Runs of one member's claims (as a sorted file brings them), members
        // coming back later, ids long enough to leave the string's inline room.
        const unsigned m = rng() % 5000;
        const std::string member = std::string("M") + std::to_string(m) + (m % 7 == 0 ? std::string(20, 'x') : "");
        for (unsigned k = 0, n = 1 + rng() % 4; k < n; ++k) {
            Claim c;
            c.member_id = member;
            c.date = Date{static_cast<std::int32_t>(20000 + rng() % 400)};
            c.claim_id = std::string("C") + std::to_string(rng() % 50) + (m % 5 == 0 ? std::string(18, 'y') : "");
            const auto it = last.find(c.member_id);
            const bool in_order = it == last.end() || std::pair(c.date.days, c.claim_id) > it->second;
            const std::string why = check.admit(c);
            CHECK(why.empty() == in_order);
            if (in_order) {
                last[c.member_id] = {c.date.days, c.claim_id};
                ++admitted;
            } else {
                const bool repeated = std::pair(c.date.days, c.claim_id) == it->second;
                CHECK(why.find(repeated ? "duplicate claim_id" : "out of settlement order") != std::string::npos);
                ++refused;
            }
        }
    }
    CHECK(check.members() == last.size());
    CHECK(last.size() > 4000);
    CHECK(admitted > 10000);
    CHECK(refused > 10000);
}
