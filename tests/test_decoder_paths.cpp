// The decoder's fast path for plain lines must yield exactly what the full
// simdjson decoder yields: the same claim, or the same error, for every line
// — the shipped claim files and thousands of random corruptions of them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "claimgraph/claimgraph.hpp"
#include "io/plain_claim.hpp"
#include "support.hpp"

using namespace claimgraph;
using claimgraph::testing::demo;

namespace {

const std::string kRoot = CLAIMGRAPH_SOURCE_DIR;

// The reference policy with one stretch of its text (which must be there)
// replaced, compiled under `name`.
Graph demo_with(const std::string& text, const std::string& replacement, const std::string& name) {
    std::string yaml = testing::slurp(kRoot + "/rules/demo-city-2026.yaml");
    const std::size_t at = yaml.find(text);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, text.size(), replacement);
    return compile_policy_text(yaml, name);
}

std::vector<std::string> sample_lines() {
    std::vector<std::string> out;
    for (const char* file : {"/examples/claims/demo-claims.jsonl", "/tests/golden/demo-city-2026/claims.jsonl"})
        for (std::string& l : testing::lines_of(testing::slurp(kRoot + file)))
            if (!l.empty()) out.push_back(std::move(l));
    return out;
}

// Two decodings of one line; every field of the result must agree.
void check_records(const ClaimRecord& a, const ClaimRecord& b, const std::string& line) {
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

// The lines in `rounds` shuffled orders, each decoded by the fast decoder
// into one reused record and by the full one into a fresh record: a reused
// record must keep nothing of the claims before.
void check_reused(ClaimDecoder& fast, ClaimDecoder& full, std::vector<std::string> lines, unsigned seed, int rounds) {
    std::mt19937 rng(seed);
    ClaimRecord reused;
    for (int round = 0; round < rounds; ++round) {
        std::shuffle(lines.begin(), lines.end(), rng);
        for (const auto& l : lines) {
            ClaimRecord fresh;
            fast.decode(l, reused);
            full.decode(l, fresh);
            check_records(reused, fresh, l);
        }
    }
}

// Both decoders on one line; whether it decoded to a claim.
bool check_same(ClaimDecoder& fast, ClaimDecoder& full, const std::string& line) {
    ClaimRecord a, b;
    fast.decode(line, a);
    full.decode(line, b);
    check_records(a, b, line);
    return a.ok;
}

// Whether the fast path reads the line itself (the comparisons with the full
// decoder cannot see one that gives up: the full decoder then reads it the same).
bool fast_path_reads(const Graph& g, const std::string& line) {
    detail::PlainClaimReader reader(g.schema());
    Claim c;
    const std::string padded = line + std::string(ClaimDecoder::padding, ' ');
    return reader.read(std::string_view(padded.data(), line.size()), c);
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

TEST_CASE("decoder: a line decoded with the next one named reads the same, whatever the next one is", "[io][decoder]") {
    // `next` is only fetched into the cache, a cache line per fee line:
    // nothing of it may reach the record, and a line with no fee lines or
    // one that the full decoder reads must leave the rest fetched after it.
    ClaimDecoder with_next(demo()), without(demo());
    std::vector<std::string> lines = sample_lines();
    lines.push_back(R"({"claim_id":"R-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":false,"hmb_preexisting":false,"items":[]})");
    lines.push_back(R"({"claim_id":"R-2","items":[{"code":"A\u0031","category":"A","amount":1}]})");  // an error, by the full decoder
    // The lines one after the other in one buffer, as a mapped file holds them.
    std::string all;
    std::vector<std::size_t> at;
    for (const auto& l : lines) {
        at.push_back(all.size());
        all += l;
        all += '\n';
    }
    const std::size_t size = all.size();
    all.append(ClaimDecoder::padding, ' ');
    const std::string elsewhere(4096, 'x');
    ClaimRecord a, b;
    for (std::size_t k = 0; k < lines.size(); ++k) {
        const std::string_view line(all.data() + at[k], lines[k].size());
        const std::size_t readable = all.size() - at[k];
        without.decode(line, readable, b);
        for (const std::string_view next : {k + 1 < lines.size() ? std::string_view(all.data() + at[k + 1], lines[k + 1].size()) : std::string_view(),
                                            std::string_view(), std::string_view(elsewhere), std::string_view(all.data(), size)}) {
            with_next.decode(line, readable, a, next);
            check_records(a, b, lines[k]);
        }
    }
}

TEST_CASE("decoder fast path: a record decoded into again keeps nothing of the claim before", "[io][decoder]") {
    // The fast path writes over the fee lines' storage an earlier claim left
    // (longer or shorter, with names where this one has none, decoded by
    // either path) instead of clearing it first.
    ClaimDecoder fast(demo()), full(demo(), false);
    std::vector<std::string> lines = sample_lines();
    const std::string head =
        R"({"claim_id":"R-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":["dibao"],"hmb_enrolled":false,"hmb_preexisting":false)";
    lines.push_back(head + R"(,"note":"一个备注","items":[{"code":"A1","category":"A","amount":1,"name":"床位费","note":"n"},{"code":"A2","category":"B","amount":2,"qty":3,"selfpay_prop":500,"price_cap":1.5}]})");
    lines.push_back(head + R"(,"items":[]})");
    lines.push_back(head + "}");
    lines.push_back(head + R"(,"items":[{"code":"A1","category":"A","amount":1},{"code":"A\u0032","category":"A","amount":2,"name":"x"}]})");
    lines.push_back(head + R"(,"items":[{"code":"A1","category":"A","amount":1},{"code":"A2","category":"A","amount":2,"name":"x","name":"y"}]})");
    check_reused(fast, full, lines, 4, 4);
}

TEST_CASE("decoder fast path: a reused record's fee-line columns grow and shrink with every count of fee lines", "[io][decoder]") {
    // The columns are cut to each claim's rows and grow again for a claim
    // with more, by an estimate from the bytes left in the line: fee lines
    // far shorter and far longer than the estimate's, every count up to 60,
    // in an order that grows and shrinks by every step; some lines refused
    // part way (a bad last fee line) so that the full decoder fills the record between.
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string head =
        R"({"claim_id":"G-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[)";
    const std::vector<std::string> rows = {
        R"({"code":"A","category":"A","amount":1})",
        R"({"code":"A0391","category":"A","amount":27.00,"name":"注射用头孢曲松钠粉针剂","qty":4,"price_cap":6.25,"selfpay_prop":500,"note":"一个很长的备注一个很长的备注一个很长的备注"})",
        R"({"code":"B9376","category":"B","amount":71.65,"name":"雾化吸入药品"})",
    };
    std::vector<std::string> lines;
    for (std::size_t n = 0; n <= 60; ++n) {
        for (std::size_t kind = 0; kind < 4; ++kind) {
            std::string line = head;
            for (std::size_t i = 0; i < n; ++i) line += (i ? "," : "") + rows[kind < 3 ? kind : i % 3];
            if (kind == 3 && n % 7 == 3) line += R"(,{"code":"Z","category":"Q","amount":1})";  // refused: an unknown category
            lines.push_back(line + "]}");
        }
    }
    check_reused(fast, full, lines, 7, 3);
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
        good += check_same(fast, full, line);
        ClaimRecord r;
        fast.decode(line, r);
        if (std::string_view(amount) == "1.50") {
            REQUIRE(r.ok);
            CHECK(r.claim.items[static_cast<std::size_t>(demo().schema().item_column(demo().schema().item_field("amount")))] == 150);
        }
    }
    CHECK(good >= 8);
}

TEST_CASE("decoder fast path: amounts and whole numbers of every length read as the full decoder reads them",
          "[io][decoder]") {
    // The fast path reads up to 15 digits at once, 8 at a time, and the
    // decimals after them: every length on both sides of those limits, with
    // and without a leading zero, digits 0 and 9 (the ends of the byte test).
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string head =
        R"({"claim_id":"E-3","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":false,"hmb_preexisting":false,"items":[{"code":"A1","category":"B",)";
    std::size_t good = 0;
    for (const char* digits : {"9876543210987654321", "1000000000000000000", "0999999999999999999"}) {
        for (std::size_t n = 1; n <= 18; ++n) {
            const std::string whole(digits, n);
            for (const char* decimals : {"", ".", ".5", ".05", ".50", ".99", ".005", ".5.5", "e2", "x"}) {
                // As the amount, then as the count and the ratio beside it.
                for (const std::string& fields : {"\"amount\":" + whole + decimals,
                                                  "\"amount\":1,\"qty\":" + whole + decimals,
                                                  "\"amount\":1,\"selfpay_prop\":" + whole + decimals}) {
                    const std::string line = head + fields + "}]}";
                    good += check_same(fast, full, line);
                }
            }
        }
    }
    CHECK(good > 100);
    // Every one-digit number (read without the digit run's conversion), and
    // what may follow it.
    for (char d = '0'; d <= '9'; ++d) {
        for (const char* after : {"", "0", ".", ".5", "e2", "x", " ", ",\"price_cap\":1"}) {
            for (const char* key : {"\"qty\":", "\"selfpay_prop\":"}) {
                const std::string line = head + "\"amount\":1," + key + std::string(1, d) + after + "}]}";
                good += check_same(fast, full, line);
                ClaimRecord r;
                fast.decode(line, r);
                if (d > '0' && std::string_view(after).empty()) {
                    REQUIRE(r.ok);
                    const Schema& sc = demo().schema();
                    const auto f = static_cast<std::size_t>(sc.item_column(sc.item_field(key[1] == 'q' ? "qty" : "selfpay_prop")));
                    CHECK(r.claim.items[f] == d - '0');
                }
            }
        }
    }
    // A value the fast path declines in a fee line sends the whole line to
    // the full decoder, which reads the good ones among them.
    const std::string no_category = head.substr(0, head.rfind("\"category\""));
    for (const char* fields : {R"("amount":1E2,"category":"B")", R"("amount":12345678901234567.5,"category":"B")",
                               R"("amount":1,"qty":1234567890123456789,"category":"B")", R"("amount":1,"category":1)",
                               R"("amount":1,"category":B)", R"("amount":1,"category":"\u0042")",
                               R"("amount":1,"category":"B","qty":true)"}) {
        const std::string line = no_category + fields + "}]}";
        check_same(fast, full, line);
    }
}

namespace {

// A compact claim line with one value replaced: `at` names the value to
// replace (see kTemplate), `text` is what goes there verbatim.
const char* const kTemplate =
    R"({"claim_id":@ID@,"member_id":"M1","date":@DATE@,"insutype":@INSUTYPE@,"med_type":"inpatient","hosp_lv":@HOSP@,)"
    R"("region":"local","referred":@BOOL@,"emergency":false,"retired":false,"tags":@TAGS@,"hmb_enrolled":true,)"
    R"("hmb_preexisting":false,"note":@NOTE@,"items":[{"code":"A1","category":@CAT@,"amount":@AMOUNT@,"name":@NAME@},)"
    R"({"code":"B1","category":"B","amount":7,"selfpay_prop":@RATIO@,"qty":@QTY@,"price_cap":3.5,"note":"x"}]})";

std::string with_value(std::string_view at, std::string_view text) {
    const std::vector<std::pair<std::string_view, std::string_view>> defaults = {
        {"@ID@", "\"T-1\""},   {"@DATE@", "\"2026-03-01\""}, {"@INSUTYPE@", "\"employee\""}, {"@HOSP@", "2"},
        {"@BOOL@", "false"},   {"@TAGS@", "[\"dibao\"]"},    {"@NOTE@", "\"N\""},           {"@CAT@", "\"A\""},
        {"@AMOUNT@", "100.5"}, {"@NAME@", "\"床位费\""},     {"@RATIO@", "500"},            {"@QTY@", "2"}};
    std::string line = kTemplate;
    for (const auto& [marker, value] : defaults) {
        const std::size_t pos = line.find(marker);
        REQUIRE(pos != std::string::npos);
        line.replace(pos, marker.size(), marker == at ? text : value);
    }
    return line;
}

// The decoders read in place from a heap block of exactly line + padding
// bytes, the padding filled with `fill` (repeated): nothing there may count,
// not even the wording of an error, and (under ASan) nothing past it may be read.
void check_in_place(ClaimDecoder& fast, ClaimDecoder& full, const std::string& line, std::string_view fill) {
    const std::size_t size = line.size() + ClaimDecoder::padding;
    std::unique_ptr<char[]> block(new char[size]);
    std::memcpy(block.get(), line.data(), line.size());
    for (std::size_t i = line.size(); i < size; ++i) block[i] = fill[(i - line.size()) % fill.size()];
    ClaimRecord a, b, c;
    fast.decode(std::string_view(block.get(), line.size()), size, a);
    full.decode(std::string_view(block.get(), line.size()), size, b);
    full.decode(line, c);
    INFO("line: " << line << "\npadding: " << fill);
    REQUIRE(a.ok == b.ok);
    REQUIRE(a.ok == c.ok);
    CHECK(a.error_message == b.error_message);
    CHECK(a.error_field == c.error_field);
    CHECK(a.error_message == c.error_message);
    if (!a.ok) return;
    CHECK(a.claim.claim_id == b.claim.claim_id);
    CHECK(a.claim.fields == b.claim.fields);
    CHECK(a.claim.items == b.claim.items);
    CHECK(a.claim.item_present == b.claim.item_present);
    REQUIRE(a.claim.item_texts.size() == b.claim.item_texts.size());
    for (std::size_t k = 0; k < a.claim.item_texts.size(); ++k) CHECK(a.claim.item_texts[k] == b.claim.item_texts[k]);
}

}  // namespace

TEST_CASE("decoder fast path: every kind of value, good and bad, reads as the full decoder reads it", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> cases = {
        {"@ID@", {"\"\"", "\"x\"", "\"0123456789abcde\"", "\"0123456789abcdef\"", "\"0123456789abcdef0123456789abcdef\"",
                  "1", "null", "\"T\\u002d1\"", "\"\xe4\xb8\xad\"", "\"\xe4\xb8\"", "\"a\tb\""}},
        {"@DATE@", {"\"2026-02-28\"", "\"2026-02-29\"", "\"2024-02-29\"", "\"2100-02-29\"", "\"2000-02-29\"", "\"0000-01-01\"",
                    "\"9999-12-31\"", "\"2026-13-01\"", "\"2026-00-10\"", "\"2026-04-31\"", "\"2026-04-00\"", "\"2026-4-01\"",
                    "\"2026-04-1\"", "\"2026/04/01\"", "\"2026-04-01 \"", "\" 2026-04-01\"", "\"2026-04-011\"",
                    "\"2026\\u002d04-01\"", "20260401", "\"+026-04-01\"", "\"2026-04-0a\"", "null"}},
        {"@INSUTYPE@", {"\"resident\"", "\"Resident\"", "\"residen\"", "\"residentx\"", "\"\"", "resident", "1",
                        "\"\\u0072esident\"", "\"employee\" ", "\"a-label-longer-than-sixteen\"", "true"}},
        {"@HOSP@", {"1", "3", "4", "0", "\"2\"", "\"02\"", "2.0", "02", "-1", "1e0", "true", "null", "2 ", "2x", "\"3\""}},
        {"@BOOL@", {"true", "false", "\"true\"", "1", "0", "null", "tru", "truex", "falsey", "TRUE", "false ", "[]"}},
        {"@TAGS@", {"[]", "[ ]", "[\"dibao\",\"tekun\"]", "[\"dibao\",\"dibao\"]", "[\"dibian\"]", "[\"x\"]", "[1]",
                    "[\"dibao\",]", "[,\"dibao\"]", "[\"dibao\" , \"fanpin\" ]", "\"dibao\"", "[\"di\\u0062ao\"]", "[null]",
                    "[[]]", "{}", "null", "[\"dibao\"", "[\"dibaodibaodibaodibao\"]"}},
        {"@NOTE@", {"\"\"", "\"0123456789abcd\"", "\"0123456789abcde\"", "\"0123456789abcdef\"", "\"转诊 after ER\"",
                    "\"\\n\"", "\"a\\\"b\"", "1", "null", "[]"}},
        {"@CAT@", {"\"B\"", "\"C\"", "\"D\"", "\"a\"", "A", "\"\"", "\"AB\"", "1", "\"\\u0041\"", "\"A\" ", "\"A\"x",
                   "\"\\\"\"", "\"\\\\\"", "\"\xc3\x81\""}},
        {"@AMOUNT@", {"0", "0.00", "1.5", "1.05", "1.005", "-1", "1e2", "01", "\"1\"", "123456789012345.99",
                      "1234567890123456", "92233720368547758.07", "92233720368547758.08", "1.", ".5", "1 ", "null"}},
        {"@NAME@", {"\"\"", "\"a\"", "\"\xc2\xa9\"", "\"\xf0\x9f\x98\x80\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
                    "\"\xf4\x90\x80\x80\"", "\"\xe0\x80\xaf\"", "\"\xf0\x80\x80\xaf\"", "\"\xff\"", "\"\x80\"", "1", "null"}},
        {"@RATIO@", {"0", "10000", "10001", "-0", "-1", "00", "1.0", "1e2", "\"500\"", "99999999999999999999",
                     "999999999999999999", "9999999999999999999", "500 ", "null", "true"}},
        {"@QTY@", {"0", "1", "10", "-0", "01", "1.0", "1e1", "\"2\"", "123456789012345678", "1234567890123456789",
                   "12345678901234567890", "null"}},
    };
    std::size_t good = 0, total = 0;
    for (const auto& [at, values] : cases) {
        for (std::string_view v : values) {
            const std::string line = with_value(at, v);
            good += check_same(fast, full, line);
            ++total;
        }
    }
    CHECK(good > 40);
    CHECK(total - good > 60);
}

TEST_CASE("decoder fast path: strings of every length with an odd byte at every place", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    // Valid and invalid UTF-8 (overlong, surrogate, above U+10FFFF, cut short,
    // stray continuation), control characters, escapes.
    const std::vector<std::string> odd = {"\xc2\xa9",     "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xc1\xbf",
                                          "\xe0\x9f\xbf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                                          "\xe4\xb8",     "\x80",         "\x01",             "\x1f", "\x7f", "\\n", "\\",
                                          // the edges of the 3-byte forms: least, last before and first after
                                          // the surrogates, an overlong just below, a continuation missing
                                          "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xe0\x9f\x80",
                                          "\xe4\x38\xad", "\xe4\xb8\x2d", "\xe4\xb8\xc0", "\xf0\x90\x80\x80",
                                          "\xf4\x8f\xbf\xbf", "\xdf\xbf", "\xc2\x80"};
    for (std::size_t len = 0; len <= 66; ++len) {
        for (std::size_t at = 0; at <= len; ++at) {
            for (std::size_t o = 0; o < odd.size(); ++o) {
                if (at == len && o > 0) break;  // the plain string once
                std::string text(len, 'a');
                if (at < len) text.replace(at, 1, odd[o]);
                // In a fee line's name, and (fewer of them) in the claim's note and id.
                check_same(fast, full, with_value("@NAME@", "\"" + text + "\""));
                if ((at + o) % 7 == 0) {
                    check_same(fast, full, with_value("@NOTE@", "\"" + text + "\""));
                    check_same(fast, full, with_value("@ID@", "\"" + text + "\""));
                }
            }
        }
    }
    // The same among Chinese characters (read several at a time), and with
    // an ASCII byte or a lead E0/ED breaking the run.
    const std::vector<std::string> cjk = {"\xe4\xb8\xad", "\xe9\xbe\x99", "\xef\xbf\xbd", "\xe1\x80\x80"};
    for (std::size_t chars = 0; chars <= 23; ++chars) {
        for (std::size_t at = 0; at <= chars; ++at) {
            for (std::size_t o = 0; o <= odd.size(); ++o) {
                if (at == chars && o > 0) break;
                std::string text;
                for (std::size_t c = 0; c < chars; ++c) {
                    if (c == at && o < odd.size()) text += odd[o];
                    else if (c == at) text += "B";
                    else text += cjk[(c + chars) % cjk.size()];
                }
                check_same(fast, full, with_value("@NAME@", "\"" + text + "\""));
            }
        }
    }
}

TEST_CASE("decoder fast path: nothing in the padding after a line counts", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::vector<std::string_view> fills = {" ",  "1", "\"", "}", "]}", ",\"qty\":3}]}", "e5", "\xff", "\xe4\xb8\xad", "true",
                                                 "{\"category\":\"A\",\"category\":\"B\"}]}", "\"category\":\"A\"}]}",
                                                 "{\"code\":\"A1\",\"category\":\"A\",\"amount\":1}]}"};
    std::vector<std::string> lines = {with_value("@AMOUNT@", "100.5"), R"({"claim_id":"T-2","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[{"code":"A1","category":"A","amount":12}]})"};
    for (const auto& l : sample_lines()) {
        lines.push_back(l);
        if (lines.size() > 12) break;
    }
    for (const std::string& line : lines) {
        // The whole line, then every prefix of its last 100 bytes (the last
        // fee line or two): values, keys, strings and fee lines cut off
        // right where the padding starts.
        for (std::size_t cut = line.size() > 100 ? line.size() - 100 : 0; cut <= line.size(); ++cut)
            for (std::string_view fill : fills) check_in_place(fast, full, line.substr(0, cut), fill);
    }
    // Strings ending right at a 16- or 32-byte boundary of the line, and lines
    // of such lengths.
    for (std::size_t len = 0; len <= 40; ++len) {
        const std::string line = with_value("@NOTE@", "\"" + std::string(len, 'n') + "\"");
        for (std::string_view fill : fills) check_in_place(fast, full, line, fill);
    }
}

