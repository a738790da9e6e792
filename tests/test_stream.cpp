// settle_stream (settle --sorted): same results as the batch path when the
// input is in settlement order; claims out of order become error rows.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "claimgraph/claimgraph.hpp"
#include "support.hpp"

using namespace claimgraph;
using namespace claimgraph::testing;

namespace {

// The golden claims: lines, records and their settlement order.
struct Golden {
    std::vector<std::string> raw;
    std::vector<ClaimRecord> records;
    std::vector<Claim> claims;
    std::vector<std::uint32_t> order;
};

Golden golden() {
    Golden g;
    const std::string text = slurp(std::string(CLAIMGRAPH_SOURCE_DIR) + "/tests/golden/demo-city-2026/claims.jsonl");
    g.raw = lines_of(text);
    g.records = read_claims_jsonl(demo(), text);
    REQUIRE(g.raw.size() == g.records.size());
    for (const auto& r : g.records) g.claims.push_back(r.claim);
    g.order = settlement_order(g.claims);
    return g;
}

// settle_stream_file on a file holding `text` (the CLI's --sorted on a file),
// read into buffers; read in place (mapped), it must give the same.
std::string via_file(const Graph& g, const std::string& text, Ledgers& ledgers, BatchCounts& counts) {
    const TextFile file("stream", text);
    std::string out;
    counts = settle_stream_file(g, file.path(), ledgers.ptrs, ResultFormat{}, [&](std::string_view t) { out += t; });
    Ledgers fresh(ledgers.ptrs.size());
    std::string in_place;
    const BatchCounts c = settle_stream_file(g, file.path(), fresh.ptrs, ResultFormat{},
                                             [&](std::string_view t) { in_place += t; }, FileAccess::map);
    CHECK(in_place == out);
    CHECK(c.settled == counts.settled);
    CHECK(c.rejected == counts.rejected);
    CHECK(c.errors == counts.errors);
    return out;
}

}  // namespace

TEST_CASE("settle_stream on input in settlement order matches the batch results", "[stream]") {
    const Graph& g = demo();
    const auto [raw, records, claims, order] = golden();

    // The batch path's line for each claim id.
    MemoryLedger batch_ledger;
    const auto batch = lines_of(settle_records_jsonl(g, records, batch_ledger));
    std::map<std::string, std::string> by_id;
    for (std::size_t i = 0; i < batch.size(); ++i) by_id[records[i].claim.claim_id] = batch[i];

    std::string sorted;
    for (auto i : order) sorted += raw[i] + "\n";
    std::istringstream in(sorted);
    MemoryLedger ledger;
    std::string out;
    const BatchCounts counts = settle_stream(g, in, ledger, ResultFormat{}, [&](std::string_view t) { out += t; });
    CHECK(counts.settled == 53);
    CHECK(counts.errors == 0);
    const auto streamed = lines_of(out);
    REQUIRE(streamed.size() == order.size());
    for (std::size_t k = 0; k < order.size(); ++k) CHECK(streamed[k] == by_id.at(claims[order[k]].claim_id));
}

TEST_CASE("settle_stream refuses a claim out of order or repeated, and goes on", "[stream]") {
    const Graph& g = demo();
    const std::string claim =
        R"({"claim_id":"%ID%","member_id":"M1","date":"%DATE%","insutype":"employee","med_type":"inpatient","hosp_lv":2,)"
        R"("region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":false,)"
        R"("hmb_preexisting":false,"items":[{"code":"A","category":"A","amount":5000}]})";
    auto make = [&](const std::string& id, const std::string& date) {
        std::string c = claim;
        c.replace(c.find("%ID%"), 4, id);
        c.replace(c.find("%DATE%"), 6, date);
        return c + "\n";
    };
    std::istringstream in(make("A", "2026-03-01") + make("B", "2026-02-01") + make("A", "2026-03-01") + "{broken\n" +
                          make("C", "2026-04-01"));
    MemoryLedger ledger;
    std::string out;
    const BatchCounts counts = settle_stream(g, in, ledger, ResultFormat{}, [&](std::string_view t) { out += t; });
    const auto rows = lines_of(out);
    REQUIRE(rows.size() == 5);
    CHECK(counts.settled == 2);
    CHECK(counts.errors == 3);
    CHECK(rows[0].find("\"hifp_pay\":\"3740.00\"") != std::string::npos);  // first admission: (5000-600)×85%
    CHECK(rows[1].find("out of settlement order") != std::string::npos);
    CHECK(rows[2].find("duplicate claim_id") != std::string::npos);
    CHECK(rows[3].find("\"line\":4") != std::string::npos);
    CHECK(rows[4].find("\"act_pay_dedc\":\"300.00\"") != std::string::npos);  // second admission halves it
}

