// The settlement order of a claims file (order_claims): each worker's share,
// and the members it counts per worker, which size the workers' ledgers.

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "claimgraph/claim.hpp"
#include "io/claim_file.hpp"
#include "io/key_index.hpp"
#include "io/settlement_order.hpp"
#include "support.hpp"

using namespace claimgraph::detail;

TEST_CASE("order_claims: every claim in one share, and each worker's members counted", "[order]") {
    // 700 members, 1 to 6 claims each over two years, shuffled; two lines
    // whose keys cannot be read, in no share and no member's.
    std::mt19937 rng(11);
    std::vector<std::string> lines;
    std::vector<std::string> member_of;
    for (int m = 0; m < 700; ++m)
        for (int k = 0, claims = 1 + static_cast<int>(rng() % 6); k < claims; ++k) {
            member_of.push_back(fmt::format("M{:05}", m));
            lines.push_back(fmt::format(R"({{"claim_id":"C{}-{}","member_id":"M{:05}","date":"{}-{:02}-{:02}"}})", m, k, m,
                                        2026 + static_cast<int>(rng() % 2), 1 + rng() % 12, 1 + rng() % 28));
        }
    std::vector<std::size_t> perm(lines.size());
    for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    std::string text;
    std::vector<std::string> member_at;  // by line
    for (std::size_t i : perm) {
        text += lines[i] + "\n";
        member_at.push_back(member_of[i]);
    }
    text += "not json\n{\"member_id\":7}\n";
    member_at.push_back("");
    member_at.push_back("");
    const claimgraph::testing::TextFile f("order", text);
    ClaimFile file(f.path());

    const std::size_t workers = GENERATE(1, 2, 3);
    const KeyIndex index = read_keys(file, workers);
    const ClaimsInOrder o = order_claims(index, workers);
    REQUIRE(o.share.size() == workers);
    REQUIRE(o.members.size() == workers);
    REQUIRE(o.unreadable.size() == 2);
    std::size_t claims = 0, members = 0;
    std::set<std::string> all;
    for (std::size_t w = 0; w < workers; ++w) {
        std::set<std::string> mine;
        for (std::size_t k = 0; k < o.share[w].size(); ++k) {
            const std::string& m = member_at[o.share[w][k]];
            REQUIRE(!m.empty());
            mine.insert(m);
        }
        CHECK(o.members[w] == mine.size());  // a member's claims are all in one share
        claims += o.share[w].size();
        members += o.members[w];
        all.insert(mine.begin(), mine.end());
    }
    CHECK(claims == lines.size());
    CHECK(members == 700);
    CHECK(all.size() == 700);
    CHECK(claimgraph::Date{index.first_date()}.year() == 2026);  // what the ledgers' reserve is sized by
    CHECK(claimgraph::Date{index.last_date()}.year() == 2027);
}
