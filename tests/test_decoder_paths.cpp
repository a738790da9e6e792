// The decoder's fast path for plain lines must yield exactly what the full
// simdjson decoder yields: the same claim, or the same error, for every line
// — the shipped claim files and thousands of random corruptions of them.
#include <random>
#include <string>
#include <vector>

#include "claimgraph/claimgraph.hpp"
#include "support.hpp"

using namespace claimgraph;
using claimgraph::testing::demo;

namespace {

const std::string kRoot = CLAIMGRAPH_SOURCE_DIR;

std::vector<std::string> sample_lines() {
    std::vector<std::string> out;
    for (const char* file : {"/examples/claims/demo-claims.jsonl", "/tests/golden/demo-city-2026/claims.jsonl"})
        for (std::string& l : testing::lines_of(testing::slurp(kRoot + file)))
            if (!l.empty()) out.push_back(std::move(l));
    return out;
}

// Both decoders on one line; every field of the result must agree.
void check_same(ClaimDecoder& fast, ClaimDecoder& full, const std::string& line) {
    ClaimRecord a, b;
    fast.decode(line, a);
    full.decode(line, b);
    INFO("line: " << line);
    REQUIRE(a.ok == b.ok);
    CHECK(a.error_field == b.error_field);
    CHECK(a.error_message == b.error_message);
    CHECK(a.claim.claim_id == b.claim.claim_id);
    if (!a.ok) return;
    const Claim &x = a.claim, &y = b.claim;
    CHECK(x.member_id == y.member_id);
    CHECK(x.date == y.date);
    CHECK(x.fields == y.fields);
    CHECK(x.present == y.present);
    REQUIRE(x.texts.size() == y.texts.size());
    for (std::size_t k = 0; k < x.texts.size(); ++k) CHECK(x.texts[k] == y.texts[k]);
    CHECK(x.item_count == y.item_count);
    CHECK(x.items == y.items);
    CHECK(x.item_present == y.item_present);
    REQUIRE(x.item_texts.size() == y.item_texts.size());
    for (std::size_t k = 0; k < x.item_texts.size(); ++k) CHECK(x.item_texts[k] == y.item_texts[k]);
}

}  // namespace

TEST_CASE("decoder fast path: the shipped claim lines decode as the full decoder decodes them", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    const auto lines = sample_lines();
    REQUIRE(lines.size() > 50);
    std::size_t ok = 0;
    for (const auto& l : lines) {
        check_same(fast, full, l);
        ClaimRecord r;
        fast.decode(l, r);
        ok += r.ok;
    }
    CHECK(ok == lines.size());  // all of them are good claims
}

TEST_CASE("decoder fast path: corrupted lines give the full decoder's claim or error", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    const auto lines = sample_lines();
    std::mt19937 rng(20261122);
    // Bytes that matter to JSON, to numbers, to UTF-8 and to the schema.
    const std::vector<std::string> pieces = {"{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0041", " ", "\t", "0", "7",
                                             "-", ".", "e", "null", "true", "fals", "\x01", "\xff", "\xe4\xb8", "A",
                                             "\"amount\":1,", "\"qty\":2,", "\"tags\":[\"dibao\"],", "\"x\":1,"};
    std::size_t accepted = 0, rejected = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string l = lines[rng() % lines.size()];
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits && !l.empty(); ++e) {
            const std::size_t at = rng() % l.size();
            switch (rng() % 3) {
                case 0: l.erase(at, 1 + rng() % 4); break;
                case 1: l.insert(at, pieces[rng() % pieces.size()]); break;
                default: l.replace(at, 1, pieces[rng() % pieces.size()]); break;
            }
        }
        check_same(fast, full, l);
        ClaimRecord r;
        fast.decode(l, r);
        (r.ok ? accepted : rejected) += 1;
    }
    // Both kinds must have been exercised for the comparison to mean anything.
    CHECK(accepted > 1000);
    CHECK(rejected > 1000);
}

TEST_CASE("decoder: escapes, blanks and key order read the same as the plain form", "[io][decoder]") {
    ClaimDecoder dec(demo());
    const std::string plain =
        R"({"claim_id":"E-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":["dibao"],"hmb_enrolled":false,"hmb_preexisting":false,"items":[{"code":"A1","category":"A","amount":100.5,"name":"床位费"}]})";
    const std::string escaped =
        "{ \"items\" : [ { \"name\" : \"\\u5e8a\\u4f4d\\u8d39\", \"amount\" : 100.50 , \"category\" : \"\\u0041\", \"code\":\"A1\" } ],"
        "\"claim_id\":\"E-\\u0031\",\"member_id\":\"M1\",\"date\":\"2026-03-01\",\"insutype\":\"employee\",\"med_type\":\"inpatient\","
        "\"hosp_lv\":2,\"region\":\"local\",\"referred\":false,\"emergency\":false,\"retired\":false,\"tags\":[\"dibao\"],"
        "\"hmb_enrolled\":false,\"hmb_preexisting\":false }  ";
    ClaimRecord a, b;
    dec.decode(plain, a);
    dec.decode(escaped, b);
    REQUIRE(a.ok);
    REQUIRE(b.ok);
    CHECK(b.claim.claim_id == "E-1");
    CHECK(a.claim.fields == b.claim.fields);
    CHECK(a.claim.items == b.claim.items);
    const auto name = static_cast<std::size_t>(demo().schema().item_field("name"));
    CHECK(b.claim.item_texts[name] == "床位费");
    CHECK(a.claim.item_texts[name] == "床位费");
}

TEST_CASE("decoder fast path: amounts read as parse_money reads them, odd ones by the full decoder", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string head =
        R"({"claim_id":"E-2","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":false,"hmb_preexisting":false,"items":[{"code":"A1","category":"A","amount":)";
    std::size_t good = 0;
    for (const char* amount : {"0", "0.5", "0.05", "1.50", "100", "00.5", "01", "1.005", "12e2", "1E2", "-1", "-0", "1.",
                               ".5", "1.5.5", "123456789012345", "1234567890123456", "123456789012345678901", "92233720368547758.07",
                               "1 ", "1\t", "7x", "\"12\"", "true", "null", "1,"}) {
        const std::string line = head + amount + "}]}";
        check_same(fast, full, line);
        ClaimRecord r;
        fast.decode(line, r);
        good += r.ok;
        if (std::string_view(amount) == "1.50") {
            REQUIRE(r.ok);
            CHECK(r.claim.items[static_cast<std::size_t>(demo().schema().item_field("amount"))] == 150);
        }
    }
    CHECK(good >= 8);
}
