// ResultWriter::write_to, the in-place row writer, against rows built by hand
// from format_money: amounts at every digit count and edge in every output
// place beside amounts of other lengths, claim ids of every length with and
// without a byte that needs escaping, and output names at and past the edges
// of the 32-byte key slots (where the writer takes its other loop).
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "claimgraph/claimgraph.hpp"
#include "support.hpp"

using namespace claimgraph;
using namespace claimgraph::testing;

namespace {

// The demo policy with its output names replaced by `names` (12 of them).
Graph demo_with_outputs(const std::vector<std::string>& names) {
    std::string text = slurp(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
    const std::size_t at = text.find("\noutputs:\n");
    REQUIRE(at != std::string::npos);
    std::string head = text.substr(0, at), tail = text.substr(at);
    const std::regex key(R"(\n  [a-z_]+: \{value)");
    std::string renamed;
    std::size_t i = 0;
    std::smatch m;
    while (std::regex_search(tail, m, key)) {
        REQUIRE(i < names.size());
        renamed += m.prefix().str() + "\n  " + names[i++] + ": {value";
        tail = m.suffix().str();
    }
    renamed += tail;
    REQUIRE(i == names.size());
    const Graph g = compile_policy_text(head + renamed, "renamed.yaml");
    REQUIRE(g.output_names() == names);
    return g;
}

std::string want_row(const Graph& g, const std::string& id, const Settlement& s) {
    std::string want = "{\"claim_id\":\"" + id + "\"";
    for (std::size_t i = 0; i < s.outputs.size(); ++i)
        want += ",\"" + g.output_names()[i] + "\":\"" + format_money(s.outputs[i]) + "\"";
    return want + "}";
}

// write_to into a buffer full of `junk`: the row it returns, or "<null>".
std::string written(const ResultWriter& w, const Settlement& s, char junk) {
    std::vector<char> buf(ResultWriter::row_room, junk);
    const char* end = w.write_to(s, buf.data(), buf.size());
    if (end == nullptr) return "<null>";
    REQUIRE(end > buf.data());
    REQUIRE(end <= buf.data() + buf.size());
    return std::string(static_cast<const char*>(buf.data()), end);
}

// Amounts at every edge the writer has: 0, a fen, the cents' carry, every
// digit count of the 8-digit path and past it, both signs, the extremes.
std::vector<std::int64_t> edge_amounts() {
    std::vector<std::int64_t> v{0, 1, -1, 99, -99, 100, -100, 101, 5, 10, -10, INT64_MAX, INT64_MIN, INT64_MIN + 1,
                                INT64_MAX - 1, 99999999, 100000000, -99999999, -100000000, 100000001, 12345678};
    for (std::int64_t p = 10;; p *= 10) {
        for (std::int64_t x : {p - 1, p, p + 1, 9 * p, 9 * p + 99}) {
            v.push_back(x);
            v.push_back(-x);
        }
        if (p > INT64_MAX / 10) break;
    }
    return v;
}

void check_writer(const Graph& g, bool expect_fast) {
    const ResultWriter w(g, ResultFormat{});
    const std::size_t n = g.output_names().size();
    Settlement s;
    s.claim_id = "M0002043-2";
    const auto values = edge_amounts();
    // Every value in every place, its neighbours of other lengths and signs.
    for (std::size_t r = 0; r < values.size(); ++r) {
        s.outputs.clear();
        for (std::size_t i = 0; i < n; ++i) s.outputs.push_back(Money::from_fen(values[(r + i * 7) % values.size()]));
        const std::string want = want_row(g, s.claim_id, s);
        INFO(want);
        const std::string got = written(w, s, r % 2 ? '9' : '\xFF');
        if (expect_fast) CHECK(got == want);
        else CHECK(got == "<null>");
        std::string out = "x";
        w.write(s, out);
        CHECK(out == "x" + want);
    }
    // Random amounts of random digit counts.
    std::mt19937_64 rng(20261123);
    for (int round = 0; round < 3000; ++round) {
        s.outputs.clear();
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned bits = static_cast<unsigned>(rng() % 64);
            auto f = bits == 0 ? std::int64_t{0} : static_cast<std::int64_t>(rng() >> (64 - bits) >> 1);  // a shift by 64 is undefined
            if (rng() & 1) f = -f;
            s.outputs.push_back(Money::from_fen(f));
        }
        const std::string want = want_row(g, s.claim_id, s);
        INFO(want);
        std::string out;
        w.write(s, out);
        CHECK(out == want);
    }
}

}  // namespace

TEST_CASE("ResultWriter::write_to: amounts at every edge in every place", "[io][writer]") {
    check_writer(demo(), true);
}