TEST_CASE("settle_stream writes the same rows on 1, 2 or 3 threads, across blocks", "[stream]") {
    const Graph& g = demo();
    const auto [raw, records, claims, order] = golden();

    // 400 copies of the golden members, interleaved claim by claim (over 8 MB,
    // so more than one block), each member's claims still in order. Among
    // them: keys after the items (read by simdjson, not the quick scan), an
    // escaped member id, blank lines, broken lines, a line with no member, a
    // claim out of order and a repeated one.
    auto value_at = [](const std::string& line, const char* key) {  // where the key's string value starts
        return line.find('"', line.find(':', line.find(key)) + 1) + 1;
    };
    auto renamed = [&](std::string line, const std::string& suffix) {
        for (const char* key : {"\"member_id\"", "\"claim_id\""}) line.insert(line.find('"', value_at(line, key)), suffix);
        return line;
    };
    // After the round of a member's second claim: its first claim again (out
    // of order) and its second again (repeated).
    std::size_t again = 1;
    while (claims[order[again]].member_id != claims[order[again - 1]].member_id) ++again;
    std::string input;
    for (std::size_t k = 0; k < order.size(); ++k) {
        for (int c = 0; c < 400; ++c) {
            std::string line = renamed(raw[order[k]], fmt::format("-{}", c));
            if (c % 37 == 5) {  // keys last
                const auto items = line.rfind(',', line.find("\"items\""));
                std::string moved = "{";  // appended piece by piece: GCC 12 warns falsely (-Wrestrict) on the one expression
                moved.append(line, items + 1, line.size() - items - 2);
                moved += ',';
                moved.append(line, 1, items - 1);
                moved += '}';
                line = std::move(moved);
            }
            if (c == 7) {  // the member id's first letter escaped
                const auto at = value_at(line, "\"member_id\"");
                line.replace(at, 1, fmt::format("\\u{:04x}", static_cast<unsigned>(line[at])));
            }
            input += line + "\n";
            if (c % 50 == 3) input += "\n  \n{broken\n{\"claim_id\":\"X\"}\n";
        }
        if (k == again) input += renamed(raw[order[k - 1]], "-0") + "\n" + renamed(raw[order[k]], "-1") + "\n";
    }
    REQUIRE(input.size() > (std::size_t{9} << 20));

    std::string want;
    BatchCounts want_counts;
    for (std::size_t threads : {1u, 2u, 3u}) {
        INFO(threads << " threads");
        Ledgers ledgers(threads);
        std::istringstream in(input);
        std::string out;
        std::size_t sinks = 0;
        const BatchCounts counts = settle_stream(g, in, ledgers.ptrs, ResultFormat{}, [&](std::string_view t) {
            out += t;
            ++sinks;
        });
        CHECK(sinks > 1);
        if (threads == 1) {
            want = out;
            want_counts = counts;
            CHECK(counts.settled > 15000);
            CHECK(counts.errors > 300);
            CHECK(out.find("out of settlement order") != std::string::npos);
            CHECK(out.find("duplicate claim_id") != std::string::npos);
            // Each copy's claim settles as the golden claim did.
            MemoryLedger batch_ledger;
            const auto batch = lines_of(settle_records_jsonl(g, records, batch_ledger));
            std::map<std::string, std::string> by_id;
            for (std::size_t i = 0; i < batch.size(); ++i) by_id[records[i].claim.claim_id] = batch[i];
            const std::string prefix = "{\"claim_id\":\"";
            std::size_t compared = 0;
            for (const std::string& row : lines_of(out)) {
                if (row.rfind(prefix, 0) != 0 || row.find("\"error\"") != std::string::npos) continue;
                const std::string id = row.substr(prefix.size(), row.find('"', prefix.size()) - prefix.size());
                const std::string golden = id.substr(0, id.rfind('-'));
                std::string expect = by_id.at(golden);
                expect.replace(prefix.size(), golden.size(), id);
                CHECK(row == expect);
                ++compared;
            }
            CHECK(compared == counts.settled + counts.rejected);
            CHECK(lines_of(out).size() == counts.settled + counts.rejected + counts.errors);
            continue;
        }
        CHECK(out == want);
        CHECK(counts.settled == want_counts.settled);
        CHECK(counts.rejected == want_counts.rejected);
        CHECK(counts.errors == want_counts.errors);
    }
    // The same from a file, its blocks read in parts on whichever thread is free.
    for (std::size_t threads : {1u, 2u, 3u}) {
        INFO(threads << " threads, from a file");
        Ledgers ledgers(threads);
        BatchCounts counts;
        CHECK(via_file(g, input, ledgers, counts) == want);
        CHECK(counts.settled == want_counts.settled);
        CHECK(counts.errors == want_counts.errors);
    }
}