TEST_CASE("decoder fast path: a claim key guessed from the line before is matched whole and within the line", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    // The fee lines first, so that claim keys run up to the line's end;
    // `,"hmb_preexisting":` is longer than 16 bytes.
    const std::string line =
        R"({"items":[{"code":"A1","category":"A","amount":1}],"claim_id":"G-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"out_of_province","referred":true,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":true,"note":"n"})";
    for (std::size_t at = line.find("],") + 1; at < line.size(); ++at) {
        // Each time after the line itself, which teaches the decoder its key
        // order: one byte of the claim part changed, then the line cut there
        // with the rest of it in the padding.
        for (const char* ch : {"x", "\"", " "}) {
            check_same(fast, full, line);
            std::string l = line;
            l.replace(at, 1, ch);
            check_same(fast, full, l);
        }
        check_same(fast, full, line);
        check_in_place(fast, full, line.substr(0, at), std::string_view(line).substr(at));
    }
}

TEST_CASE("decoder fast path: blanks anywhere between tokens, and keys in any order", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    std::mt19937 rng(20261123);
    const auto lines = sample_lines();
    const std::vector<std::string> blanks = {" ", "\t", "\r", "\n", "  ", " \t\r\n"};
    std::size_t ok = 0;
    for (int round = 0; round < 3000; ++round) {
        const std::string& src = lines[rng() % lines.size()];
        // Blanks after some structural characters outside strings (the
        // sample lines hold no escapes).
        std::string l;
        bool in_string = false;
        for (const char ch : src) {
            if (!in_string && std::string_view("{}[],:").find(ch) != std::string_view::npos && rng() % 4 == 0)
                l += blanks[rng() % blanks.size()];
            l += ch;
            if (ch == '"') in_string = !in_string;
            if (!in_string && std::string_view("{}[],:").find(ch) != std::string_view::npos && rng() % 4 == 0)
                l += blanks[rng() % blanks.size()];
        }
        check_same(fast, full, l);
        ClaimRecord r;
        fast.decode(l, r);
        ok += r.ok;
    }
    CHECK(ok == 3000);
    // Keys in a new order every line, so the decoder's guess of the next key
    // is often wrong; fee-line fields shuffled too.
    std::vector<std::string> claim_parts = {R"("claim_id":"K-1")", R"("member_id":"M1")", R"("date":"2026-03-01")",
                                            R"("insutype":"employee")", R"("med_type":"inpatient")", R"("hosp_lv":2)",
                                            R"("region":"local")", R"("referred":false)", R"("emergency":true)",
                                            R"("retired":false)", R"("tags":["dibao","tekun"])", R"("hmb_enrolled":true)",
                                            R"("hmb_preexisting":false)", R"("note":"n")", "ITEMS"};
    std::vector<std::string> item_parts = {R"("code":"A1")", R"("category":"B")", R"("amount":12.3)", R"("name":"床位费")",
                                           R"("selfpay_prop":2000)", R"("qty":3)", R"("price_cap":4)", R"("note":"x")"};
    for (int round = 0; round < 2000; ++round) {
        std::shuffle(claim_parts.begin(), claim_parts.end(), rng);
        std::string items = "\"items\":[";
        const int n = static_cast<int>(rng() % 4);
        for (int i = 0; i < n; ++i) {
            std::shuffle(item_parts.begin(), item_parts.end(), rng);
            const std::size_t keep = 3 + rng() % 6;  // some optional fields left out
            items += i ? ",{" : "{";
            for (std::size_t k = 0; k < keep; ++k) items += (k ? "," : "") + item_parts[k];
            items += "}";
        }
        items += "]";
        std::string l = "{";
        for (std::size_t k = 0; k < claim_parts.size(); ++k) {
            if (rng() % 40 == 0) continue;  // now and then a field missing
            l += (l.size() > 1 ? "," : "") + (claim_parts[k] == "ITEMS" ? items : claim_parts[k]);
        }
        l += "}";
        check_same(fast, full, l);
    }
}

