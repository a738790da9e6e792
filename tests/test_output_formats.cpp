// Settlement output formats: CSV (RFC 4180, header row, one row per record) and
// the --detail breakdown (FHIR adjudication categories per output, and per
// stage eligible = deductible + benefit + copay), checked against the golden
// JSON Lines results; JSON Lines without detail stays byte for byte as before.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "claimgraph/claimgraph.hpp"
#include "support.hpp"

using namespace claimgraph;
using namespace claimgraph::testing;
using Catch::Matchers::StartsWith;

namespace {

const std::string kRoot = CLAIMGRAPH_SOURCE_DIR;
const std::string kGolden = kRoot + "/tests/golden/demo-city-2026";

const std::vector<ClaimRecord>& golden_records() {
    static const std::vector<ClaimRecord> recs = read_claims_jsonl_file(demo(), kGolden + "/claims.jsonl");
    return recs;
}

std::string settle_golden(const ResultFormat& f, BatchCounts* counts_out = nullptr) {
    MemoryLedger ledger;
    BatchCounts counts;
    std::string out = settle_records(demo(), golden_records(), ledger, counts, f);
    if (counts_out) *counts_out = counts;
    return out;
}

using Row = std::vector<std::string>;

// A strict RFC 4180 reader ('\n' line ends): every record must end in '\n'.
std::vector<Row> parse_csv(std::string_view text) {
    std::vector<Row> rows;
    Row row;
    std::string field;
    std::size_t i = 0;
    bool at_field_start = true;
    while (i < text.size()) {
        const char c = text[i];
        if (at_field_start && c == '"') {
            ++i;
            for (;;) {
                REQUIRE(i < text.size());  // unterminated quote
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field.push_back('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field.push_back(text[i++]);
            }
            REQUIRE(i < text.size());
            REQUIRE((text[i] == ',' || text[i] == '\n'));  // nothing after a closing quote
            at_field_start = false;
            continue;
        }
        if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            at_field_start = true;
        } else if (c == '\n') {
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
            at_field_start = true;
        } else {
            REQUIRE(c != '"');  // a quote inside an unquoted field
            REQUIRE(c != '\r');
            field.push_back(c);
            at_field_start = false;
        }
        ++i;
    }
    REQUIRE(at_field_start);  // the text ends with a line end
    REQUIRE(row.empty());
    return rows;
}

// Column name → index, from a header row.
std::map<std::string, std::size_t> columns(const Row& header) {
    std::map<std::string, std::size_t> m;
    for (std::size_t i = 0; i < header.size(); ++i) m.emplace(header[i], i);
    REQUIRE(m.size() == header.size());
    return m;
}

std::int64_t fen(const std::string& amount) {
    const MoneyParse m = parse_money(amount, true);
    REQUIRE(m);
    return m.value.fen();
}

const std::string kHeader =
    "claim_id,status,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,"
    "hifp_pay,hifmi_pay,maf_pay,oth_pay,fund_pay_sumamt,psn_part_amt,code,error_field,message";

// Which NHSA output each stage's benefit is.
const std::map<std::string, std::string> kStagePay = {
    {"hifp", "hifp_pay"}, {"hifmi", "hifmi_pay"}, {"maf", "maf_pay"}, {"hmb", "oth_pay"}};

Settlement g01_settlement() {
    Settlement s;
    s.claim_id = "G01-1";
    for (auto f : {850000, 50000, 0, 30000, 770000, 60000, 603500, 0, 0, 0, 603500, 246500})
        s.outputs.push_back(Money::from_fen(f));
    return s;
}

}  // namespace

TEST_CASE("csv: header row", "[io][csv]") {
    std::string out;
    write_header(demo(), ResultFormat{ResultFormat::Kind::csv, false}, out);
    CHECK(out == kHeader + "\n");

    out.clear();
    write_header(demo(), ResultFormat{ResultFormat::Kind::csv, true}, out);
    std::string want = kHeader;
    for (const char* s : {"hifp", "hifmi", "maf", "hmb"})
        for (const char* c : {"applied", "eligible", "deductible", "benefit", "copay", "rejection"})
            want += std::string(",") + s + "." + c;
    CHECK(out == want + "\n");

    out.clear();
    write_header(demo(), ResultFormat{}, out);
    CHECK(out.empty());  // JSON Lines has no header
}

