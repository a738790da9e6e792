// Policy test files: loading (with positions), checking against the policy,
// running cases, reporting differences and explanations.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "claimgraph/claimgraph.hpp"
#include "support.hpp"
#include "claimgraph/policy_test.hpp"

using namespace claimgraph;
using claimgraph::testing::demo;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string kRoot = CLAIMGRAPH_SOURCE_DIR;

PolicyTestFile load(const std::string& yaml) { return load_policy_test_text(yaml, "t.test.yaml", kRoot + "/rules"); }

// Every problem the file has, as "file:line:col: error: message" lines.
std::vector<std::string> load_errors(const std::string& yaml) {
    try {
        (void)load(yaml);
    } catch (const CompileError& e) {
        std::vector<std::string> out;
        for (const auto& d : e.diagnostics()) out.push_back(d.str());
        return out;
    }
    return {};
}

std::vector<std::string> run_errors(const std::string& yaml) {
    const PolicyTestFile f = load(yaml);
    try {
        (void)run_policy_tests(f, demo());
    } catch (const CompileError& e) {
        std::vector<std::string> out;
        for (const auto& d : e.diagnostics()) out.push_back(d.str());
        return out;
    }
    return {};
}

// Employee level 2, A 5000: D 600, 4400 × 85% = 3740.00.
const std::string kHeader =
    "policy: demo-city-2026.yaml\n"
    "defaults: {med_type: inpatient, region: local, referred: false, emergency: false, retired: false,\n"
    "           tags: [], hmb_enrolled: false, hmb_preexisting: false}\n"
    "cases:\n";
const std::string kClaim =
    "      - {claim_id: T1, member_id: M1, date: 2026-03-02, insutype: employee, hosp_lv: 2,\n"
    "         items: [{code: A1, category: A, amount: 5000}]}\n";

}  // namespace

TEST_CASE("policy test: a passing file", "[policy_test]") {
    const PolicyTestFile f = load(kHeader +
                                  "  - name: employee level 2\n"
                                  "    rule: §4 deductible\n"
                                  "    claims:\n" +
                                  kClaim +
                                  "    expect:\n"
                                  "      T1: {act_pay_dedc: 600, hifp_pay: 3740.00, hifp.deductible: 600.0, hifp.base: 5000,\n"
                                  "           hifp.raw: 3740, hifp.pay: 3740, hifp.applied: true, hifmi.applied: false,\n"
                                  "           status: settled, code: ''}\n"
                                  "  - name: starting accumulators\n"
                                  "    accumulators: {admissions: 1, hifp_ytd: 399000}\n"
                                  "    claims:\n" +
                                  kClaim +
                                  "    expect:\n"
                                  "      T1: {act_pay_dedc: 300.00, hifp.raw: 3995.00, hifp_pay: 1000.00}\n");
    REQUIRE(f.cases.size() == 2);
    CHECK(f.cases[0].name == "employee level 2");
    CHECK(f.cases[0].rule == "§4 deductible");
    CHECK(f.cases[0].pos.line == 5);
    CHECK(f.policy == std::filesystem::path(kRoot + "/rules/demo-city-2026.yaml"));
    const PolicyTestFileResult r = run_policy_tests(f, demo());
    REQUIRE(r.cases.size() == 2);
    for (const auto& c : r.cases) {
        INFO(c.name << (c.diffs.empty() ? "" : ": " + c.diffs[0].field + " got " + c.diffs[0].actual));
        CHECK(c.passed);
        CHECK(c.diffs.empty());
        CHECK(c.explain.empty());
    }
    CHECK(r.passed() == 2);
    CHECK(r.failed() == 0);
}

TEST_CASE("policy test: a failing expectation reports the difference and explains the claim", "[policy_test]") {
    const PolicyTestFile f = load(kHeader +
                                  "  - name: wrong deductible\n"
                                  "    claims:\n" +
                                  kClaim +
                                  "    expect:\n"
                                  "      T1: {act_pay_dedc: 650.00, hifp_pay: 3740.00, medfee_sumamt: 5000.01}\n");
    const PolicyTestFileResult r = run_policy_tests(f, demo());
    REQUIRE(r.cases.size() == 1);
    const auto& c = r.cases[0];
    CHECK_FALSE(c.passed);
    REQUIRE(c.diffs.size() == 2);
    CHECK(c.diffs[0].claim_id == "T1");
    CHECK(c.diffs[0].field == "act_pay_dedc");
    CHECK(c.diffs[0].expected == "650.00");
    CHECK(c.diffs[0].actual == "600.00");
    CHECK(c.diffs[0].pos.line == 10);
    CHECK(c.diffs[1].field == "medfee_sumamt");
    CHECK(c.diffs[1].expected == "5000.01");  // one fen counts
    CHECK(c.diffs[1].actual == "5000.00");
    CHECK_FALSE(c.explain.empty());
    CHECK(r.failed() == 1);

    const std::string report = format_policy_test_failure(r, c);
    CHECK_THAT(report, StartsWith("FAIL t.test.yaml:5 wrong deductible\n"));
    CHECK_THAT(report, Contains("  T1 act_pay_dedc: expected 650.00, got 600.00\n"));
    CHECK_THAT(report, Contains("  T1 medfee_sumamt: expected 5000.01, got 5000.00\n"));
}