TEST_CASE("decoder fast path: claim keys in the order of the line before, and every way off it", "[io][decoder]") {
    // The reader follows the key order of the line before and learns each
    // key read off it in its place: an order drifting a little from line to
    // line, keys dropped, given twice (before or after the place the order
    // has them), ids growing and shrinking, lines cut with the rest in the
    // padding, all as the full decoder reads them; and every plain line is
    // read by the fast path itself, whatever order the line before taught it.
    ClaimDecoder fast(demo()), full(demo(), false);
    detail::PlainClaimReader reader(demo().schema());
    Claim claim;
    std::mt19937 rng(20261124);
    const std::string items = R"("items":[{"code":"A1","category":"B","amount":12.30},{"code":"C2","category":"C","amount":1}])";
    std::vector<std::string> order = {R"("claim_id":"K-1")", R"("member_id":"M1")", R"("date":"2026-03-01")",
                                      R"("insutype":"employee")", R"("med_type":"inpatient")", R"("hosp_lv":2)",
                                      R"("region":"local")", R"("referred":false)", R"("emergency":true)",
                                      R"("retired":false)", R"("tags":["dibao","tekun"])", R"("hmb_enrolled":true)",
                                      R"("hmb_preexisting":false)", R"("note":"n")", items};
    // Ids of every length up to 24 and random bytes, each written over the
    // one before in place when it is no longer.
    auto id = [&rng] {
        std::string text(1 + rng() % 24, ' ');
        for (char& ch : text) ch = static_cast<char>('A' + rng() % 26);
        return text;
    };
    // A line shorter than the order before it, off it at its second key:
    // what the order held past its end must not be followed. Here it is a
    // second "insutype", which a stale order would take for a key given
    // once (it had "note" in that place, an optional key).
    const std::string rest =
        R"("member_id":"M1","date":"2026-03-01","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,)"
        R"("emergency":true,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[]})";
    for (const std::string& l : {R"({"claim_id":"S-1","note":"n","insutype":"employee",)" + rest,
                                 std::string(R"({"claim_id":"S-2","insutype":"employee"})"),
                                 R"({"claim_id":"S-3","insutype":"employee","insutype":"employee",)" + rest})
        check_same(fast, full, l);
    std::size_t taken = 0;
    ClaimRecord kept;
    for (int round = 0; round < 6000; ++round) {
        const std::size_t a = rng() % order.size(), b = rng() % order.size();
        switch (rng() % 6) {
            case 0: std::swap(order[a], order[(a + 1) % order.size()]); break;
            case 1: std::swap(order[a], order[b]); break;
            case 2: {  // one key moved elsewhere
                const std::string moved = order[a];
                order.erase(order.begin() + static_cast<std::ptrdiff_t>(a));
                order.insert(order.begin() + static_cast<std::ptrdiff_t>(b), moved);
                break;
            }
            default: break;  // the same order again
        }
        for (std::string& part : order) {
            if (part.rfind(R"("claim_id")", 0) == 0) part = R"("claim_id":")" + id() + "\"";
            if (part.rfind(R"("member_id")", 0) == 0) part = R"("member_id":")" + id() + "\"";
        }
        std::vector<std::string> parts = order;
        const unsigned odd = rng() % 8;
        if (odd == 0) parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(a));  // a key left out
        if (odd == 1) parts.insert(parts.begin() + static_cast<std::ptrdiff_t>(b), parts[a]);  // a key given twice
        std::string l = "{";
        for (std::size_t k = 0; k < parts.size(); ++k) l += (k ? "," : "") + parts[k];
        l += "}";
        const bool ok = check_same(fast, full, l);
        {  // decoded into one record again and again, as a file's window does: ids written in place
            ClaimRecord fresh;
            fast.decode(l, kept);
            full.decode(l, fresh);
            check_records(kept, fresh, l);
        }
        const std::string padded = l + std::string(ClaimDecoder::padding, ' ');
        const bool read = reader.read(std::string_view(padded.data(), l.size()), claim);  // learns as `fast` does
        if (odd > 1) {
            INFO("line: " << l);
            CHECK(ok);
            CHECK(read);
            taken += read;
        }
        if (rng() % 8 == 0) {  // cut anywhere, the rest of the line in the padding
            const std::size_t at = rng() % l.size();
            check_in_place(fast, full, l.substr(0, at), std::string_view(l).substr(at));
        }
    }
    CHECK(taken > 4000);
}