TEST_CASE("csv: every golden claim, parsed back, equals the JSON Lines amounts", "[io][csv][golden]") {
    BatchCounts counts;
    const std::string csv = settle_golden({ResultFormat::Kind::csv, false}, &counts);
    CHECK(counts.settled == 53);
    CHECK(counts.errors == 0);
    const auto rows = parse_csv(csv);
    REQUIRE(rows.size() == 54);
    CHECK(rows[0] == parse_csv(kHeader + "\n")[0]);
    const auto col = columns(rows[0]);

    const auto want = parse_jsonl(slurp(kGolden + "/expected.jsonl"));
    const auto got_jsonl = parse_jsonl(settle_golden({}));
    REQUIRE(want.size() == 53);
    REQUIRE(got_jsonl.size() == 53);
    const auto& names = demo().output_names();
    for (std::size_t r = 0; r < 53; ++r) {
        const Row& row = rows[r + 1];
        INFO("claim " << want[r].first);
        REQUIRE(row.size() == rows[0].size());
        CHECK(row[col.at("claim_id")] == want[r].first);
        CHECK(row[col.at("status")] == "settled");
        for (const auto& name : names) {
            INFO("output " << name);
            CHECK(row[col.at(name)] == want[r].second.at(name));       // the golden text, to the fen
            CHECK(row[col.at(name)] == got_jsonl[r].second.at(name));  // and what JSON Lines says today
        }
        CHECK(row[col.at("code")].empty());
        CHECK(row[col.at("error_field")].empty());
        CHECK(row[col.at("message")].empty());
    }
    // The G01-1 row, byte for byte.
    CHECK_THAT(csv, StartsWith(kHeader + "\nG01-1,settled,8500.00,500.00,0.00,300.00,7700.00,600.00,6035.00,"
                                         "0.00,0.00,0.00,6035.00,2465.00,,,\n"));
}

TEST_CASE("csv: quoting", "[io][csv]") {
    const Graph& g = demo();
    const ResultFormat csv{ResultFormat::Kind::csv, false};
    Settlement r;
    r.claim_id = "Q,1";
    r.status = SettleStatus::rejected;
    r.code = "R-MEDTYPE";
    r.message = "not covered, \"outpatient\"\r\nsee 住院";
    std::string out;
    write_result(g, r, csv, out);
    CHECK(out == "\"Q,1\",rejected,,,,,,,,,,,,,R-MEDTYPE,,\"not covered, \"\"outpatient\"\"\r\nsee 住院\"");
    const auto rows = parse_csv(out + "\n");
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0].size() == 17);
    CHECK(rows[0][0] == "Q,1");
    CHECK(rows[0][16] == r.message);

    SECTION("plain text and UTF-8 pass unquoted") {
        r.claim_id = "住院-1";
        r.message = "只 plain; text";
        out.clear();
        write_result(g, r, csv, out);
        CHECK(out == "住院-1,rejected,,,,,,,,,,,,,R-MEDTYPE,,只 plain; text");
    }
    SECTION("malformed UTF-8 becomes U+FFFD") {
        r.claim_id = "X";
        r.message = "cut \xE4\xBD|\xFF";
        out.clear();
        write_result(g, r, csv, out);
        // Byte by byte, as the JSON writer does: half a 住 is two replacements.
        CHECK(out == "X,rejected,,,,,,,,,,,,,R-MEDTYPE,,cut \xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD");
        r.message = "a \"q\" \xFF";
        out.clear();
        write_result(g, r, csv, out);
        CHECK(out == "X,rejected,,,,,,,,,,,,,R-MEDTYPE,,\"a \"\"q\"\" \xEF\xBF\xBD\"");
    }
}

