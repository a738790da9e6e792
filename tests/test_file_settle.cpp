// settle_file (the CLI's path for a claim file) must write exactly what
// read_claims_jsonl + settle_records write, for any thread count: in any input
// order, with bad lines, blank lines, CRLF, a BOM and repeated claim ids.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "claimgraph/claimgraph.hpp"
#include "io/file_settle.hpp"
#include "support.hpp"

using namespace claimgraph;
using namespace claimgraph::testing;

namespace {

std::string via_records(const Graph& g, const std::string& text, BatchCounts& counts) {
    MemoryLedger ledger;
    return settle_records(g, read_claims_jsonl(g, text), ledger, counts, ResultFormat{});
}

std::string via_file(const Graph& g, const std::string& text, std::size_t threads, BatchCounts& counts,
                     ResultFormat format = {}, const detail::FileWindow& window = {},
                     std::size_t* served_by_window = nullptr) {
    const TextFile file("file-settle", text);
    Ledgers ledgers(threads);
    std::string result;
    counts = detail::settle_file(g, file.path(), ledgers.ptrs, format, [&](std::string_view t) { result += t; }, window,
                                  served_by_window);
    // The file read in place (the CLI's way) must give the same rows and counts.
    detail::FileWindow mapped = window;
    mapped.access = FileAccess::map;
    Ledgers fresh(threads);
    std::string in_place;
    std::size_t served_in_place = 0;
    const BatchCounts c = detail::settle_file(g, file.path(), fresh.ptrs, format,
                                              [&](std::string_view t) { in_place += t; }, mapped, &served_in_place);
    CHECK(in_place == result);
    CHECK(c.settled == counts.settled);
    CHECK(c.rejected == counts.rejected);
    CHECK(c.errors == counts.errors);
    if (served_by_window != nullptr) {
        // Mapped on several workers the window is used whether it pays or not
        // (nothing is read either way): it serves at least as many claims.
        if (threads > 1 && window.use == detail::FileWindow::Use::when_it_pays)
            CHECK(served_in_place >= *served_by_window);
        else
            CHECK(served_in_place == *served_by_window);
    }
    return result;
}

// The golden claim lines, as written.
std::vector<std::string> golden_lines() {
    return lines_of(slurp(std::string(CLAIMGRAPH_SOURCE_DIR) + "/tests/golden/demo-city-2026/claims.jsonl"));
}

}  // namespace

TEST_CASE("settle_file writes what settle_records writes", "[file]") {
    const Graph& g = demo();
    const std::vector<std::string> lines = golden_lines();
    // Reversed order, a blank line, a broken line, a bad amount, a missing
    // member_id, a repeated claim id, CRLF line ends and a BOM.
    std::string text = "\xEF\xBB\xBF" + lines.back() + "\r\n";
    for (auto it = lines.rbegin() + 1; it != lines.rend(); ++it) text += *it + "\n";
    text += "\n{not json\n";
    text += R"({"claim_id":"BAD-1","member_id":"B","date":"2026-01-01","insutype":"resident","med_type":"inpatient","hosp_lv":1,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":false,"hmb_preexisting":false,"items":[{"code":"A","category":"A","amount":12.345}]})";
    text += "\n";
    text += R"({"claim_id":"NOMEMBER","date":"2026-01-01"})";
    text += "\n" + lines.front() + "\n";  // G01-1 again: a repeated claim id

    BatchCounts want_counts, got_counts;
    const std::string want = via_records(g, text, want_counts);
    CHECK(want_counts.errors == 4);
    for (std::size_t threads : {1u, 2u, 3u}) {
        INFO(threads << " threads");
        const std::string got = via_file(g, text, threads, got_counts);
        CHECK(got == want);
        CHECK(got_counts.settled == want_counts.settled);
        CHECK(got_counts.errors == want_counts.errors);
    }
    ResultFormat csv;
    csv.kind = ResultFormat::Kind::csv;
    csv.detail = true;
    MemoryLedger ledger;
    BatchCounts c1, c2;
    CHECK(via_file(g, text, 2, c2, csv) == settle_records(g, read_claims_jsonl(g, text), ledger, c1, csv));
}