TEST_CASE("parse_date agrees with <chrono> on every month and day of years 0 to 9999", "[claim][date]") {
    auto chrono_days = [](int y, unsigned m, unsigned d, Date& out) {
        const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
        if (!ymd.ok()) return false;
        out.days = static_cast<std::int32_t>(std::chrono::sys_days{ymd}.time_since_epoch().count());
        return true;
    };
    char text[32];
    for (int y = 0; y <= 9999; y += (y < 500 || y > 9500 || y % 100 < 5) ? 1 : 7) {
        for (unsigned m = 0; m <= 13; ++m) {
            for (unsigned d = 0; d <= 32; ++d) {
                std::snprintf(text, sizeof text, "%04d-%02u-%02u", y, m, d);
                Date a{}, b{};
                const bool ok = parse_date(text, a);
                REQUIRE(ok == chrono_days(y, m, d, b));
                if (ok) REQUIRE(a.days == b.days);
            }
        }
    }
    Date d{};
    for (const char* bad : {"2026-01-0", "2026-01-011", "2026_01-01", "2026-01_01", "20a6-01-01", "2026-0/-01", "2026-01-:1",
                            " 2026-01-1", "-026-01-01", "+026-01-01"})
        CHECK_FALSE(parse_date(bad, d));
}

// parse_date reads its digits and dashes eight bytes at a time: any byte in
// any place must be judged as a byte-wise reading judges it.
TEST_CASE("parse_date judges every byte in every place as a byte-wise reading", "[claim][date]") {
    auto bytewise = [](const std::string& t, Date& out) {
        int v[10];
        for (std::size_t i = 0; i < 10; ++i) {
            const bool dash = i == 4 || i == 7;
            if (dash ? t[i] != '-' : (t[i] < '0' || t[i] > '9')) return false;
            v[i] = t[i] - '0';
        }
        const int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
        const auto m = static_cast<unsigned>(v[5] * 10 + v[6]), d = static_cast<unsigned>(v[8] * 10 + v[9]);
        const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
        if (!ymd.ok()) return false;
        out.days = static_cast<std::int32_t>(std::chrono::sys_days{ymd}.time_since_epoch().count());
        return true;
    };
    for (const char* base : {"2026-03-06", "0000-01-01", "9999-12-31", "2024-02-29", "1999-09-19"}) {
        for (std::size_t i = 0; i < 10; ++i) {
            for (int b = 0; b < 256; ++b) {
                std::string t = base;
                t[i] = static_cast<char>(b);
                Date a{}, r{};
                const bool ok = parse_date(t, a);
                INFO(base << " byte " << i << " = " << b);
                REQUIRE(ok == bytewise(t, r));
                if (ok) REQUIRE(a.days == r.days);
            }
        }
    }
}

