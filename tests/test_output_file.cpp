// OutputFile: every byte arrives, in order, whatever the sizes of the pieces
// and wherever the blocks break; the final name appears only on commit; a
// failed write is an error naming the file, and leaves no file behind.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "claimgraph/output_file.hpp"

using namespace claimgraph;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Text that shows any byte out of place: no period shorter than the file.
std::string sample(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    return s;
}

fs::path scratch(const std::string& name, const fs::path& dir = fs::temp_directory_path()) {
    const fs::path p = dir / ("claimgraph-output-" + std::to_string(::getpid()) + "-" + name);
    fs::remove(p);
    fs::remove(p.string() + ".tmp");
    return p;
}

// Writes `text` in pieces of `piece` bytes, commits, and reads the file back.
std::string round_trip(const fs::path& p, const std::string& text, std::size_t piece) {
    {
        OutputFile out(p.string());
        for (std::size_t at = 0; at < text.size(); at += piece) out.write(std::string_view(text).substr(at, piece));
        CHECK(out.bytes() == text.size());
        out.commit();
    }
    CHECK_FALSE(fs::exists(p.string() + ".tmp"));
    std::string back = read_all(p);
    fs::remove(p);
    return back;
}

}  // namespace

TEST_CASE("output file: every size around the block edges arrives whole", "[output]") {
    constexpr std::size_t B = OutputFile::block_bytes;
    const fs::path p = scratch("sizes");
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096}, std::size_t{4097},
                                B - 1, B, B + 1, 2 * B, 3 * B + 12345}) {
        for (const std::size_t piece : {std::size_t{1000003}, B, std::size_t{4096 * 3 + 7}}) {
            INFO("size " << n << ", pieces of " << piece);
            const std::string text = sample(n, static_cast<unsigned>(n + piece));
            CHECK(round_trip(p, text, piece) == text);
        }
    }
}

TEST_CASE("output file: many small rows", "[output]") {
    // Rows of uneven length, as a results file is written.
    std::string text;
    std::mt19937 rng(7);
    while (text.size() < 3 * OutputFile::block_bytes) text += sample(1 + rng() % 700, rng()) + "\n";
    const fs::path p = scratch("rows");
    OutputFile out(p.string());
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t end = text.find('\n', at) + 1;
        out.write(std::string_view(text).substr(at, end - at));
        at = end;
    }
    out.commit();
    CHECK(read_all(p) == text);
    fs::remove(p);
}

TEST_CASE("output file: the final name appears only on commit", "[output]") {
    const fs::path p = scratch("commit");
    {
        std::ofstream(p) << "results of an earlier run\n";
    }
    {
        OutputFile out(p.string());
        out.write(sample(OutputFile::block_bytes + 10, 1));
        CHECK(fs::exists(p.string() + ".tmp"));
        CHECK(read_all(p) == "results of an earlier run\n");  // untouched while this one is written
    }  // let go uncommitted: a failed run
    CHECK_FALSE(fs::exists(p.string() + ".tmp"));
    CHECK(read_all(p) == "results of an earlier run\n");
    {
        OutputFile out(p.string());
        out.write("new\n");
        out.commit();
        CHECK_THROWS_WITH(out.write("more"), Contains("already committed"));
        CHECK_THROWS_WITH(out.commit(), Contains("already committed"));
    }
    CHECK(read_all(p) == "new\n");
    fs::remove(p);
}

TEST_CASE("output file: a file that cannot be made names itself", "[output]") {
    const fs::path p = fs::temp_directory_path() / "claimgraph-no-such-dir" / "out.jsonl";
    CHECK_THROWS_WITH(OutputFile(p.string()), Contains("cannot create") && Contains("out.jsonl.tmp") &&
                                                    Contains("No such file"));
}

TEST_CASE("output file: a write that fails is an error and leaves no file", "[output]") {
    // A file size limit makes the writes past it fail (EFBIG), on the writer
    // thread for whole blocks: the error must reach the caller.
    const fs::path p = scratch("full");
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 6 << 20;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string error;
    try {
        OutputFile out(p.string());
        for (int i = 0; i < 5; ++i) out.write(sample(OutputFile::block_bytes, static_cast<unsigned>(i)));
        out.commit();
    } catch (const std::runtime_error& e) {
        error = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    CHECK_THAT(error, Contains("cannot write") && Contains(p.string() + ".tmp") && Contains("too large"));
    CHECK_FALSE(fs::exists(p));
    CHECK_FALSE(fs::exists(p.string() + ".tmp"));
}

TEST_CASE("output file: through the page cache, when asked to", "[output]") {
    const fs::path p = scratch("cached");
    const std::string text = sample(2 * OutputFile::block_bytes + 99, 3);
    {
        OutputFile out(p.string(), OutputFile::Cache::keep);
        CHECK_FALSE(out.direct());
        out.write(text);
        out.commit();
    }
    CHECK(read_all(p) == text);
    fs::remove(p);
}

TEST_CASE("output file: on tmpfs too", "[output]") {
    // Older kernels refuse O_DIRECT on tmpfs at open, newer ones take it:
    // the bytes arrive either way.
    if (!fs::is_directory("/dev/shm")) {
        WARN("no /dev/shm here");
        return;
    }
    const fs::path p = scratch("shm", "/dev/shm");
    const std::string text = sample(2 * OutputFile::block_bytes + 99, 4);
    {
        OutputFile out(p.string());
        out.write(text);
        out.commit();
    }
    CHECK(read_all(p) == text);
    fs::remove(p);
}

TEST_CASE("output file: write_line writes the row and a newline as write would, rows across the block edges too", "[output]") {
    // Rows of 0 to 5,000 bytes past three block edges, one ending exactly at
    // an edge with its '\n' the block's last byte and one with it the next's.
    const std::string text = sample(3 * OutputFile::block_bytes + 100000, 11);
    std::vector<std::string_view> rows;
    std::mt19937 rng(12);
    for (std::size_t at = 0, total = 0; at < text.size();) {
        std::size_t n = rng() % 5001;
        if (rows.size() == 100) n = OutputFile::block_bytes - total - 1;  // '\n' the block's last byte
        if (rows.size() == 101) n = OutputFile::block_bytes - 1;         // ends one before the next edge
        if (rows.size() == 102) n = 0;
        n = std::min(n, text.size() - at);
        rows.push_back(std::string_view(text).substr(at, n));
        at += n;
        total += n + 1;
    }
    std::string want;
    for (const auto r : rows) (want += r) += '\n';
    const fs::path p = scratch("lines");
    {
        OutputFile out(p.string(), OutputFile::Cache::keep);
        for (const auto r : rows) out.write_line(r);
        CHECK(out.bytes() == want.size());
        out.commit();
    }
    CHECK(read_all(p) == want);
    fs::remove(p);
}