TEST_CASE("settle_file: keys in any order or escaped, and a last line without a newline", "[file]") {
    const Graph& g = demo();
    const std::string body =
        R"("insutype":"resident","med_type":"inpatient","hosp_lv":1,"region":"local","referred":false,"emergency":false,"retired":false,"tags":[],"hmb_enrolled":false,"hmb_preexisting":false,"items":[{"code":"A","category":"A","amount":8000}])";
    std::string text;
    // The same member written three ways; the keys come last, escaped, or first.
    text += "{" + body + R"(,"date":"2026-05-01","member_id":"M7","claim_id":"K-3"})" + "\n";
    text += R"({"claim_id":"K-\u0032","member_id":"M\u0037","date":"2026-03-01",)" + body + "}\n";
    // Written compactly, keys first (the key scan's fast case), and the same
    // with an escape in the member id, which that case must leave to the others.
    text += R"({"claim_id":"K-4","member_id":"M7","date":"2026-06-01",)" + body + "}\n";
    text += R"({"claim_id":"K-5","member_id":"M\u0037","date":"2026-07-01",)" + body + "}\n";
    text += R"({ "claim_id" : "K-1" , "member_id" : "M7" , "date" : "2026-01-01" , )" + body + "}";  // no newline
    BatchCounts want_counts, got_counts;
    const std::string want = via_records(g, text, want_counts);
    CHECK(want_counts.settled == 5);
    for (std::size_t threads : {1u, 2u}) {
        const std::string got = via_file(g, text, threads, got_counts);
        CHECK(got == want);
        CHECK(got_counts.settled == 5);
    }
    // On a stream in settlement order too, on one thread or several (where
    // each line's member picks its thread).
    std::string in_order;
    for (const std::size_t k : {4u, 1u, 0u, 2u, 3u}) in_order += lines_of(text)[k] + "\n";
    std::string want_stream;
    for (std::size_t threads : {1u, 2u, 3u}) {
        Ledgers ledgers(threads);
        std::istringstream in(in_order);
        std::string out;
        CHECK(settle_stream(g, in, ledgers.ptrs, ResultFormat{}, [&](std::string_view t) { out += t; }).settled == 5);
        if (threads == 1) want_stream = out;
        CHECK(out == want_stream);
    }
    // The first admission of the year, by date whatever the line order, pays
    // the full deductible; the later ones pay the halved one.
    const auto rows = parse_jsonl(want);
    REQUIRE(rows.size() == 5);
    CHECK(rows[4].first == "K-1");
    for (std::size_t k : {1u, 2u, 3u}) CHECK(rows[0].second.at("act_pay_dedc") == rows[k].second.at("act_pay_dedc"));
    CHECK(rows[4].second.at("act_pay_dedc") != rows[0].second.at("act_pay_dedc"));
}

TEST_CASE("settle_file: line numbers in error rows count blank lines in either half of the file", "[file]") {
    const Graph& g = demo();
    const std::vector<std::string> lines = golden_lines();
    // Blank runs of 1-3 lines all through the file, each followed by a
    // broken line whose error row names its line, and repeats whose error rows
    // name the line of the first occurrence. The text is written twice around
    // a run of 20 blank lines, the second time starting with a broken line
    // instead of its blank lines and 20 bytes longer, so that the middle byte
    // is the run's last newline: a two-worker key pass then splits the file
    // right after the run (its first half ends with blank lines, its second
    // starts with a line whose error row tells its number).
    std::string half = "\n\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        half += lines[i] + "\n";
        half += std::string(1 + i % 3, '\n');
        half += "{broken " + std::to_string(i) + "\n";
        if (i % 4 == 1) half += lines[i / 2] + "\n   \n";
    }
    const std::string second = "{broken-first\n" + half.substr(2) + "{pad0\n";
    REQUIRE(second.size() == half.size() + 18);
    const std::string text = half + std::string(20, '\n') + second;
    BatchCounts want_counts, got_counts;
    const std::string want = via_records(g, text, want_counts);
    REQUIRE(want_counts.errors > lines.size());
    CHECK(want.find("{\"line\":5,") != std::string::npos);  // the first broken line: two blank lines, a claim, one blank line before it
    for (std::size_t threads : {1u, 2u, 3u}) {
        INFO(threads << " threads");
        CHECK(via_file(g, text, threads, got_counts) == want);
        CHECK(got_counts.errors == want_counts.errors);
    }
}