TEST_CASE("csv: error and rejected rows have no amounts", "[io][csv]") {
    const Graph& g = demo();
    const std::size_t n_out = g.output_names().size();
    const std::size_t n_stage_cols = g.stage_ids().size() * 6;
    for (const bool detail : {false, true}) {
        const ResultFormat f{ResultFormat::Kind::csv, detail};
        const std::size_t width = 2 + n_out + 3 + (detail ? n_stage_cols : 0);
        INFO("detail " << detail);

        Settlement s = g01_settlement();
        s.status = SettleStatus::rejected;
        s.code = "R-MEDTYPE";
        s.message = "this policy settles inpatient claims only";
        std::string out;
        write_result(g, s, f, out);
        auto row = parse_csv(out + "\n").at(0);
        REQUIRE(row.size() == width);
        CHECK(row[0] == "G01-1");
        CHECK(row[1] == "rejected");
        for (std::size_t i = 2; i < 2 + n_out; ++i) CHECK(row[i].empty());
        CHECK(row[2 + n_out] == "R-MEDTYPE");
        CHECK(row[3 + n_out].empty());
        CHECK(row[4 + n_out] == s.message);
        for (std::size_t i = 5 + n_out; i < width; ++i) CHECK(row[i].empty());

        s.status = SettleStatus::error;
        s.code.clear();
        s.field = "items[0].amount";
        s.message = "cannot settle: money overflow";
        out.clear();
        write_result(g, s, f, out);
        row = parse_csv(out + "\n").at(0);
        REQUIRE(row.size() == width);
        CHECK(row[1] == "error");
        for (std::size_t i = 2; i < 2 + n_out; ++i) CHECK(row[i].empty());
        CHECK(row[2 + n_out].empty());
        CHECK(row[3 + n_out] == "items[0].amount");
        CHECK(row[4 + n_out] == "cannot settle: money overflow");

        ClaimRecord bad;
        bad.ok = false;
        bad.claim.line = 7;
        bad.error_field = "json";
        bad.error_message = "not a JSON object";
        out.clear();
        write_error(g, bad, f, out);
        row = parse_csv(out + "\n").at(0);
        REQUIRE(row.size() == width);
        CHECK(row[0].empty());
        CHECK(row[1] == "error");
        CHECK(row[3 + n_out] == "json");
        CHECK(row[4 + n_out] == "line 7: not a JSON object");  // no claim_id: named by its line
        bad.claim.claim_id = "G01-9";
        out.clear();
        write_error(g, bad, f, out);
        row = parse_csv(out + "\n").at(0);
        CHECK(row[0] == "G01-9");
        CHECK(row[4 + n_out] == "not a JSON object");
    }
}

TEST_CASE("csv: a batch with a bad line and a repeated claim_id, in input order", "[io][csv][settle]") {
    const auto golden = lines_of(slurp(kGolden + "/claims.jsonl"));
    std::string in = golden[0] + "\n" + "{\"claim_id\": \"BAD-2\",\n" + "not json\n" + golden[1] + "\n" + golden[0] + "\n";
    const auto recs = read_claims_jsonl(demo(), in);
    REQUIRE(recs.size() == 5);
    MemoryLedger ledger;
    BatchCounts counts;
    const auto rows = parse_csv(settle_records(demo(), recs, ledger, counts, {ResultFormat::Kind::csv, true}));
    REQUIRE(rows.size() == 6);
    const auto col = columns(rows[0]);
    CHECK(rows[1][col.at("claim_id")] == "G01-1");
    CHECK(rows[1][col.at("status")] == "settled");
    CHECK(rows[2][col.at("status")] == "error");
    CHECK(rows[3][col.at("status")] == "error");
    CHECK(rows[3][col.at("claim_id")].empty());
    CHECK_THAT(rows[3][col.at("message")], StartsWith("line 3: "));
    CHECK(rows[4][col.at("claim_id")] == "G02-1");
    CHECK(rows[4][col.at("status")] == "settled");
    CHECK(rows[5][col.at("claim_id")] == "G01-1");
    CHECK(rows[5][col.at("status")] == "error");
    CHECK(rows[5][col.at("error_field")] == "claim_id");
    CHECK(rows[5][col.at("hifp_pay")].empty());
    CHECK(rows[5][col.at("hifp.eligible")].empty());
    CHECK(counts.settled == 2);
    CHECK(counts.errors == 3);
}