TEST_CASE("ResultWriter::write_to: output names at and past the key slots' edges", "[io][writer]") {
    std::vector<std::string> names;
    SECTION("2 bytes each: the shortest slot key (8 bytes with ,\"\":\")") {
        for (char c = 'a'; c < 'a' + 12; ++c) names.push_back(std::string("z") + c);
        check_writer(demo_with_outputs(names), true);
    }
    SECTION("26 bytes each: the longest slot key (32 bytes)") {
        for (char c = 'a'; c < 'a' + 12; ++c) names.push_back(std::string(25, 'n') + c);
        check_writer(demo_with_outputs(names), true);
    }
    SECTION("every length from 2 to 26 and back") {
        for (std::size_t i = 0; i < 12; ++i) names.push_back(std::string(2 + i * 2, 'k') + std::to_string(i % 10));
        check_writer(demo_with_outputs(names), true);
    }
    SECTION("13 outputs: one left over after the pairs") {
        std::string text = slurp(std::string(CLAIMGRAPH_SOURCE_DIR) + "/rules/demo-city-2026.yaml");
        const std::size_t at = text.find("\noutputs:\n");
        REQUIRE(at != std::string::npos);
        text.insert(at + 10, "  odd_one: {value: medfee, label: odd}\n");
        const Graph g = compile_policy_text(text, "odd.yaml");
        REQUIRE(g.output_names().size() == 13);
        check_writer(g, true);
    }
    SECTION("a 1-byte name: no slots, the other loop") {
        for (char c = 'a'; c < 'a' + 12; ++c) names.push_back(std::string("y") + c);
        names[5] = "q";
        check_writer(demo_with_outputs(names), true);
    }
    SECTION("a 27-byte and a 60-byte name: no slots, the other loop") {
        for (char c = 'a'; c < 'a' + 12; ++c) names.push_back(std::string("y") + c);
        names[0] = std::string(27, 'l');
        names[11] = std::string(60, 'm');
        check_writer(demo_with_outputs(names), true);
    }
}

TEST_CASE("ResultWriter::write_to: claim ids of every length, a byte to escape anywhere", "[io][writer]") {
    const Graph& g = demo();
    const ResultWriter w(g, ResultFormat{});
    Settlement s;
    for (std::int64_t f : {5, -120, 0, 99999999, 100000000, -1, 7, 123456, 10, 300000, -99, 1})
        s.outputs.push_back(Money::from_fen(f));
    // Printable ASCII but '"' and '\\', DEL (0x7F) and space included: plain.
    std::string pool;
    for (int c = 0x20; c <= 0x7F; ++c)
        if (c != '"' && c != '\\') pool.push_back(static_cast<char>(c));
    for (std::size_t len = 0; len <= 70; ++len) {
        std::string id;
        for (std::size_t i = 0; i < len; ++i) id.push_back(pool[(len * 31 + i * 7) % pool.size()]);
        s.claim_id = id;
        const std::string want = want_row(g, id, s);
        INFO("length " << len);
        CHECK(written(w, s, '\0') == want);
        CHECK(written(w, s, '"') == want);
        for (const char bad : {'"', '\\', '\x1F', '\x00', '\x80', '\xFF', '\xE4', '\n'}) {
            for (std::size_t at = 0; at < len; ++at) {
                std::string b = id;
                b[at] = bad;
                s.claim_id = b;
                INFO("bad byte " << int(static_cast<unsigned char>(bad)) << " at " << at);
                CHECK(written(w, s, ' ') == "<null>");
                std::string out, ref;
                w.write(s, out);
                write_result_json(g, s, ref);
                CHECK(out == ref);
            }
        }
    }
    s.claim_id = "G01-1";
    std::vector<char> small(ResultWriter::row_room - 1);
    CHECK(w.write_to(s, small.data(), small.size()) == nullptr);
}

TEST_CASE("settle_file into an OutputFileSink writes what a lambda sink receives", "[io][writer][output]") {
    const Graph& g = demo();
    std::string text = slurp(std::string(CLAIMGRAPH_SOURCE_DIR) + "/tests/golden/demo-city-2026/claims.jsonl");
    text += "{\"claim_id\":\"bad\\\"one\",\"member_id\":\"Z\"}\nnot json\n";
    const TextFile claims("writer-sink", text);
    const std::string out_path = claims.path() + ".out";
    for (const ResultFormat format : {ResultFormat{}, ResultFormat{ResultFormat::Kind::csv, false},
                                      ResultFormat{ResultFormat::Kind::jsonl, true}}) {
        for (std::size_t threads : {1, 2}) {
            Ledgers a(threads), b(threads);
            std::string want;
            const BatchCounts ca = settle_file(g, claims.path(), a.ptrs, format, [&](std::string_view t) { want += t; });
            BatchCounts cb;
            {
                OutputFile out(out_path, OutputFile::Cache::keep);
                cb = settle_file(g, claims.path(), b.ptrs, format, OutputFileSink{&out});
                out.commit();
            }
            CHECK(slurp(out_path) == want);
            CHECK(ca.settled == cb.settled);
            CHECK(ca.errors == cb.errors);
            CHECK(want.size() > 1000);
        }
    }
    std::remove(out_path.c_str());
}