TEST_CASE("policy test: status, code and stage results of a second claim", "[policy_test]") {
    const PolicyTestFile f = load(kHeader +
                                  "  - name: order\n"
                                  "    claims:\n"
                                  "      - {claim_id: B, member_id: M1, date: 2026-03-02, insutype: employee, hosp_lv: 2,\n"
                                  "         items: [{code: A1, category: A, amount: 5000}]}\n"
                                  "      - {claim_id: A, member_id: M1, date: 2026-03-02, insutype: employee, hosp_lv: 2,\n"
                                  "         items: [{code: A1, category: A, amount: 5000}]}\n"
                                  "    expect:\n"
                                  "      B: {hifp.deductible: 600.00, status: rejected}\n");
    const PolicyTestFileResult r = run_policy_tests(f, demo());
    const auto& c = r.cases.at(0);
    REQUIRE(c.diffs.size() == 2);
    CHECK(c.diffs[0].field == "hifp.deductible");  // A settles first: B is the second admission
    CHECK(c.diffs[0].actual == "300.00");
    CHECK(c.diffs[1].field == "status");
    CHECK(c.diffs[1].actual == "settled");
}

TEST_CASE("policy test: an unknown expected field is an error", "[policy_test]") {
    const auto errors = run_errors(kHeader +
                                   "  - name: typo\n"
                                   "    claims:\n" +
                                   kClaim +
                                   "    expect:\n"
                                   "      T1: {hifp_paid: 3740.00, hifp.payment: 1, hmbx.pay: 1, status: paid,\n"
                                   "           hifp_pay: 37.405}\n");
    REQUIRE(errors.size() == 5);
    CHECK_THAT(errors[0], StartsWith("t.test.yaml:10:12: error: expected an output or result of policy demo-city-2026"));
    CHECK_THAT(errors[0], Contains("found unknown field 'hifp_paid'"));
    CHECK_THAT(errors[1], Contains("after 'hifp.', found 'payment'"));
    CHECK_THAT(errors[2], Contains("found unknown field 'hmbx.pay'"));
    CHECK_THAT(errors[3], Contains("expected a status settled, rejected or error, found 'paid'"));
    CHECK_THAT(errors[4], StartsWith("t.test.yaml:11:22: error: expected an amount in yuan for 'hifp_pay'"));
}