TEST_CASE("csv --detail: eligible = deductible + benefit + copay, and benefit is the NHSA payment", "[io][csv][golden]") {
    const auto rows = parse_csv(settle_golden({ResultFormat::Kind::csv, true}));
    REQUIRE(rows.size() == 54);
    const auto col = columns(rows[0]);
    const auto want = parse_jsonl(slurp(kGolden + "/expected.jsonl"));
    std::size_t applied_non_hifp = 0;
    for (std::size_t r = 0; r < 53; ++r) {
        const Row& row = rows[r + 1];
        INFO("claim " << row[0]);
        REQUIRE(row.size() == rows[0].size());
        for (const auto& name : demo().output_names()) CHECK(row[col.at(name)] == want[r].second.at(name));
        for (const auto& [stage, pay_output] : kStagePay) {
            INFO("stage " << stage);
            const std::string applied = row[col.at(stage + ".applied")];
            CHECK((applied == "true" || applied == "false"));
            const auto eligible = fen(row[col.at(stage + ".eligible")]);
            const auto deductible = fen(row[col.at(stage + ".deductible")]);
            const auto benefit = fen(row[col.at(stage + ".benefit")]);
            const auto copay = fen(row[col.at(stage + ".copay")]);
            CHECK(eligible == deductible + benefit + copay);
            CHECK(deductible >= 0);
            CHECK(copay >= 0);
            CHECK(row[col.at(stage + ".benefit")] == want[r].second.at(pay_output));
            if (applied == "false") {
                CHECK(eligible == 0);
                CHECK(benefit == 0);
            } else if (stage != "hifp") {
                ++applied_non_hifp;
            }
            CHECK(row[col.at(stage + ".rejection")].empty());
        }
        CHECK(row[col.at("hifp.deductible")] == want[r].second.at("act_pay_dedc"));
        CHECK(row[col.at("hifp.eligible")] == want[r].second.at("inscp_scp_amt"));
    }
    CHECK(applied_non_hifp > 0);  // the golden set exercises the later stages too
    // G01-1, by hand: 7700 eligible, 600 deductible, 85% of 7100 = 6035, 1065 left.
    const Row& g01 = rows[1];
    CHECK(g01[col.at("hifp.applied")] == "true");
    CHECK(g01[col.at("hifp.eligible")] == "7700.00");
    CHECK(g01[col.at("hifp.deductible")] == "600.00");
    CHECK(g01[col.at("hifp.benefit")] == "6035.00");
    CHECK(g01[col.at("hifp.copay")] == "1065.00");
    CHECK(g01[col.at("hifmi.applied")] == "false");
}

