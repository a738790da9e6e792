// LineWindow, the settlement pass's view of an unsorted file, and run_step,
// the step that reads its next block in pieces on whichever thread is free.
// The window must give every line's bytes whichever pieces a step read (all,
// some or none: advance() reads the rest), and a step must run every task
// exactly once whatever the number of workers.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/batch_rows.hpp"
#include "io/claim_file.hpp"
#include "io/line_window.hpp"

using claimgraph::detail::ClaimFile;
using claimgraph::detail::LinePlace;
using claimgraph::detail::LineWindow;

namespace {

struct TempFile {
    std::filesystem::path path;
    explicit TempFile(const std::string& text) {
        path = std::filesystem::temp_directory_path() /
               ("claimgraph-window-" + std::to_string(std::random_device{}()) + ".jsonl");
        std::ofstream(path, std::ios::binary) << text;
    }
    ~TempFile() { std::filesystem::remove(path); }
};

// Lines of 1 byte to a little over a piece, so that blocks span several pieces.
std::string make_lines(std::vector<LinePlace>& places, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::string text;
    for (int i = 0; i < 120; ++i) {
        const std::size_t len = rng() % 5 == 0 ? LineWindow::piece_bytes + rng() % 5000 : 1 + rng() % 300000;
        places.push_back(LinePlace::of(text.size(), static_cast<std::uint32_t>(len)));
        for (std::size_t k = 0; k < len; ++k) text += static_cast<char>('a' + (i + k) % 26);
        text += '\n';
    }
    return text;
}

}  // namespace

TEST_CASE("LineWindow: every line's bytes, whichever pieces the steps read", "[window]") {
    std::vector<LinePlace> places;
    const std::string text = make_lines(places, 7);
    TempFile f(text);
    const auto access = GENERATE(claimgraph::FileAccess::read, claimgraph::FileAccess::map);
    ClaimFile file(f.path.string(), access);
    REQUIRE((file.mapped() != nullptr) == (access == claimgraph::FileAccess::map));
    const auto block_bytes = GENERATE(std::size_t{1} << 20, std::size_t{4} << 20, std::size_t{9} << 20);
    const auto kept = GENERATE(std::size_t{1}, std::size_t{3});
    const auto starts = claimgraph::detail::plan_line_blocks(places, block_bytes);
    REQUIRE(starts.size() > 3);

    LineWindow lines(file, places, starts, kept);
    std::mt19937 rng(static_cast<std::uint32_t>(block_bytes + kept));
    std::size_t steps = 0;
    std::uint32_t seen_to = 0;
    while (lines.advance()) {
        ++steps;
        REQUIRE(lines.newest() == seen_to);  // blocks in order, none skipped
        seen_to = lines.end();
        for (std::uint32_t i = lines.first(); i < lines.end(); ++i) {
            std::size_t readable = 0;
            const std::string_view line = lines.line(i, readable);
            REQUIRE(line == std::string_view(text).substr(places[i].offset(), places[i].length));
            REQUIRE(readable >= line.size() + ClaimFile::padding);
        }
        // Some of the next block's pieces read here, in any order; advance() reads the rest.
        std::vector<std::size_t> order(lines.pieces());
        for (std::size_t p = 0; p < order.size(); ++p) order[p] = p;
        std::shuffle(order.begin(), order.end(), rng);
        order.resize(rng() % (order.size() + 1));
        for (const std::size_t p : order) lines.read_piece(p);
        if (lines.end() == places.size()) REQUIRE(lines.pieces() == 0);  // nothing after the last block
    }
    REQUIRE(seen_to == places.size());
    REQUIRE(steps == starts.size() - 1);
}

TEST_CASE("LineWindow: a file cut short while it is read is an error, not a short line (read or mapped)", "[window]") {
    std::vector<LinePlace> places;
    const std::string text = make_lines(places, 11);
    TempFile f(text);
    const auto access = GENERATE(claimgraph::FileAccess::read, claimgraph::FileAccess::map);
    ClaimFile file(f.path.string(), access);
    const auto starts = claimgraph::detail::plan_line_blocks(places, std::size_t{4} << 20);
    LineWindow lines(file, places, starts, 2);
    REQUIRE(lines.advance());
    std::filesystem::resize_file(f.path, places[starts[1]].offset() + 10);  // into the next block
    REQUIRE(lines.pieces() > 0);
    REQUIRE_THROWS_WITH(lines.read_piece(lines.pieces() - 1), Catch::Contains("shrank"));
    REQUIRE_THROWS_WITH(lines.advance(), Catch::Contains("shrank"));
}