TEST_CASE("decoder fast path: fee-line texts read a block at a time, at every length and with every kind of lead",
          "[io][decoder]") {
    // Fee-line texts are read one or two 16-byte blocks at once: ASCII up to
    // 15 bytes, or runs of 3-byte characters up to 30 bytes whose leads are
    // E1..EC, EE, EF. Every length around those limits, with E0 and ED leads
    // (whose second byte is limited), other lengths of character and bytes
    // that stop a scan, in the code and the name; then cut at the padding.
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::vector<std::string> chars = {"a", "\xe4\xb8\xad", "\xe1\x80\x80", "\xef\xbf\xbf", "\xee\x80\x80", "\xe0\xa0\x80",
                                            "\xed\x9f\xbf", "\xed\xa0\x80", "\xe0\x9f\xbf", "\xc2\xa9", "\xf0\x9f\x98\x80",
                                            "\xe4\xb8", "\xe4\x38\xad", "\xe4\xb8\xc0", "\x80", "\x01", "\\n", "\\u4e2d", "\""};
    std::size_t ok = 0, total = 0;
    for (std::size_t len = 0; len <= 12; ++len) {
        for (std::size_t at = 0; at <= len; ++at) {
            for (const auto& base : {std::string("a"), std::string("\xe4\xb8\xad")}) {
                for (const auto& odd : chars) {
                    std::string text;
                    for (std::size_t i = 0; i < len; ++i) text += i == at ? odd : base;
                    for (const char* slot : {"@NAME@", "@CAT@"}) {
                        std::string line = with_value("@NAME@", "\"" + text + "\"");
                        if (std::string_view(slot) == "@CAT@") {
                            // the first fee line's code
                            const std::size_t p = line.find("\"A1\"");
                            line.replace(p, 4, "\"" + text + "\"");
                        }
                        ok += check_same(fast, full, line);
                        ++total;
                    }
                }
            }
        }
    }
    CHECK(ok > 500);
    CHECK(total - ok > 500);
    // Lines that end inside a name: the padding goes on with the name's
    // characters and a quote, which must not count.
    std::string line = with_value("@NAME@", "\"" + std::string(10 * 3, 'x') + "\"");
    const std::size_t name = line.find("xxx");
    for (std::size_t chars_in = 0; chars_in <= 11; ++chars_in) {
        std::string cjk;
        for (std::size_t i = 0; i < 11; ++i) cjk += "\xe4\xb8\xad";
        const std::string cut = line.substr(0, name) + cjk.substr(0, 3 * chars_in);
        for (const std::string& fill : std::vector<std::string>{"\"", cjk.substr(0, 3) + "\"}]}", cjk + "\"}]}", "a\"}]}"})
            check_in_place(fast, full, cut, fill);
        check_in_place(fast, full, line.substr(0, name) + std::string(chars_in, 'a'), "a\"}]}");
    }
}

TEST_CASE("decoder fast path: fee-line texts of ASCII and 3-byte characters mixed, every pair of pieces at every place",
          "[io][decoder]") {
    // A text of up to 15 bytes that is neither plain ASCII nor 3-byte
    // characters only (胸部CT) is checked in its one block: ASCII and
    // characters with the leads E1..EC, EE, EF in any order. Two pieces of
    // every kind, good and bad, after every count of ASCII or characters, in
    // the name (after the amount) and in the code (the fee line's start).
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::vector<std::string> pieces = {"C", "\xe4\xb8\xad", "\xe1\x80\x80", "\xef\xbf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
                                             "\xc2\xa9", "\xf0\x9f\x98\x80", "\xe4\xb8", "\xe4\x38\xad", "\x80", "\xe4",
                                             "\xc2", "\xf0", "\xff", "\x01", "\x1f", "\x7f", " ", "\\n", "\\\"", "\xe4\xb8\xad\xe4"};
    std::size_t ok = 0, total = 0;
    for (const std::string base : {"a", "\xe8\x83\xb8"}) {
        for (std::size_t before = 0; before <= 4; ++before) {
            for (const std::string& one : pieces) {
                for (const std::string& two : pieces) {
                    std::string text;
                    for (std::size_t i = 0; i < before; ++i) text += base;
                    text += one + two;
                    std::string line = with_value("@NAME@", "\"" + text + "\"");
                    ok += check_same(fast, full, line);
                    const std::size_t p = line.find("\"A1\"");
                    line.replace(p, 4, "\"" + text + "\"");
                    ok += check_same(fast, full, line);
                    total += 2;
                }
            }
        }
    }
    CHECK(ok > 300);
    CHECK(total - ok > 1000);
    // The usual mixed names are read by the fast path, and as the full decoder reads them.
    for (const char* name : {"胸部CT", "CT胸部", "B超", "a中b", "中a中", "腹部MRI平扫", "PICC置管", "中中中中中", "ab中cd中ef"}) {
        const std::string line = with_value("@NAME@", std::string("\"") + name + "\"");
        INFO("name: " << name);
        CHECK(check_same(fast, full, line));
        CHECK(fast_path_reads(demo(), line));
        ClaimRecord a;
        fast.decode(line, a);
        REQUIRE(a.ok);
        CHECK(a.claim.item_texts[1] == name);
    }
}