TEST_CASE("jsonl --detail: adjudication by FHIR category and stage breakdown", "[io][golden]") {
    const std::string plain = settle_golden({});
    const std::string detailed = settle_golden({ResultFormat::Kind::jsonl, true});
    const auto plain_lines = lines_of(plain);
    const auto detail_lines = lines_of(detailed);
    REQUIRE(plain_lines.size() == 53);
    REQUIRE(detail_lines.size() == 53);
    const Graph& g = demo();

    simdjson::dom::parser parser;
    for (std::size_t r = 0; r < 53; ++r) {
        INFO(detail_lines[r]);
        // The same line as without detail, with "detail" added before the end.
        std::string head = plain_lines[r];
        head.pop_back();
        CHECK_THAT(detail_lines[r], StartsWith(head + ",\"detail\":{\"adjudication\":["));

        simdjson::dom::element doc;
        REQUIRE(parser.parse(detail_lines[r]).get(doc) == simdjson::SUCCESS);
        std::map<std::string, std::string> outputs;
        for (const auto& name : g.output_names())
            outputs[name] = std::string(std::string_view(doc[name].get_string()));

        // One adjudication entry per output with a category, in output order.
        std::size_t k = 0;
        simdjson::dom::array adj = doc["detail"]["adjudication"].get_array();
        std::vector<simdjson::dom::element> entries(adj.begin(), adj.end());
        for (std::size_t i = 0; i < g.output_names().size(); ++i) {
            if (g.output_category(i).empty()) continue;
            REQUIRE(k < entries.size());
            const auto e = entries[k++];
            CHECK(std::string_view(e["output"].get_string()) == g.output_names()[i]);
            CHECK(std::string_view(e["label"].get_string()) == g.output_label(i));
            CHECK(std::string_view(e["category"].get_string()) == g.output_category(i));
            CHECK(std::string(std::string_view(e["amount"].get_string())) == outputs[g.output_names()[i]]);
        }
        CHECK(k == entries.size());
        CHECK(k == 10);  // the Demo City policy gives every output but the two totals a category

        simdjson::dom::array stages = doc["detail"]["stages"].get_array();
        std::size_t i = 0;
        for (simdjson::dom::element st : stages) {
            REQUIRE(i < g.stage_ids().size());
            const std::string id = g.stage_ids()[i];
            CHECK(std::string_view(st["id"].get_string()) == id);
            CHECK(std::string_view(st["label"].get_string()) == g.stage_label(i));
            const bool applied = st["applied"].get_bool();
            const auto a = st["adjudication"];
            const auto eligible = fen(std::string(std::string_view(a["eligible"].get_string())));
            const auto deductible = fen(std::string(std::string_view(a["deductible"].get_string())));
            const std::string benefit_text(std::string_view(a["benefit"].get_string()));
            const auto copay = fen(std::string(std::string_view(a["copay"].get_string())));
            CHECK(eligible == deductible + fen(benefit_text) + copay);
            CHECK(benefit_text == outputs[kStagePay.at(id)]);
            if (!applied) CHECK(eligible == 0);
            CHECK(st["rejection"].is_null());
            ++i;
        }
        CHECK(i == g.stage_ids().size());
    }
    // G01-1, byte for byte (documented in docs/output-formats.md).
    CHECK(detail_lines[0] ==
          R"({"claim_id":"G01-1","medfee_sumamt":"8500.00","fulamt_ownpay_amt":"500.00","overlmt_selfpay":"0.00",)"
          R"("preselfpay_amt":"300.00","inscp_scp_amt":"7700.00","act_pay_dedc":"600.00","hifp_pay":"6035.00",)"
          R"("hifmi_pay":"0.00","maf_pay":"0.00","oth_pay":"0.00","fund_pay_sumamt":"6035.00","psn_part_amt":"2465.00",)"
          R"("detail":{"adjudication":[)"
          R"({"output":"medfee_sumamt","label":"医疗费总额","category":"submitted","amount":"8500.00"},)"
          R"({"output":"fulamt_ownpay_amt","label":"全自费金额","category":"noncovered","amount":"500.00"},)"
          R"({"output":"overlmt_selfpay","label":"超限价自费费用","category":"noncovered","amount":"0.00"},)"
          R"({"output":"preselfpay_amt","label":"先行自付金额","category":"copay","amount":"300.00"},)"
          R"({"output":"inscp_scp_amt","label":"符合政策范围金额","category":"eligible","amount":"7700.00"},)"
          R"({"output":"act_pay_dedc","label":"实际支付起付线","category":"deductible","amount":"600.00"},)"
          R"({"output":"hifp_pay","label":"统筹基金支出","category":"benefit","amount":"6035.00"},)"
          R"({"output":"hifmi_pay","label":"大病保险资金支出","category":"benefit","amount":"0.00"},)"
          R"({"output":"maf_pay","label":"医疗救助基金支出","category":"benefit","amount":"0.00"},)"
          R"x({"output":"oth_pay","label":"其他支出(惠民保)","category":"benefit","amount":"0.00"}],)x"
          R"("stages":[)"
          R"({"id":"hifp","label":"统筹基金支付","applied":true,)"
          R"("adjudication":{"eligible":"7700.00","deductible":"600.00","benefit":"6035.00","copay":"1065.00"},"rejection":null},)"
          R"({"id":"hifmi","label":"大病保险支付","applied":false,)"
          R"("adjudication":{"eligible":"0.00","deductible":"0.00","benefit":"0.00","copay":"0.00"},"rejection":null},)"
          R"({"id":"maf","label":"医疗救助支付","applied":false,)"
          R"("adjudication":{"eligible":"0.00","deductible":"0.00","benefit":"0.00","copay":"0.00"},"rejection":null},)"
          R"({"id":"hmb","label":"惠民保支付","applied":false,)"
          R"("adjudication":{"eligible":"0.00","deductible":"0.00","benefit":"0.00","copay":"0.00"},"rejection":null}]}})");
}