TEST_CASE("settle_file: a file of several key-pass blocks, blank and broken lines at their edges", "[file]") {
    const Graph& g = demo();
    // Over 8 MB (StreamBlocks::block_bytes), so the key pass reads several
    // blocks and cuts each into shares: copies of the golden claims under new
    // claim ids, with runs of blank lines, broken lines and CRLF all through,
    // and a repeated claim id far from its first occurrence; one claim line
    // longer than a block (a 9 MB note), which a block of the mapped key pass
    // must take whole.
    const std::vector<std::string> lines = golden_lines();
    std::string text;
    std::size_t copy = 0, note = 0;
    while (text.size() - note < (std::size_t{9} << 20)) {
        for (std::size_t i = 0; i < lines.size(); ++i) {
            std::string line = std::regex_replace(lines[i], std::regex(R"re("claim_id": "([^"]+)")re"),
                                                  "\"claim_id\": \"$1-" + std::to_string(copy) + "\"");
            if (copy == 40 && i == 0) {
                note = std::size_t{9} << 20;
                line.insert(1, "\"note\": \"" + std::string(note, 'n') + "\", ");
            }
            text += line;
            text += (copy + i) % 5 == 0 ? "\r\n" : "\n";
            if ((copy + i) % 97 == 0) text += std::string(1 + i % 4, '\n');
            if ((copy + i) % 211 == 0) text += "{broken " + std::to_string(copy) + "\n";
        }
        ++copy;
    }
    text += std::regex_replace(lines[3], std::regex(R"re("claim_id": "([^"]+)")re"), "\"claim_id\": \"$1-0\"") +
            "\n";  // the first copy's fourth claim id again
    BatchCounts want_counts, got_counts;
    const std::string want = via_records(g, text, want_counts);
    REQUIRE(want_counts.settled > 10000);
    REQUIRE(want_counts.errors > 10);
    // Line 6: a blank line and a broken one follow the first claim.
    REQUIRE(want.find("duplicate claim_id: already settled from line 6") != std::string::npos);
    for (std::size_t threads : {1u, 2u, 3u}) {
        INFO(threads << " threads");
        CHECK(via_file(g, text, threads, got_counts) == want);
        CHECK(got_counts.settled == want_counts.settled);
        CHECK(got_counts.rejected == want_counts.rejected);
        CHECK(got_counts.errors == want_counts.errors);
    }
}

TEST_CASE("settle_file: claims read through the window and one at a time give the same rows", "[file]") {
    const Graph& g = demo();
    // Six copies of every golden claim (new claim ids, same members and
    // dates), so that accumulators move and caps are reached, shuffled, with a
    // blank line, a broken line and a repeated claim id among them.
    std::vector<std::string> lines;
    for (int copy = 0; copy < 6; ++copy)
        for (const std::string& l : golden_lines())
            lines.push_back(std::regex_replace(l, std::regex(R"re("claim_id": "([^"]+)")re"),
                                               "\"claim_id\": \"$1-" + std::to_string(copy) + "\""));
    std::mt19937 rng(7);
    std::shuffle(lines.begin(), lines.end(), rng);
    lines.insert(lines.begin() + 40, "");
    lines.insert(lines.begin() + 90, "{not json");
    lines.insert(lines.begin() + 200, lines[10]);
    std::string text;
    for (const std::string& l : lines) text += l + "\n";

    BatchCounts want_counts, got_counts;
    const std::string want = via_records(g, text, want_counts);
    REQUIRE(want_counts.settled > 300);
    REQUIRE(want_counts.errors == 2);
    using Use = detail::FileWindow::Use;
    const std::vector<detail::FileWindow> windows = {
        {std::size_t{8} << 20, 4, Use::never},  // one pread per claim
        {std::size_t{8} << 20, 4, Use::always},  // the whole file in one block
        {1, 1, Use::always},                     // one line per block, one block held: most claims left over
        {4096, 2, Use::always},                  // some members within the window, some not
        {16384, 3, Use::when_it_pays},
        {1, 1, Use::when_it_pays},
    };
    for (const detail::FileWindow& w : windows)
        for (std::size_t threads : {1u, 2u, 3u}) {
            INFO(threads << " threads, blocks of " << w.block_bytes << " bytes, " << w.kept << " kept, use "
                         << static_cast<int>(w.use));
            std::size_t served = 0;
            const std::string got = via_file(g, text, threads, got_counts, {}, w, &served);
            CHECK(got == want);
            const std::size_t claims = want_counts.settled + want_counts.rejected + 1;  // + the repeat
            if (w.use == Use::never) CHECK(served == 0);
            if (w.use != Use::never && w.block_bytes > text.size()) CHECK(served == claims);
            if (w.use == Use::always && w.block_bytes < text.size()) {
                CHECK(served > 0);
                CHECK(served < claims);
            }
            CHECK(got_counts.settled == want_counts.settled);
            CHECK(got_counts.rejected == want_counts.rejected);
            CHECK(got_counts.errors == want_counts.errors);
        }
}

TEST_CASE("settle_file mapped on several workers: more blocks than 2^16 and a sink that fails", "[file]") {
    // Mapped, the workers go through the blocks each on its own and rows go
    // out block by block: a block per line and 70,000 lines (a line's block
    // no longer fits 16 bits), most of them unreadable, among the golden claims
    // copied under new ids.
    const Graph& g = demo();
    const std::vector<std::string> golden = golden_lines();
    std::string text;
    for (int k = 0; k < 70000; ++k) {
        if (k % 200 == 0)
            text += std::regex_replace(golden[static_cast<std::size_t>(k / 200) % golden.size()], std::regex(R"re("claim_id": "([^"]+)")re"),
                                       "\"claim_id\": \"$1-" + std::to_string(k) + "\"");
        else
            text += "{x";
        text += '\n';
    }
    BatchCounts want_counts, got_counts;
    const std::string want = via_records(g, text, want_counts);
    REQUIRE(want_counts.errors > 60000);
    REQUIRE(want_counts.settled > 300);
    using Use = detail::FileWindow::Use;
    const TextFile file("file-settle-blocks", text);
    detail::FileWindow mapped{1, 2, Use::always};
    mapped.access = FileAccess::map;
    for (std::size_t threads : {2u, 3u}) {
        INFO(threads << " threads");
        Ledgers ledgers(threads);
        std::string got;
        got_counts = detail::settle_file(g, file.path(), ledgers.ptrs, ResultFormat{}, [&](std::string_view t) { got += t; }, mapped);
        CHECK(got == want);
        CHECK(got_counts.errors == want_counts.errors);
        CHECK(got_counts.settled == want_counts.settled);
    }

    // A sink that fails part way: the error comes out, no worker is left
    // waiting for another, and the sink is not called again.
    for (std::size_t threads : {2u, 3u}) {
        INFO(threads << " threads");
        Ledgers ledgers(threads);
        std::size_t calls = 0;
        CHECK_THROWS_WITH(detail::settle_file(g, file.path(), ledgers.ptrs, ResultFormat{},
                                              [&](std::string_view) {
                                                  if (++calls == 2) throw std::runtime_error("disk full");
                                              },
                                              mapped),
                          "disk full");
        CHECK(calls == 2);
    }
}

TEST_CASE("settle_file: a claim left waiting in the last window is settled once", "[file]") {
    // One line per block, two blocks kept. A member's claims in settlement
    // order c0, c1, c2 lie on lines 4, 2 and 3: when line 2 leaves the window
    // c0 is read on its own and c1 settled, but c2's block was looked at
    // before c1 was settled and is never looked at again; c2 is settled
    // after the window, once, on every path.
    const Graph& g = demo();
    const std::vector<std::string> golden = golden_lines();
    auto claim = [&](const std::string& id, const std::string& date) {
        std::string line = std::regex_replace(golden[0], std::regex(R"re("claim_id": "[^"]+")re"), "\"claim_id\": \"" + id + "\"");
        line = std::regex_replace(line, std::regex(R"re("member_id": "[^"]+")re"), "\"member_id\": \"TAIL\"");
        return std::regex_replace(line, std::regex(R"re("date": "[^"]+")re"), "\"date\": \"" + date + "\"");
    };
    const std::string text = golden[1] + "\n" + claim("c1", "2026-03-01") + "\n" + claim("c2", "2026-04-01") + "\n" +
                             claim("c0", "2026-02-01") + "\n";
    BatchCounts want_counts, got_counts;
    const std::string want = via_records(g, text, want_counts);
    REQUIRE(want_counts.settled + want_counts.rejected == 4);
    for (std::size_t threads : {1u, 2u, 3u}) {
        INFO(threads << " threads");
        CHECK(via_file(g, text, threads, got_counts, {}, {1, 2, detail::FileWindow::Use::always}) == want);  // and mapped
        CHECK(got_counts.settled == want_counts.settled);
        CHECK(got_counts.rejected == want_counts.rejected);
    }
}

TEST_CASE("settle_file: dates decades apart keep each member's claims in date order", "[file]") {
    // The settlement order's sort key packs member and date into as few bits
    // as the file's dates need: here 70 years of them, so the member keeps
    // fewer bits of its hash than for the usual year or two.
    const Graph& g = demo();
    std::vector<std::string> lines;
    for (int copy = 0; copy < 4; ++copy)
        for (const std::string& l : golden_lines()) {
            std::string line = std::regex_replace(l, std::regex(R"re("claim_id": "([^"]+)")re"),
                                                  "\"claim_id\": \"$1-" + std::to_string(copy) + "\"");
            const int year = 1990 + 23 * copy;  // each copy's claims in one year, as the golden ones are
            lines.push_back(std::regex_replace(line, std::regex(R"re("date": "2026-)re"),
                                               "\"date\": \"" + std::to_string(year) + "-"));
        }
    std::mt19937 rng(11);
    std::shuffle(lines.begin(), lines.end(), rng);
    std::string text;
    for (const std::string& l : lines) text += l + "\n";
    REQUIRE(text.find("\"date\": \"1990-") != std::string::npos);
    REQUIRE(text.find("\"date\": \"2059-") != std::string::npos);

    BatchCounts want_counts, got_counts;
    const std::string want = via_records(g, text, want_counts);
    REQUIRE(want_counts.settled > 150);
    for (std::size_t threads : {1u, 2u, 3u}) {
        INFO(threads << " threads");
        CHECK(via_file(g, text, threads, got_counts) == want);
        CHECK(got_counts.settled == want_counts.settled);
    }
}

TEST_CASE("a claim too large to settle exactly is an error row on every path, and the next claim is settled", "[file]") {
    const Graph& g = demo();
    const std::vector<std::string> lines = lines_of(slurp(std::string(CLAIMGRAPH_SOURCE_DIR) + "/examples/claims/demo-claims.jsonl"));
    REQUIRE(lines.size() >= 2);
    std::string big = lines[0];
    const std::string amount = "\"amount\": 560}";
    REQUIRE(big.find(amount) != std::string::npos);
    big.replace(big.find(amount), amount.size(), "\"amount\": 90000000000000000}");
    const std::string text = big + "\n" + lines[1] + "\n";

    BatchCounts want_counts, file_counts, stream_counts;
    const std::string want = via_records(g, text, want_counts);
    CHECK(want_counts.errors == 1);
    CHECK(want_counts.settled == 1);
    CHECK(want.find("money overflow") != std::string::npos);
    CHECK(via_file(g, text, 1, file_counts) == want);
    CHECK(file_counts.errors == 1);
    std::istringstream in(text);
    MemoryLedger ledger;
    std::string streamed;
    stream_counts = settle_stream(g, in, ledger, ResultFormat{}, [&](std::string_view t) { streamed += t; });
    CHECK(streamed == want);
    CHECK(stream_counts.errors == 1);
    CHECK(stream_counts.settled == 1);
}

namespace {

// A host's ledger that fails for one member: what a store behind a network
// does when it is down. Everything else goes to a MemoryLedger.
class FailingLedger final : public Ledger {
public:
    explicit FailingLedger(std::string member) : member_(std::move(member)) {}
    void read(std::span<const Cell> cells, std::span<std::int64_t> out) override {
        for (const Cell& c : cells) check(c.member);
        inner_.read(cells, out);
    }
    void add(std::span<const Cell> cells, std::span<const std::int64_t> deltas) override { inner_.add(cells, deltas); }
    void read_period(std::string_view member, std::int32_t period, std::span<std::int64_t> out) override {
        check(member);
        inner_.read_period(member, period, out);
    }
    void add_period(std::string_view member, std::int32_t period, std::span<const std::int64_t> deltas) override {
        inner_.add_period(member, period, deltas);
    }

private:
    void check(std::string_view member) const {
        if (member == member_) throw std::runtime_error("ledger offline");
    }
    std::string member_;
    MemoryLedger inner_;
};

}  // namespace

TEST_CASE("a ledger that throws makes that claim an error row on every path, and the others are settled", "[file]") {
    const Graph& g = demo();
    const std::string text = slurp(std::string(CLAIMGRAPH_SOURCE_DIR) + "/examples/claims/demo-claims.jsonl");
    BatchCounts plain_counts;
    const std::vector<std::string> plain = lines_of(via_records(g, text, plain_counts));
    REQUIRE(plain_counts.settled + plain_counts.rejected == plain.size());

    // What every path must write: M02's rows are errors, every other row as before.
    const auto check = [&](const std::string& got, const BatchCounts& counts) {
        const std::vector<std::string> rows = lines_of(got);
        REQUIRE(rows.size() == plain.size());
        std::size_t failed = 0;
        const std::vector<std::string> in = lines_of(text);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            INFO(in[i]);
            if (in[i].find("\"member_id\": \"M02\"") != std::string::npos) {
                CHECK_THAT(rows[i], Catch::Matchers::Contains(R"("error":{"field":"","message":"cannot settle: ledger offline"})"));
                ++failed;
            } else {
                CHECK(rows[i] == plain[i]);
            }
        }
        CHECK(failed == 2);
        CHECK(counts.errors == 2);
        CHECK(counts.settled + counts.rejected == plain.size() - 2);
    };

    {
        FailingLedger ledger("M02");
        BatchCounts counts;
        check(settle_records(g, read_claims_jsonl(g, text), ledger, counts, ResultFormat{}), counts);
    }
    {
        FailingLedger ledger("M02");
        Ledger* ledgers[] = {&ledger};
        const TextFile file("file-settle-failing", text);
        std::string got;
        const BatchCounts counts = settle_file(g, file.path(), ledgers, ResultFormat{}, [&](std::string_view t) { got += t; });
        check(got, counts);
    }
    {
        FailingLedger ledger("M02");
        std::istringstream in(text);
        std::string got;
        const BatchCounts counts = settle_stream(g, in, ledger, ResultFormat{}, [&](std::string_view t) { got += t; });
        check(got, counts);
    }
}