TEST_CASE("policy test: unknown accumulators and claim ids are errors", "[policy_test]") {
    CHECK_THAT(run_errors(kHeader +
                          "  - name: acc\n"
                          "    accumulators: {hifp_total: 1000}\n"
                          "    claims:\n" +
                          kClaim + "    expect:\n      T1: {hifp_pay: 3740}\n")
                   .at(0),
               StartsWith("t.test.yaml:6:20: error: expected an accumulator of policy demo-city-2026"));
    const auto errors = load_errors(kHeader +
                                    "  - name: ids\n"
                                    "    claims:\n" +
                                    kClaim + "    expect:\n      T2: {hifp_pay: 3740}\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == "t.test.yaml:10:7: error: expected the claim_id of one of the case's claims, found 'T2'");
}

TEST_CASE("policy test: a claim that does not decode is an error at the offending value", "[policy_test]") {
    const auto errors = run_errors(kHeader +
                                   "  - name: bad amount\n"
                                   "    claims:\n"
                                   "      - {claim_id: T1, member_id: M1, date: 2026-03-02, insutype: employee, hosp_lv: 2,\n"
                                   "         items: [{code: A1, category: A, amount: 12.345}]}\n"
                                   "    expect:\n"
                                   "      T1: {hifp_pay: 0}\n"
                                   "  - name: bad level\n"
                                   "    claims:\n"
                                   "      - {claim_id: T1, member_id: M1, date: 2026-03-02, insutype: employee, hosp_lv: 4,\n"
                                   "         items: [{code: A1, category: A, amount: 1}]}\n"
                                   "    expect:\n"
                                   "      T1: {hifp_pay: 0}\n");
    REQUIRE(errors.size() == 2);
    CHECK_THAT(errors[0], StartsWith("t.test.yaml:8:50: error: "));
    CHECK_THAT(errors[0], Contains("(in claim T1, field items[0].amount)"));
    CHECK_THAT(errors[1], StartsWith("t.test.yaml:13:86: error: "));
    CHECK_THAT(errors[1], Contains("field hosp_lv"));
}

TEST_CASE("policy test: YAML claims become JSON with exact number text", "[policy_test]") {
    const PolicyTestFile f = load(kHeader +
                                  "  - name: json\n"
                                  "    claims:\n"
                                  "      - {claim_id: 7, member_id: M1, date: 2026-03-02, insutype: employee, hosp_lv: 2, note: 12,\n"
                                  "         items: [{code: 123, category: A, amount: 5000.10, name: \"a \\\"b\\\"\"}]}\n"
                                  "    expect:\n"
                                  "      7: {hifp_pay: 1}\n");
    const std::string json = policy_test_claim_json(f.cases.at(0).claims.at(0).value, demo().schema());
    CHECK_THAT(json, StartsWith(R"({"claim_id":"7","member_id":"M1","date":"2026-03-02","insutype":"employee",)"
                                R"("hosp_lv":"2","note":"12","items":[{"code":"123","category":"A","amount":5000.10,)"
                                R"("name":"a \"b\""}],"med_type":"inpatient","region":"local","referred":false,)"));
    CHECK_THAT(json, Contains(R"("tags":[])"));
}

TEST_CASE("policy test: error positions in a malformed test file", "[policy_test]") {
    SECTION("not YAML") {
        const auto errors = load_errors("policy: p.yaml\ncases: [\n");
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], StartsWith("t.test.yaml:3:1: error: expected valid YAML"));
    }
    SECTION("wrong shapes and unknown keys, all reported") {
        const auto errors = load_errors(
            "policy: demo-city-2026.yaml\n"
            "default: {}\n"
            "cases:\n"
            "  - name: one\n"
            "    expected: {T1: {hifp_pay: 1}}\n"
            "    claims: {claim_id: T1}\n"
            "  - just a string\n");
        REQUIRE(errors.size() == 5);
        CHECK(errors[0] ==
              "t.test.yaml:2:1: error: unknown key 'default' in a policy test file: expected one of policy, defaults, cases");
        CHECK(errors[1] == "t.test.yaml:5:5: error: unknown key 'expected' in a test case: expected one of name, rule, "
                           "accumulators, claims, expect");
        CHECK(errors[2] == "t.test.yaml:6:13: error: expected the case's claims (a list), found a mapping");
        CHECK(errors[3] == "t.test.yaml:4:5: error: expected an 'expect' mapping (claim_id: {field: value}), found none: "
                           "a case must check something");
        CHECK(errors[4] == "t.test.yaml:7:5: error: expected a test case (a mapping), found a scalar");
    }
    SECTION("missing policy and cases") {
        const auto errors = load_errors("defaults: {region: local}\n");
        REQUIRE(errors.size() == 2);
        CHECK(errors[0] == "t.test.yaml:1:1: error: expected a 'policy' key naming the policy file, found none");
        CHECK(errors[1] == "t.test.yaml:1:1: error: expected a 'cases' list, found none");
    }
    SECTION("a duplicate claim id in a case") {
        const auto errors = load_errors(kHeader + "  - name: dup\n    claims:\n" + kClaim + kClaim +
                                        "    expect:\n      T1: {hifp_pay: 1}\n");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0] == "t.test.yaml:9:20: error: expected a claim_id unique in the case, found 'T1' again");
    }
}

TEST_CASE("policy test: the shipped Demo City test file covers the policy", "[policy_test]") {
    const PolicyTestFile f = load_policy_test_file(kRoot + "/rules/demo-city-2026.test.yaml");
    CHECK(f.cases.size() >= 30);
    for (const auto& c : f.cases) {
        INFO(c.name);
        CHECK_FALSE(c.rule.empty());
        CHECK_FALSE(c.expect.empty());
    }
    const auto files = find_policy_test_files({kRoot + "/rules"});
    CHECK(std::find(files.begin(), files.end(), std::filesystem::path(kRoot + "/rules/demo-city-2026.test.yaml")) !=
          files.end());
    CHECK_THROWS_AS(find_policy_test_files({kRoot + "/rules/no-such-dir"}), std::runtime_error);
}