TEST_CASE("decoder fast path: fee lines of more than 8 fields, the rows' wide copies", "[io][decoder]") {
    // The demo policy with three more fee-line fields (11 in all): a row no
    // longer fits the 8-slot copies of the usual schemas.
    const std::string cap = "    price_cap: {type: money, optional: true}";
    const Graph g = demo_with(cap,
                              cap + "\n    lot: {type: count, default: 3}\n    batch: {type: string, optional: true}\n"
                                    "    fee2: {type: money, optional: true}",
                              "wide.yaml");
    REQUIRE(g.schema().item_fields.size() == 11);
    ClaimDecoder fast(g), full(g, false);
    const std::string head =
        R"({"claim_id":"W-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[)";
    const std::vector<std::string> rows = {
        R"({"code":"A1","category":"A","amount":1.25})",
        R"({"code":"B2","category":"B","amount":30.00,"lot":7,"batch":"批号12","fee2":3.5})",
        R"({"fee2":0.01,"batch":"x","code":"C3","name":"床位费","category":"C","amount":99999.99,"qty":2,"price_cap":1.00,"lot":1})",
        R"({"code":"A4","category":"A","amount":2,"note":"n","selfpay_prop":500})",
    };
    // Every count of fee lines up to 20 (the columns grow, then are reused
    // shorter and longer), each line's rows a different mix.
    for (std::size_t n = 0; n <= 20; ++n) {
        for (std::size_t shift = 0; shift < rows.size(); ++shift) {
            std::string line = head;
            for (std::size_t i = 0; i < n; ++i) line += (i ? "," : "") + rows[(i * 3 + shift) % rows.size()];
            line += "]}";
            check_same(fast, full, line);
        }
    }
    for (const std::string& line : sample_lines()) check_same(fast, full, line);
}

TEST_CASE("decoder fast path: takes every shipped claim line itself", "[io][decoder]") {
    // The comparisons above cannot see a fast path that gives up on lines it
    // should read (the full decoder then reads them the same): this one can.
    detail::PlainClaimReader reader(demo().schema());
    Claim c;
    std::size_t n = 0;
    for (const std::string& line : sample_lines()) {
        if (line.find('\\') != std::string::npos) continue;  // escapes: the full decoder's
        std::string padded = line + std::string(ClaimDecoder::padding, ' ');
        INFO("line: " << line);
        CHECK(reader.read(std::string_view(padded.data(), line.size()), c));
        ++n;
    }
    CHECK(n > 20);
}

TEST_CASE("decoder fast path: a key given twice, in a fee line or the claim, reads as the full decoder reads it", "[io][decoder]") {
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string head =
        R"({"claim_id":"D-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false)";
    const std::vector<std::string> fields = {R"("code":"A1")",  R"("name":"床位费")", R"("note":"n")",
                                             R"("category":"B")", R"("amount":12.50)", R"("selfpay_prop":500)",
                                             R"("qty":2)",        R"("price_cap":3.00)"};
    const std::string base = R"("code":"A1","category":"A","amount":1.25)";
    for (const std::string& f : fields) {
        for (const std::string& row : {base + "," + f + "," + f, f + "," + base + "," + f, base + "," + f})
            check_same(fast, full, head + R"(,"items":[{"code":"Z","category":"C","amount":1},{)" + row + "}]}");
    }
    for (const std::string_view k : {R"("hosp_lv":3)", R"("referred":true)", R"("tags":["dibao"])", R"("claim_id":"D-2")"})
        check_same(fast, full, head + "," + std::string(k) + R"(,"items":[]})");
}

// Every byte of line[from, to] changed to each of `subs`, and a blank put
// before it; then the line cut there, the rest of it (and then `tail`) in
// the padding. The fast path must read each as the full decoder does; a
// blank between tokens must not make it give up. Counts {read alike, tried}.
namespace {
std::pair<std::size_t, std::size_t> near_misses(ClaimDecoder& fast, ClaimDecoder& full, const std::string& line,
                                                std::size_t from, std::size_t to,
                                                std::initializer_list<const char*> subs, std::string_view tail) {
    std::size_t ok = 0, total = 0;
    for (std::size_t at = from; at <= to; ++at) {
        for (const char* ch : subs) {
            std::string l = line;
            l.replace(at, 1, ch);
            ok += check_same(fast, full, l);
            ++total;
        }
        std::string l = line;
        l.insert(at, " ");
        if (check_same(fast, full, l)) {
            INFO("line: " << l);
            CHECK(fast_path_reads(demo(), l));  // a blank between tokens is still plain
            ++ok;
        }
        ++total;
        check_in_place(fast, full, line.substr(0, at), std::string_view(line).substr(at));
        check_in_place(fast, full, line.substr(0, at), tail);
    }
    return {ok, total};
}
}  // namespace

TEST_CASE("decoder fast path: the usual `,\"category\":\"A\",\"amount\":` run after a text, and every near miss", "[io][decoder]") {
    // After the text of a fee line's usual start the reader tries the label
    // field and the money field after it in the schema as one 32-byte compare
    // (the label's byte free); anything else must read as the key-by-key loop
    // reads it.
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string head =
        R"({"claim_id":"R-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[{"code":"Z","category":"C","amount":1},)";
    const std::string run = R"(,"category":"B","amount":)";
    auto line_with = [&](const std::string& row) { return head + row + "]}"; };
    const std::string row = R"({"code":"A1")" + run + R"(12.50,"name":"床位费"})";
    REQUIRE(check_same(fast, full, line_with(row)));
    const std::size_t from = head.size() + row.find(run);
    const std::string line = line_with(row);
    // Every byte of the run (and the bytes around it) changed, dropped or
    // with a blank before it; then the line cut there, the rest in the padding.
    auto [ok, total] =
        near_misses(fast, full, line, from - 1, from + run.size() + 1,
                    {"x", " ", "\"", ",", ":", "A", "C", "D", "a", "1", "\\", "\t", "\x01", "\xe4", "AB", ""}, "\"B\",\"amount\":1}]}");
    CHECK(ok > 20);
    CHECK(total - ok > 100);
    // Every one-byte label, and labels of other lengths and forms.
    for (int b = 0x20; b < 0x80; ++b) {
        std::string l = line;
        l[from + 13] = static_cast<char>(b);
        check_same(fast, full, l);
    }
    for (const char* label : {R"("")", R"("BB")", R"("\u0042")", R"(1)", R"(null)", "\"\xe4\xb8\xad\""}) {
        std::string l = line;
        l.replace(from + 12, 3, label);
        check_same(fast, full, l);
    }
    // The run after other texts (read key by key), keys in other orders, keys missing or given
    // twice, something between the two keys, escaped keys; amounts of every
    // kind after it.
    const std::vector<std::string> rows = {
        R"({"code":"A1","name":"床位费","category":"A","amount":3.00})",
        R"({"name":"x","category":"A","amount":3.00,"code":"A1"})",
        R"({"note":"n","category":"C","amount":3.00,"code":"A1","name":"心脏彩超"})",
        R"({"code":"A1","amount":3.00,"category":"A"})",
        R"({"amount":3.00,"code":"A1","category":"A"})",
        R"({"category":"A","code":"A1","amount":3.00})",
        R"({"code":"A1","category":"A","qty":2,"amount":3.00})",
        R"({"code":"A1","category":"A"})",
        R"({"code":"A1","amount":3.00})",
        R"({"code":"A1","category":"A","amount":3.00,"category":"B"})",
        R"({"category":"B","code":"A1","category":"A","amount":3.00})",
        R"({"amount":1,"code":"A1","category":"A","amount":3.00})",
        R"({"code":"A1","name":"x","category":"A","amount":3.00,"name":"y"})",
        R"({"code":"A1","c\u0061tegory":"A","amount":3.00})",
        R"({"code":"A1","category":"A","\u0061mount":3.00})",
        R"({"code":"A1","category" :"A","amount":3.00})",
        R"({"code":"A1","category":"A","amount" :3.00})",
        R"({"code":"A1","category":"A","amount": 3.00})",
        R"({"code":"A1","category":"A","amount":"3.00"})",
        R"({"code":"A1","category":"A","amount":null})",
        R"({"code":"A1","category":"A","amount":-3.00})",
        R"({"code":"A1","category":"A","amount":0.001})",
        R"({"code":"A1","category":"A","amount":007})",
        R"({"code":"A1","category":"A","amount":1e3})",
        R"({"code":"A1","category":"A","amount":123456789012345.67})",
        R"({"code":"A1","category":"A","amount":1234567890123456})",
        R"({"code":"A1","category":"A","amount":92233720368547758.07})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1.50,"selfpay_prop":500})",
        R"({"code":"A\u0031","category":"A","amount":3.00})",
        R"({"code":"药物洗脱支架","category":"A","amount":3.00})",
        R"({"code":"A1","category":"A","amount":3.00}  )",
    };
    ok = 0;
    for (const std::string& r : rows) ok += check_same(fast, full, line_with(r));
    CHECK(ok > 10);
    // A schema with a field between the label and the money field: no run.
    const std::string cat = "    category: category\n";
    const Graph g = demo_with(cat, cat + "    lot: {type: count, default: 3}\n", "gap.yaml");
    ClaimDecoder fast_gap(g), full_gap(g, false);
    CHECK(check_same(fast_gap, full_gap, line));
    for (const std::string& r : rows) check_same(fast_gap, full_gap, line_with(r));
}

