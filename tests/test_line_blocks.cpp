// LineBlocks, the reader under the key pass and the --sorted stream: whatever
// the sizes of its buffers, the lines it gives are the source's lines, with
// their offsets, and each is followed by readable padding. Its buffers start
// at the size of a small source (size_hint) and grow for a long line, so the
// sources here are read with hints far below, at and above their size.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "io/line_blocks.hpp"

using claimgraph::detail::LineBlocks;

namespace {

struct Line {
    std::string text;
    std::uint64_t offset;
    bool operator==(const Line&) const = default;
};

// The lines as the source holds them: split at '\n', the last one kept
// without its '\n' when it has none, no line after a final '\n'.
std::vector<Line> split(const std::string& s) {
    std::vector<Line> out;
    std::size_t at = 0;
    while (at < s.size()) {
        const std::size_t nl = s.find('\n', at);
        const std::size_t end = nl == std::string::npos ? s.size() : nl;
        out.push_back({s.substr(at, end - at), at});
        at = end + 1;
    }
    return out;
}

// Reads `s` through LineBlocks in reads of at most `chunk` bytes.
std::vector<Line> read_all(const std::string& s, std::size_t chunk, bool ahead, std::uint64_t hint) {
    std::size_t at = 0;
    LineBlocks blocks(
        [&](char* buf, std::size_t n) {
            const std::size_t k = std::min({n, chunk, s.size() - at});
            std::copy_n(s.data() + at, k, buf);
            at += k;
            return k;
        },
        ahead, hint);
    std::vector<Line> out;
    std::vector<std::string_view> lines;
    while (blocks.next(lines)) {
        for (const std::string_view line : lines) {
            // The padding after every line is readable (and within the
            // buffer: ASan would say otherwise).
            std::uint8_t sum = 0;
            for (std::size_t k = 0; k < LineBlocks::padding; ++k) sum ^= static_cast<std::uint8_t>(line.data()[line.size() + k]);
            (void)sum;
            out.push_back({std::string(line), blocks.offset_of(line)});
        }
    }
    return out;
}

}  // namespace

TEST_CASE("LineBlocks gives the source's lines with any buffer size hint", "[io]") {
    std::mt19937 rng(20261123);
    for (int round = 0; round < 20; ++round) {
        // Lines of 0 to a few thousand bytes, some far longer than a small hint.
        std::string s;
        const int count = static_cast<int>(rng() % 60);
        for (int i = 0; i < count; ++i) {
            const std::size_t len = rng() % 8 == 0 ? rng() % 20000 : rng() % 300;
            for (std::size_t k = 0; k < len; ++k) s.push_back(static_cast<char>('a' + rng() % 26));
            if (i + 1 < count || rng() % 2) s.push_back('\n');
        }
        const auto want = split(s);
        for (const std::uint64_t hint : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{100}, std::uint64_t{s.size()},
                                         std::uint64_t{s.size() + 1}, std::uint64_t{s.size() * 3}, UINT64_MAX}) {
            for (const std::size_t chunk : {std::size_t{7}, std::size_t{4096}, std::size_t{1} << 30}) {
                for (const bool ahead : {false, true}) {
                    INFO("round " << round << ", " << s.size() << " bytes, hint " << hint << ", reads of " << chunk
                                  << (ahead ? ", reading ahead" : ""));
                    REQUIRE(read_all(s, chunk, ahead, hint) == want);
                }
            }
        }
    }
}

TEST_CASE("LineBlocks on an empty source and on lone newlines", "[io]") {
    CHECK(read_all("", 1 << 20, false, 0).empty());
    CHECK(read_all("", 1 << 20, true, UINT64_MAX).empty());
    const std::vector<Line> blanks = {{"", 0}, {"", 1}, {"", 2}};
    CHECK(read_all("\n\n\n", 1 << 20, false, 3) == blanks);
    CHECK(read_all("\n\n\n", 1, true, 1) == blanks);
}