TEST_CASE("settle_stream: a line longer than a block, a block of blank lines, a last line without newline", "[stream]") {
    const Graph& g = demo();
    const std::string claim =
        R"({"claim_id":"%ID%","member_id":"M1","date":"%DATE%","insutype":"employee","med_type":"inpatient","hosp_lv":2,)"
        R"("region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":false,)"
        R"("hmb_preexisting":false,"note":"%NOTE%","items":[{"code":"A","category":"A","amount":5000}]})";
    auto make = [&](const std::string& id, const std::string& date, const std::string& note) {
        std::string c = claim;
        c.replace(c.find("%ID%"), 4, id);
        c.replace(c.find("%DATE%"), 6, date);
        c.replace(c.find("%NOTE%"), 6, note);
        return c;
    };
    const std::string text = make("A", "2026-03-01", "short") + "\n" + std::string(std::size_t{9} << 20, '\n') +
                             make("B", "2026-04-01", std::string(std::size_t{20} << 20, 'x')) + "\n" +
                             make("C", "2026-05-01", "last") + "\r";
    MemoryLedger batch_ledger;
    BatchCounts want_counts;
    const std::string want = settle_records(g, read_claims_jsonl(g, text), batch_ledger, want_counts, ResultFormat{});
    REQUIRE(want_counts.settled == 3);
    for (std::size_t threads : {1u, 2u}) {
        INFO(threads << " threads");
        Ledgers ledgers(threads);
        std::istringstream in(text);
        std::string out;
        const BatchCounts counts = settle_stream(g, in, ledgers.ptrs, ResultFormat{}, [&](std::string_view t) { out += t; });
        CHECK(out == want);
        CHECK(counts.settled == 3);
        Ledgers from_file(threads);
        BatchCounts file_counts;
        CHECK(via_file(g, text, from_file, file_counts) == want);
        CHECK(file_counts.settled == 3);
    }
}

TEST_CASE("settle_stream and settle_stream_file: inputs smaller than one line per worker", "[stream]") {
    // A block of a byte or two is shared out between up to three workers:
    // every share but the last may be empty.
    const Graph& g = demo();
    const std::string claim = golden().raw.front();
    for (const std::string& text : {std::string{}, std::string("\n"), std::string("x"), std::string("\n\n"), std::string("x\n"),
                                    claim, claim + "\n", "\n" + claim, "x\n" + claim + "\n\n"}) {
        std::string want;
        for (std::size_t threads : {1u, 2u, 3u}) {
            INFO(threads << " threads, " << text.size() << " bytes");
            Ledgers ledgers(threads);
            std::istringstream in(text);
            std::string out;
            settle_stream(g, in, ledgers.ptrs, ResultFormat{}, [&](std::string_view t) { out += t; });
            if (threads == 1) want = out;
            CHECK(out == want);
            Ledgers from_file(threads);
            BatchCounts counts;
            CHECK(via_file(g, text, from_file, counts) == want);
        }
        std::size_t records = 0;  // one row per line that is not blank
        for (const std::string& line : lines_of(text)) records += line.find_first_not_of(" \t\r") != std::string::npos;
        CHECK(static_cast<std::size_t>(std::count(want.begin(), want.end(), '\n')) == records);
    }
}