TEST_CASE("decoder fast path: the usual `{\"code\":\"` start of a fee line, and every near miss", "[io][decoder]") {
    // A fee line that starts with its first field in the schema, a text, is
    // matched braces and quotes included in one 16-byte compare; anything
    // else must read as the general start and key look-up read it.
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string head =
        R"({"claim_id":"S-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[{"code":"Z","category":"C","amount":1},)";
    const std::string line = head + R"({"code":"A1","category":"B","amount":12.50,"name":"床位费"}]})";
    REQUIRE(check_same(fast, full, line));
    auto [ok, total] =
        near_misses(fast, full, line, head.size() - 1, head.size() + 12,
                    {"x", " ", "\"", "{", "}", ",", ":", "C", "c", "\\", "\t", "\x01", "\xe4", "ab", ""}, "{\"code\":\"A1\"}]}");
    CHECK(ok > 15);
    CHECK(total - ok > 100);
    // Texts of every kind right after the start, other first keys, keys
    // given twice, an empty fee line.
    const std::vector<std::string> rows = {
        R"({"code":"","category":"A","amount":3.00})",
        R"({"code":"药物洗脱支架","category":"A","amount":3.00})",
        R"({"code":"0123456789abcdefghij","category":"A","amount":3.00})",
        R"({"code":"A\"1","category":"A","amount":3.00})",
        R"({"code":1,"category":"A","amount":3.00})",
        R"({"code":null,"category":"A","amount":3.00})",
        R"({"code":"A1","code":"A2","category":"A","amount":3.00})",
        R"({"codes":"A1","category":"A","amount":3.00})",
        R"({"cod":"A1","category":"A","amount":3.00})",
        R"({"name":"床位费","code":"A1","category":"A","amount":3.00})",
        R"({"category":"A","amount":3.00,"code":"A1"})",
        R"({ "code":"A1","category":"A","amount":3.00})",
        R"({"code" : "A1","category":"A","amount":3.00})",
        R"({"\u0063ode":"A1","category":"A","amount":3.00})",
        R"({})",
        R"({"code":"A1"})",
    };
    ok = 0;
    for (const std::string& r : rows) ok += check_same(fast, full, head + r + "]}");
    CHECK(ok > 5);
    // A schema whose first fee-line field is not a text: no such start.
    const std::string code = "    code: string\n";
    const Graph g = demo_with(code, "    lot: {type: count, default: 3}\n" + code, "lot-first.yaml");
    ClaimDecoder fast_lot(g), full_lot(g, false);
    CHECK(check_same(fast_lot, full_lot, line));
    for (const std::string& r : rows) check_same(fast_lot, full_lot, head + r + "]}");
    check_same(fast_lot, full_lot, head + R"({"lot":2,"code":"A1","category":"A","amount":3.00}]})");
}

TEST_CASE("decoder fast path: the usual `,\"name\":\"` after the label run's amount, and every near miss", "[io][decoder]") {
    // After the label run's money field the reader tries the first text field
    // after the start's (name) with its comma and the text's quote as one
    // 16-byte compare, and reads the text with no key look-up; anything else
    // must read as the key-by-key loop reads it.
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string head =
        R"({"claim_id":"T-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[{"code":"Z","category":"C","amount":1},)";
    const std::string tail = R"(,"name":")";
    auto line_with = [&](const std::string& row) { return head + row + "]}"; };
    const std::string row = R"({"code":"A1","category":"B","amount":12.50)" + tail + R"(床位费"})";
    const std::string line = line_with(row);
    REQUIRE(check_same(fast, full, line));
    CHECK(fast_path_reads(demo(), line));
    {
        // The name lands in its own slot, the row's others as the loop leaves them.
        ClaimRecord a;
        fast.decode(line, a);
        REQUIRE(a.ok);
        REQUIRE(a.claim.item_count == 2);
        const std::size_t n = demo().schema().item_fields.size();
        CHECK(a.claim.item_texts[n + 1] == "床位费");
        CHECK(a.claim.item_texts[n + 0] == "A1");
        CHECK(a.claim.item_texts[n + 2].empty());
    }
    const std::size_t from = head.size() + row.find(tail);
    auto [ok, total] =
        near_misses(fast, full, line, from - 1, from + tail.size() + 1,
                    {"x", " ", "\"", ",", ":", "}", "n", "N", "e", "1", "\\", "\t", "\x01", "\xe4", "ab", ""}, "\"x\"}]}");
    CHECK(ok > 10);
    CHECK(total - ok > 100);
    // Texts of every kind after it, other keys after the amount, the name
    // given twice or after other keys, blanks, other values.
    const std::vector<std::string> rows = {
        R"({"code":"A1","category":"A","amount":3.00,"name":""})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"0123456789abcde"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"0123456789abcdefghij"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"注射用头孢曲松"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"胸部CT"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"a\"b"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"\u5e8a"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":1})",
        R"({"code":"A1","category":"A","amount":3.00,"name":null})",
        R"({"code":"A1","category":"A","amount":3.00,"name": "x"})",
        R"({"code":"A1","category":"A","amount":3.00,"name" :"x"})",
        R"({"code":"A1","category":"A","amount":3.00 ,"name":"x"})",
        R"({"code":"A1","category":"A","amount":3.00, "name":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x","name":"y"})",
        R"({"code":"A1","name":"y","category":"A","amount":3.00,"name":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x","qty":2,"price_cap":1.50})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x","selfpay_prop":500})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"name":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"note":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"names":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"nam":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"n\u0061me":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x"  })",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x")",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x"])",
        R"({"code":"药物洗脱支架","category":"A","amount":3.00,"name":"x"})",
        R"({"code":"A1","category":"A","amount":-3.00,"name":"x"})",
    };
    ok = 0;
    for (const std::string& r : rows) ok += check_same(fast, full, line_with(r));
    CHECK(ok > 15);
    // A schema whose text after the start has a name too long for one block: no tail.
    const Graph g = demo_with("    name: {type: string, optional: true}\n",
                              "    name_of_the_item: {type: string, optional: true}\n", "long-name.yaml");
    ClaimDecoder fast_long(g), full_long(g, false);
    check_same(fast_long, full_long, line);
    check_same(fast_long, full_long, line_with(R"({"code":"A1","category":"A","amount":3.00,"name_of_the_item":"x"})"));
    CHECK(fast_path_reads(g, line_with(R"({"code":"A1","category":"A","amount":3.00,"name_of_the_item":"x"})")));
}

