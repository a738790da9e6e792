// bench_gen_claims N OUT.jsonl [seed]: writes the bench corpus (see corpus.hpp)
// as a JSON Lines claim file for end-to-end runs of `claimgraph settle`.
// Streams block by block: memory stays small whatever N is.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "corpus.hpp"

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: bench_gen_claims N OUT.jsonl [seed]\n");
        return 1;
    }
    char* end = nullptr;
    const unsigned long long n = std::strtoull(argv[1], &end, 10);
    if (*end != '\0' || n == 0) {
        std::fprintf(stderr, "bench_gen_claims: N must be a positive integer, not '%s'\n", argv[1]);
        return 1;
    }
    const auto seed = static_cast<std::uint32_t>(argc == 4 ? std::strtoul(argv[3], nullptr, 10) : 20260101UL);
    std::FILE* f = std::fopen(argv[2], "wb");
    if (!f) {
        std::fprintf(stderr, "bench_gen_claims: cannot create %s: %s\n", argv[2], std::strerror(errno));
        return 1;
    }
    bench::CorpusStats st;
    std::string buf;
    buf.reserve(1 << 22);
    bool ok = true;
    bench::CorpusGenerator(seed).generate(
        n,
        [&](bench::CorpusClaim& c) {
            buf += c.json;
            buf += '\n';
            if (buf.size() >= (1 << 22)) {
                ok = ok && std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
                buf.clear();
            }
        },
        &st);
    ok = ok && std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok) {
        std::fprintf(stderr, "bench_gen_claims: cannot write %s: %s\n", argv[2], std::strerror(errno));
        return 1;
    }
    std::fprintf(stderr, "wrote %s: %zu claims, %zu members, %.2f lines/claim (max %zu), %zu bytes, seed %u\n", argv[2],
                 st.claims, st.members, st.mean_lines(), st.max_lines, st.bytes, seed);
    return 0;
}
