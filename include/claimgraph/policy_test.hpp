// Policy test files: a policy ships with worked cases next to it
// (`rules/demo-city-2026.test.yaml`), written the way a policy analyst checks
// a rule — a member's claims and the figures the rule must produce.
//
//   policy: demo-city-2026.yaml          # relative to the test file
//   defaults: {med_type: inpatient, region: local, ...}   # merged into every claim
//   cases:
//     - name: employee level-2 deductible, first band 85%
//       rule: §4 deductible table                  # optional, free text
//       accumulators: {admissions: 1, hifp_ytd: 240000}   # optional, yuan for money
//       claims:
//         - {claim_id: T1, member_id: M1, date: 2026-03-02, insutype: employee, hosp_lv: 2,
//            items: [{code: A1, category: A, amount: 5000}]}
//       expect:
//         T1: {act_pay_dedc: 600.00, hifp_pay: 3740.00}
//
// `expect` keys per claim: any output name (money, compared exactly in fen),
// `status` (settled | rejected | error), `code` (rejection code), and per stage
// `<stage>.pay`, `<stage>.deductible`, `<stage>.base`, `<stage>.raw` (money)
// and `<stage>.applied` (true/false). Anything else is an error: a test that
// cannot fail is a bug.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "claimgraph/error.hpp"
#include "claimgraph/graph.hpp"

namespace claimgraph {

// One expected value, as written.
struct PolicyTestExpectation {
    std::string field;  // e.g. "hifp_pay", "status", "hifp.deductible"
    std::string value;  // the YAML scalar's text
    SourcePos pos;      // where the value is written
    SourcePos key_pos;  // where the field name is written
};

struct PolicyTestClaimExpect {
    std::string claim_id;
    SourcePos pos;
    std::vector<PolicyTestExpectation> fields;  // in file order
};

struct PolicyTestAccumulator {
    std::string name;
    std::string value;  // yuan for money, a whole number for counts
    SourcePos pos;
};

// A YAML value as written, with its position: how a claim is kept until the
// policy's schema is known (then it becomes one JSON object for the decoder).
struct PolicyTestValue {
    enum class Kind { null, plain, quoted, list, map };
    Kind kind = Kind::null;
    std::string text;                    // scalars
    std::vector<std::string> keys;       // map keys, in file order
    std::vector<PolicyTestValue> items;  // list elements, or map values (parallel to keys)
    SourcePos pos;
    const PolicyTestValue* find(std::string_view key) const;  // map lookup; nullptr when absent
};

// A claim of a case, already merged with the file's defaults (its own keys win).
struct PolicyTestClaim {
    std::string claim_id;  // as written (empty if missing: the decoder reports it)
    PolicyTestValue value;
    SourcePos pos;
};

// The JSON line a test claim becomes under `schema`: plain YAML numbers stay
// JSON numbers (money is still read exactly from its text), true/false are
// booleans, dates and words are strings; string, date and enum fields and the
// engine's keys are always written as strings.
std::string policy_test_claim_json(const PolicyTestValue& claim, const Schema& schema);

struct PolicyTestCase {
    std::string name, rule;
    SourcePos pos;  // the case's `- name:` entry
    std::vector<PolicyTestAccumulator> accumulators;
    std::vector<PolicyTestClaim> claims;
    std::vector<PolicyTestClaimExpect> expect;
};

struct PolicyTestFile {
    std::string file;                   // as given
    std::filesystem::path policy;       // resolved against the test file's directory
    SourcePos policy_pos;
    std::vector<PolicyTestCase> cases;
};

// One difference between expected and actual.
struct PolicyTestDiff {
    std::string claim_id;
    std::string field;
    std::string expected, actual;  // money as "1234.56"
    SourcePos pos;                 // the expected value in the test file
};

struct PolicyTestCaseResult {
    std::string name, rule;
    SourcePos pos;
    bool passed = true;
    std::vector<PolicyTestDiff> diffs;  // in settlement order, then in `expect` order
    std::string explain;                // explain(text) of the claim of the first diff
};

struct PolicyTestFileResult {
    std::string file;
    std::string policy_id;
    std::vector<PolicyTestCaseResult> cases;
    std::size_t passed() const;
    std::size_t failed() const;
};

// Parses a test file's structure (no policy needed). Throws CompileError with
// every problem found, each as `file:line:col: error: expected ..., found ...`.
PolicyTestFile load_policy_test_file(const std::filesystem::path& path);
PolicyTestFile load_policy_test_text(std::string_view yaml, const std::string& file_name,
                                     const std::filesystem::path& base_dir = {});

// Runs every case against `g`. Before anything settles, every claim is decoded
// and every `expect` and `accumulators` name is checked against the policy;
// any problem (unknown field, bad claim, bad expected value) throws
// CompileError naming its position in the test file.
PolicyTestFileResult run_policy_tests(const PolicyTestFile& tests, const Graph& g);

// Loads the file, compiles its policy and runs it. Throws CompileError.
PolicyTestFileResult run_policy_test_file(const std::filesystem::path& path);

// Test files under `paths`: a file is taken as is, a directory is searched
// recursively for `*.test.yaml` (sorted). Throws std::runtime_error for a
// path that does not exist.
std::vector<std::filesystem::path> find_policy_test_files(const std::vector<std::string>& paths);

// The report lines of one failed case:
//   FAIL <file>:<line> <name>
//     <claim> <field>: expected X, got Y
//       <explain text, indented>
std::string format_policy_test_failure(const PolicyTestFileResult& file, const PolicyTestCaseResult& c);

}  // namespace claimgraph