TEST_CASE("decoder fast path: a fee line's usual start or label run that runs into the padding is refused", "[io][decoder]") {
    // The start and the run are matched with no test of the line's end: the
    // text or the amount read after them must end within the line, and one
    // that runs past it makes the reader give up. Each line below is cut at
    // every byte of its last fee line, the rest of it in the padding.
    detail::PlainClaimReader reader(demo().schema());
    const std::string head =
        R"({"claim_id":"P-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[{"code":"Z","category":"C","amount":1},)";
    for (const std::string row : {R"({"code":"A1","category":"B","amount":12.50})", R"({"code":"A1","category":"B","amount":7})",
                                  R"({"code":"A1","category":"B","amount":7,"name":"床位费"})",
                                  R"({"code":"A1","category":"B","amount":7,"name":"xy"})",
                                  R"({"code":"A1","category":"B","amount":7,"qty":3})",
                                  R"({"code":"A1","category":"B","amount":7,"selfpay_prop":5})",
                                  R"({"code":"药物洗脱支架","category":"A","amount":3.00})",
                                  R"({"code":"0123456789abcd","category":"C","amount":123456.78})"}) {
        const std::string line = head + row + "]}";
        const std::string block = line + std::string(ClaimDecoder::padding, ' ');
        Claim c;
        INFO("line: " << line);
        CHECK(reader.read(std::string_view(block.data(), line.size()), c));  // the amount at the very end of the last fee line
        CHECK(c.item_count == 2);
        for (std::size_t cut = head.size(); cut < line.size(); ++cut) {
            INFO("cut at " << cut);
            CHECK_FALSE(reader.read(std::string_view(block.data(), cut), c));
        }
    }
}

TEST_CASE("decoder fast path: the usual `,\"selfpay_prop\":` and `,\"qty\":5,\"price_cap\":` after the head, and every near miss",
          "[io][decoder]") {
    // After the head's amount (and the tail's name) the reader tries the first
    // ratio or count field's key with its comma as one 16-byte compare, then
    // the count field written as one digit with the money field after it as
    // one 32-byte compare (the digit's byte free): no key look-ups, no
    // duplicate checks. Anything else must read as the key-by-key loop reads it.
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string head =
        R"({"claim_id":"Q-1","member_id":"M1","date":"2026-03-01","insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[{"code":"Z","category":"C","amount":1},)";
    auto line_with = [&](const std::string& row) { return head + row + "]}"; };
    const std::string ratio = R"(,"selfpay_prop":)", run = R"(,"qty":4,"price_cap":)";
    const std::string row = R"({"code":"A1","category":"B","amount":12.50,"name":"床位费")" + ratio + "500" + run + R"(6.25})";
    const std::string line = line_with(row);
    REQUIRE(check_same(fast, full, line));
    CHECK(fast_path_reads(demo(), line));
    {
        ClaimRecord a, b;
        fast.decode(line, a);
        full.decode(line, b);
        REQUIRE(a.ok);
        REQUIRE(a.claim.item_count == 2);
        CHECK(a.claim.items == b.claim.items);
        CHECK(a.claim.item_present == b.claim.item_present);
    }
    // Every byte of the ratio's key and of the run (and the bytes around
    // them) changed, dropped or with a blank before it.
    for (const std::string& part : {ratio, run}) {
        const std::size_t from = head.size() + row.find(part);
        auto [ok, total] = near_misses(fast, full, line, from - 1, from + part.size() + 1,
                                       {"x", " ", "\"", ",", ":", "}", "0", "1", "9", "-", ".", "e", "\\", "\t", "\x01", "\xe4", "12", ""},
                                       "1}]}");
        CHECK(ok > 10);
        CHECK(total - ok > 100);
    }
    // Every byte as the count's digit.
    const std::size_t digit = head.size() + row.find(run) + 7;
    REQUIRE(line[digit] == '4');
    for (int b = 0x20; b < 0x80; ++b) {
        std::string l = line;
        l[digit] = static_cast<char>(b);
        check_same(fast, full, l);
    }
    // The runs alone, in other orders, given twice, at the line's end, with
    // values of every kind (out of range, below the minimum, odd forms).
    const std::vector<std::string> rows = {
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":500})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":0})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":10000})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":10001})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":-1})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":05})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":5.0})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":"5"})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop": 5 })",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":5,"selfpay_prop":6})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":5,"qty":2})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":1,"price_cap":1.5})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":0,"price_cap":1.5})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":9,"price_cap":0})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":12,"price_cap":1.5})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":-1.5})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1.555})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1e2})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":null})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1.5,"qty":3})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1.5,"price_cap":3})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1.5,"selfpay_prop":500})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1.5,"name":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1.5 })",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap":1.5x})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2,"price_cap": 1.5})",
        R"({"code":"A1","category":"A","amount":3.00,"qty":2 ,"price_cap":1.5})",
        R"({"code":"A1","category":"A","amount":3.00,"price_cap":1.5,"qty":2})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x","selfpay_prop":500,"qty":2,"price_cap":1.5})",
        R"({"code":"A1","category":"A","amount":3.00,"name":"x","selfpay_prop":500,"selfpay_prop":500})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":500,"name":"x"})",
        R"({"code":"A1","category":"A","amount":3.00,"selfpay_prop":500,"qty":2,"price_cap":1.5,"qty":2})",
    };
    std::size_t ok = 0;
    for (const std::string& r : rows) {
        INFO("row: " << r);
        if (check_same(fast, full, line_with(r))) ++ok;
    }
    CHECK(ok > 15);
    for (const std::string& r : {rows[0], rows[2], rows[11], rows[28]}) CHECK(fast_path_reads(demo(), line_with(r)));
    // The runs cut at every byte, the rest in the padding: refused.
    detail::PlainClaimReader reader(demo().schema());
    for (const std::string& r : {rows[0], rows[11], rows[28]}) {
        const std::string l = line_with(r);
        const std::string block = l + std::string(ClaimDecoder::padding, ' ');
        Claim c;
        INFO("line: " << l);
        CHECK(reader.read(std::string_view(block.data(), l.size()), c));
        for (std::size_t cut = head.size(); cut < l.size(); ++cut) {
            INFO("cut at " << cut);
            CHECK_FALSE(reader.read(std::string_view(block.data(), cut), c));
        }
    }
}

TEST_CASE("decoder fast path: dates read again from the ones read before, as parse_date reads them", "[io][decoder]") {
    // The reader keeps the dates it parsed by their text (a slot each, by a
    // hash, as made holding 1970-01-01): every date read again, in any order,
    // with bad dates and dates sharing a slot between, must read as the full
    // decoder reads it.
    ClaimDecoder fast(demo()), full(demo(), false);
    const std::string rest =
        R"(,"insutype":"employee","med_type":"inpatient","hosp_lv":2,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":true,"hmb_preexisting":false,"items":[{"code":"A1","category":"B","amount":12.50}]})";
    auto line_of = [&](const std::string& date) { return R"({"claim_id":"D-1","member_id":"M1","date":")" + date + "\"" + rest; };
    std::vector<std::string> dates = {"1970-01-01", "1970-01-02", "1969-12-31", "0000-01-01", "9999-12-31", "2024-02-29",
                                      "2023-02-29", "2100-02-29", "2000-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
                                      "2026-04-00", "2026-4-01x", "2026/04/01", "20260401xx", "2026-04-0a", "1970-01-1 "};
    for (int y : {1970, 1999, 2024, 2025, 2026, 2027})
        for (int m = 1; m <= 12; ++m)
            for (int d = 1; d <= 31; d += 3) {
                char buf[16];
                std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
                dates.push_back(buf);
            }
    std::mt19937 rng(20261125);
    std::size_t ok = 0;
    for (int round = 0; round < 3; ++round) {
        std::shuffle(dates.begin(), dates.end(), rng);
        for (const std::string& d : dates) ok += check_same(fast, full, line_of(d));
    }
    CHECK(ok > 1000);
    // A fresh decoder's first date: the slots as made.
    ClaimDecoder fresh(demo());
    check_same(fresh, full, line_of("1970-01-01"));
    check_same(fresh, full, line_of("1970-01-01"));
    ClaimDecoder fresh2(demo());
    check_same(fresh2, full, line_of("2026-03-01"));
    check_same(fresh2, full, line_of("1970-01-01"));
}