TEST_CASE("jsonl --detail: rejected and error rows are as without detail", "[io]") {
    const Graph& g = demo();
    const ResultFormat detail{ResultFormat::Kind::jsonl, true};
    Settlement s = g01_settlement();
    s.status = SettleStatus::rejected;
    s.code = "R-MEDTYPE";
    s.message = "this policy settles inpatient claims only";
    std::string a, b;
    write_result(g, s, detail, a);
    write_result_json(g, s, b);
    CHECK(a == b);
    ClaimRecord bad;
    bad.ok = false;
    bad.claim.line = 4;
    bad.error_field = "json";
    bad.error_message = "broken";
    a.clear();
    b.clear();
    write_error(g, bad, detail, a);
    write_error_json(bad, b);
    CHECK(a == b);
    // A settled row whose stages do not match the policy is an error row, never a short detail.
    s = g01_settlement();
    a.clear();
    write_result(g, s, detail, a);
    CHECK(a == R"({"claim_id":"G01-1","error":{"field":"","message":"internal error: the settlement has 0 stages, the policy declares 4"}})");
}

TEST_CASE("jsonl without --detail is unchanged", "[io][golden]") {
    const std::string viaFormat = settle_golden({});
    MemoryLedger ledger;
    BatchCounts counts;
    const std::string legacy = settle_records_jsonl(demo(), golden_records(), ledger, counts);
    CHECK(viaFormat == legacy);
    CHECK(counts.settled == 53);
    // The golden file, byte for byte.
    CHECK(lines_of(viaFormat) == lines_of(slurp(kGolden + "/expected.jsonl")));

    Settlement s = g01_settlement();
    std::string a, b;
    write_result(demo(), s, ResultFormat{}, a);
    write_result_json(demo(), s, b);
    CHECK(a == b);
}

