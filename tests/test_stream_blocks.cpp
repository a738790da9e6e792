// StreamBlocks: settle --sorted's blocks of whole lines, read in parts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "claimgraph/io.hpp"
#include "io/claim_file.hpp"
#include "io/stream_blocks.hpp"
#include "support.hpp"

using claimgraph::FileAccess;
using claimgraph::detail::ClaimFile;
using claimgraph::detail::StreamBlocks;

namespace {

// Lines of random lengths (a few longer than a block of `block` bytes), the last without '\n'.
std::string lines_text(std::size_t bytes, std::size_t block, unsigned seed) {
    std::mt19937 rng(seed);
    std::string text;
    for (int k = 0; text.size() < bytes; ++k) {
        const std::size_t n = k % 97 == 50 ? block + rng() % block : rng() % 2000;
        text.append(n, static_cast<char>('a' + k % 26));
        text += '\n';
    }
    text += "last";
    return text;
}

StreamBlocks::Read reader(const std::string& text) {
    return [&text](std::uint64_t at, char* buf, std::size_t n) {
        if (at >= text.size()) return std::size_t{0};
        const std::size_t k = std::min<std::size_t>(n, text.size() - at);
        std::memcpy(buf, text.data() + at, k);
        return k;
    };
}

// The source again from the blocks, each checked to be whole lines where it
// is in the source, the parts read last to first when asked, on threads of
// their own when asked.
std::string reassemble(StreamBlocks& blocks, std::size_t text_size, bool reverse, bool threads, std::size_t* count = nullptr) {
    std::string got;
    std::size_t n = 0;
    for (;;) {
        blocks.start();
        std::vector<std::size_t> parts(blocks.parts());
        for (std::size_t p = 0; p < parts.size(); ++p) parts[p] = p;
        if (reverse) std::reverse(parts.begin(), parts.end());
        if (threads) {
            std::vector<std::thread> t;
            for (const std::size_t p : parts) t.emplace_back([&blocks, p] { blocks.read_part(p); });
            for (auto& x : t) x.join();
        } else {
            for (const std::size_t p : parts) blocks.read_part(p);
        }
        if (!blocks.next()) break;
        ++n;
        const std::string_view block(blocks.data(), blocks.size());
        REQUIRE(block.size() > 0);
        if (block.back() != '\n') CHECK(got.size() + block.size() == text_size);  // only the source's last line lacks it
        CHECK(blocks.base() == got.size());
        got.append(block);
    }
    if (count != nullptr) *count = n;
    return got;
}

}  // namespace

TEST_CASE("StreamBlocks: the blocks are the source's whole lines, in order, whichever order their parts are read in", "[stream]") {
    const std::size_t block = (std::size_t{5} << 20) / 2;  // 2.5 MB: three parts a block
    const std::string text = lines_text(std::size_t{12} << 20, block, 3);
    for (const bool parallel : {true, false})
        for (const bool reverse : {false, true})
            for (const bool threads : {false, true}) {
                if (!parallel && (reverse || threads)) continue;  // a stream's one part
                INFO("parallel " << parallel << " reverse " << reverse << " threads " << threads);
                StreamBlocks blocks(reader(text), parallel, block);
                std::size_t count = 0;
                CHECK(reassemble(blocks, text.size(), reverse, threads, &count) == text);
                CHECK(count >= 4);
            }
}

TEST_CASE("StreamBlocks: a small source is one block, an empty one none", "[stream]") {
    const std::string text = "a\nbb\nccc";
    StreamBlocks blocks(reader(text), true, text.size());
    std::size_t count = 0;
    CHECK(reassemble(blocks, text.size(), false, false, &count) == text);
    CHECK(count == 1);
    const std::string empty;
    StreamBlocks none(reader(empty), true, 0);
    none.start();
    CHECK_FALSE(none.next());
}

TEST_CASE("StreamBlocks: a block is followed by zeroed padding past what was read", "[stream]") {
    const std::string text = "one\ntwo\nthree";
    StreamBlocks blocks(reader(text), true, text.size());
    blocks.start();
    REQUIRE(blocks.next());
    CHECK(std::string_view(blocks.data(), blocks.size()) == text);
    for (std::size_t i = 0; i < StreamBlocks::padding; ++i) CHECK(blocks.data()[blocks.size() + i] == '\0');
}

TEST_CASE("StreamBlocks: a part that reads on after one that ended short is an error, not a block with a hole", "[stream]") {
    const std::size_t block = std::size_t{3} << 20;
    const std::string text = lines_text(std::size_t{6} << 20, block, 5);
    // The source looks shorter to the first part than to the second: the file changed while it was read.
    StreamBlocks blocks(
        [&text](std::uint64_t at, char* buf, std::size_t n) {
            const std::size_t cut = StreamBlocks::part_bytes / 2;
            if (at < StreamBlocks::part_bytes) n = at >= cut ? 0 : std::min(n, cut - at);
            const std::size_t k = std::min<std::size_t>(n, text.size() - at);
            std::memcpy(buf, text.data() + at, k);
            return k;
        },
        true, block);
    blocks.start();
    REQUIRE(blocks.parts() > 1);
    CHECK_THROWS_WITH(blocks.next(), Catch::Contains("changed while they were read"));
}

TEST_CASE("StreamBlocks over a mapped file: whole lines in order, lines longer than a block, readable padding at the end", "[stream]") {
    const std::size_t block = (std::size_t{5} << 20) / 2;
    // The same lines ending mid-page, on a page boundary and a few bytes short of one.
    std::string text = lines_text(std::size_t{12} << 20, block, 9);
    for (const std::size_t cut : {std::size_t{0}, std::size_t{4096}, std::size_t{4096 - 3}}) {
        if (cut > 0) text.resize((text.size() / 4096 - 1) * 4096 + cut);
        INFO("size " << text.size());
        const claimgraph::testing::TextFile source("mapped-blocks", text);
        const ClaimFile file(source.path(), FileAccess::map);
        REQUIRE(file.mapped() != nullptr);
        for (const bool reverse : {false, true})
            for (const bool threads : {false, true}) {
                StreamBlocks blocks(file, block);
                std::size_t count = 0;
                CHECK(reassemble(blocks, text.size(), reverse, threads, &count) == text);
                CHECK(count >= 4);
            }
        // The bytes after the file are readable, and zero.
        std::string padding(file.mapped() + text.size(), ClaimFile::padding);
        CHECK(padding == std::string(ClaimFile::padding, '\0'));
    }
}

TEST_CASE("StreamBlocks over a mapped file that shrank: an error before its pages are read", "[stream]") {
    const std::size_t block = std::size_t{1} << 20;
    const std::string text = lines_text(std::size_t{6} << 20, block, 13);
    const claimgraph::testing::TextFile source("mapped-shrink", text);
    const ClaimFile file(source.path(), FileAccess::map);
    REQUIRE(file.mapped() != nullptr);
    StreamBlocks blocks(file, block);
    blocks.start();
    REQUIRE(blocks.next());
    std::filesystem::resize_file(source.path(), blocks.size() + 100);  // the next block's pages are gone
    blocks.start();
    REQUIRE(blocks.parts() > 0);
    CHECK_THROWS_WITH(blocks.read_part(blocks.parts() - 1), Catch::Contains("shrank"));
    // A part no thread fetched is fetched by next(): the same error.
    CHECK_THROWS_WITH(blocks.next(), Catch::Contains("shrank"));
}