TEST_CASE("ClaimFile mapped: a line in place, the bytes after the file readable zeros, a line past a shrunk end an error", "[window]") {
    // A file ending on a page boundary: its mapping ends there, the padding is another page.
    std::string text;
    for (int i = 0; text.size() < 8192; ++i) {
        text.append(static_cast<std::size_t>(50 + i % 30), static_cast<char>('a' + i % 26));
        text += '\n';
    }
    text.resize(8192);
    text.back() = 'z';  // the last line without its '\n'
    TempFile f(text);
    ClaimFile file(f.path.string(), claimgraph::FileAccess::map);
    REQUIRE(file.mapped() != nullptr);
    // At a 2 MB boundary, so that a page cache in 2 MB folios maps one entry a folio.
    CHECK(reinterpret_cast<std::uintptr_t>(file.mapped()) % claimgraph::detail::kHugePage == 0);
    const std::size_t last = text.rfind('\n') + 1;
    std::string buf;
    std::size_t readable = 0;
    const std::string_view line = file.line_at(last, static_cast<std::uint32_t>(text.size() - last), buf, readable);
    CHECK(line == std::string_view(text).substr(last));
    CHECK(line.data() == file.mapped() + last);  // in place
    CHECK(buf.empty());
    CHECK(readable == line.size() + ClaimFile::padding);
    CHECK(std::string(line.data() + line.size(), ClaimFile::padding) == std::string(ClaimFile::padding, '\0'));
    // Read, the same line is copied into the buffer, padded.
    ClaimFile plain(f.path.string(), claimgraph::FileAccess::read);
    CHECK(plain.mapped() == nullptr);
    CHECK(plain.line_at(last, static_cast<std::uint32_t>(text.size() - last), buf, readable) == line);
    CHECK(readable == line.size() + ClaimFile::padding);
    // Shrunk under the mapping: fetching the lost pages is an error, as is a line past the size mapped.
    std::filesystem::resize_file(f.path, 100);
    CHECK_THROWS_WITH(file.fetch(4096, 4096), Catch::Contains("shrank"));
    CHECK_THROWS_WITH(file.line_at(text.size() - 1, 2, buf, readable), Catch::Contains("shrank"));
    // An empty file is read, not mapped (there is nothing to map).
    TempFile empty("");
    CHECK(ClaimFile(empty.path.string(), claimgraph::FileAccess::map).mapped() == nullptr);
}

// The resident kilobytes of the mapping that starts at p (/proc/self/smaps), -1 if none does.
long resident_kb(const void* p) {
    std::ifstream smaps("/proc/self/smaps");
    const std::string start = fmt::format("{:x}-", reinterpret_cast<std::uintptr_t>(p));
    bool in = false;
    for (std::string line; std::getline(smaps, line);) {
        if (line.find('-') != std::string::npos && line.find(':') > line.find(' ')) in = line.rfind(start, 0) == 0;
        else if (in && line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
    }
    return -1;
}

TEST_CASE("ClaimFile mapped: bytes let go in pieces of any size and place read back as they were", "[window]") {
    // Five 2 MB units and a bit: let_go drops whole units only, taking a
    // range's start down to its unit, and a dropped page comes back from
    // the page cache on its next read.
    std::string text(5 * claimgraph::detail::kHugePage + 12345, '\0');
    std::mt19937 rng(7);
    for (char& c : text) c = static_cast<char>('a' + rng() % 26);
    TempFile f(text);
    ClaimFile file(f.path.string(), claimgraph::FileAccess::map);
    REQUIRE(file.mapped() != nullptr);
    const std::string_view all(file.mapped(), text.size());
    for (std::size_t at = 0, n = 1; at < text.size(); at += n, n = n * 3 + 4093) {
        file.fetch(at, n);
        CHECK(all.substr(at, n) == std::string_view(text).substr(at, n));
        file.let_go(at, n);
        CHECK(all.substr(0, at + n) == std::string_view(text).substr(0, at + n));
    }
    // Every page resident once fetched, none once let go.
    file.fetch(0, text.size());
    CHECK(resident_kb(file.mapped()) * 1024 >= static_cast<long>(text.size()));
    file.let_go(0, text.size());
    CHECK(resident_kb(file.mapped()) == 0);
    CHECK(all == text);
    CHECK(std::string(file.mapped() + text.size(), ClaimFile::padding) == std::string(ClaimFile::padding, '\0'));
}

TEST_CASE("run_step: every task once and every worker's share, for 1 to 3 workers", "[window]") {
    const auto workers = GENERATE(std::size_t{1}, std::size_t{2}, std::size_t{3});
    // One crew for every round, as a pass keeps it for its steps; rounds with
    // no task, one and several (one worker wakes a second thread only for several).
    claimgraph::detail::StepThreads crew(claimgraph::detail::step_crew_size(workers));
    for (int round = 0; round < 50; ++round) {
        std::vector<std::atomic<int>> shares(workers), runs(round % 3 == 0 ? 0 : round % 3 == 1 ? 1 : 7);
        std::vector<std::function<void()>> tasks;
        for (std::size_t t = 0; t < runs.size(); ++t) tasks.emplace_back([&runs, t] { runs[t].fetch_add(1); });
        claimgraph::detail::run_step(crew, workers, [&](std::size_t w) { shares[w].fetch_add(1); }, tasks);
        for (const auto& s : shares) REQUIRE(s.load() == 1);
        for (const auto& r : runs) REQUIRE(r.load() == 1);
    }
}

TEST_CASE("run_step: a task's or a worker's exception comes out after the step, the rest still run", "[window]") {
    const auto workers = GENERATE(std::size_t{1}, std::size_t{2});
    std::atomic<int> ran{0};
    std::vector<std::function<void()>> tasks{[] { throw std::runtime_error("task failed"); }, [&] { ++ran; }, [&] { ++ran; }};
    claimgraph::detail::StepThreads crew(claimgraph::detail::step_crew_size(workers));
    REQUIRE_THROWS_WITH(claimgraph::detail::run_step(crew, workers, [&](std::size_t) { ++ran; }, tasks), "task failed");
    REQUIRE(ran.load() == static_cast<int>(workers) + 2);
    REQUIRE_THROWS_WITH(claimgraph::detail::run_step(
                            crew, workers, [](std::size_t w) { if (w == 0) throw std::runtime_error("worker failed"); }, {}),
                        "worker failed");
    // The crew is still whole after a failed step: the next one runs every share and task.
    ran = 0;
    tasks.front() = [&] { ++ran; };
    claimgraph::detail::run_step(crew, workers, [&](std::size_t) { ++ran; }, tasks);
    REQUIRE(ran.load() == static_cast<int>(workers) + 3);
}