TEST_CASE("ResultWriter writes what write_result and write_error write, in every format", "[io]") {
    const Graph& g = demo();
    std::vector<ClaimRecord> records = golden_records();
    records.push_back(read_claims_jsonl(g, "{broken\n").front());
    records.push_back(read_claims_jsonl(g, R"({"claim_id":"Q\"1","member_id":"M","date":"2026-01-01"})").front());
    std::vector<Settlement> settlements;
    MemoryLedger ledger;
    std::size_t settled = 0;
    for (const ClaimRecord& r : records) {
        Settlement s;
        if (r.ok) {
            g.settle(r.claim, ledger, s);
            settled += s.status == SettleStatus::settled;
        }
        settlements.push_back(s);
    }
    REQUIRE(settled > 40);
    // A settled row with an odd claim id, and one whose outputs do not match the policy.
    Settlement odd = settlements.front();
    odd.claim_id = "引号\"与\\反斜杠";
    settlements.push_back(odd);
    Settlement short_row = settlements.front();
    short_row.outputs.pop_back();
    settlements.push_back(short_row);

    for (const auto kind : {ResultFormat::Kind::jsonl, ResultFormat::Kind::csv})
        for (const bool detail : {false, true}) {
            ResultFormat f;
            f.kind = kind;
            f.detail = detail;
            INFO((kind == ResultFormat::Kind::csv ? "csv" : "jsonl") << (detail ? " --detail" : ""));
            const ResultWriter writer(g, f);
            for (std::size_t i = 0; i < records.size(); ++i) {
                std::string want = "prefix", got = "prefix";
                if (records[i].ok) {
                    write_result(g, settlements[i], f, want);
                    writer.write(settlements[i], got);
                } else {
                    write_error(g, records[i], f, want);
                    writer.write_error(records[i], got);
                }
                CHECK(got == want);
            }
            for (std::size_t i = records.size(); i < settlements.size(); ++i) {
                std::string want, got;
                write_result(g, settlements[i], f, want);
                writer.write(settlements[i], got);
                CHECK(got == want);
            }
            // write_to: the common rows in place, the same text; nothing for any other row.
            std::vector<char> room(ResultWriter::row_room, '#');
            std::size_t in_place = 0;
            for (std::size_t i = 0; i < settlements.size(); ++i) {
                const Settlement& s = settlements[i];
                if (i < records.size() && !records[i].ok) continue;
                const bool common = kind == ResultFormat::Kind::jsonl && !detail && s.status == SettleStatus::settled &&
                                    i < records.size();  // the odd id and the short row are past the records
                INFO("settlement " << i);
                const char* end = writer.write_to(s, room.data(), room.size());
                REQUIRE((end != nullptr) == common);
                CHECK(writer.write_to(s, room.data(), room.size() - 1) == nullptr);  // less room than row_room
                if (end == nullptr) continue;
                std::string want;
                write_result(g, s, f, want);
                CHECK(std::string_view(room.data(), static_cast<std::size_t>(end - room.data())) == want);
                ++in_place;
            }
            CHECK(in_place == (kind == ResultFormat::Kind::jsonl && !detail ? settled : 0));
        }
}

TEST_CASE("amounts: every writer spells fen as yuan with two decimals, at every magnitude and sign", "[io]") {
    // The reference spelling, by plain integer arithmetic.
    const auto yuan = [](std::int64_t fen) {
        const std::uint64_t mag = fen < 0 ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
        const std::uint64_t cents = mag % 100;
        return std::string(fen < 0 ? "-" : "") + std::to_string(mag / 100) + "." + (cents < 10 ? "0" : "") +
               std::to_string(cents);
    };
    std::vector<std::int64_t> values = {0, 1, 9, 10, 99, 100, 101, 999, 1000, 12345, 99999999, 100000000, 100000001,
                                        10000000000LL, INT64_MAX, INT64_MIN + 1, INT64_MIN};
    for (std::int64_t p = 1; p <= 1000000000000000000LL; p = p == 1000000000000000000LL ? INT64_MAX : p * 10) {  // no overflow past 10^18
        values.push_back(p - 1);
        values.push_back(p);
        values.push_back(p + 1);
    }
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 20000; ++i) {  // every length of number, both signs
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const auto v = static_cast<std::int64_t>(x >> (x % 63));
        values.push_back(v);
        values.push_back(-v);
    }
    for (std::int64_t v = 0; v < 100000; v += 7) values.push_back(v);  // every lane of the digit split

    const Graph& g = demo();
    const std::size_t no = g.output_names().size();
    const ResultWriter fast(g, ResultFormat{});
    for (std::size_t at = 0; at < values.size(); at += no) {
        Settlement s;
        s.claim_id = "X";
        s.outputs.resize(no);
        s.stages.resize(g.stage_ids().size());
        std::string want = R"({"claim_id":"X")";
        for (std::size_t k = 0; k < no; ++k) {
            const std::int64_t fen = values[(at + k) % values.size()];
            s.outputs[k] = Money::from_fen(fen);
            want += ",\"" + g.output_names()[k] + "\":\"" + yuan(fen) + "\"";
            CHECK(format_money(Money::from_fen(fen)) == yuan(fen));
        }
        want += "}";
        std::string a, b;
        fast.write(s, a);
        write_result_json(g, s, b);
        REQUIRE(a == want);
        REQUIRE(b == want);
    }
}
