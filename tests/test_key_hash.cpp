// detail::key_hash, the hash of member and claim ids: only the id's own
// bytes count, and ids that differ in a digit are spread as random ones
// would be, in the bits each user takes (MemoryLedger's table: the low
// bits; the settlement order: the high bits; the workers: modulo their count).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "engine/key_hash.hpp"

using claimgraph::detail::key_hash;

namespace {

// n ids made from `pattern` with 0 … n - 1.
std::vector<std::uint64_t> hashes_of(const char* pattern, std::uint32_t n) {
    std::vector<std::uint64_t> h(n);
    char id[64];
    for (std::uint32_t k = 0; k < n; ++k) {
        const int len = std::snprintf(id, sizeof id, pattern, k);
        h[k] = key_hash(std::string_view(id, static_cast<std::size_t>(len)));
    }
    return h;
}

// The fullest of `buckets` buckets over the mean, buckets chosen by `pick`.
template <class Pick>
double fullest(const std::vector<std::uint64_t>& hashes, std::size_t buckets, Pick pick) {
    std::vector<std::uint32_t> count(buckets);
    for (const std::uint64_t h : hashes) ++count[pick(h)];
    const double mean = static_cast<double>(hashes.size()) / static_cast<double>(buckets);
    return *std::max_element(count.begin(), count.end()) / mean;
}

}  // namespace

TEST_CASE("key_hash: only the id's bytes count, at every length", "[hash]") {
    // The same id among different bytes on either side hashes the same: no
    // load strays past it. And a bit flipped anywhere in it changes the hash.
    for (std::size_t len = 0; len <= 70; ++len) {
        std::string a(len + 32, 'x'), b(len + 32, 'y');
        for (std::size_t k = 0; k < len; ++k) a[16 + k] = b[16 + k] = static_cast<char>('0' + (k * 7) % 43);
        const std::uint64_t h = key_hash(std::string_view(a).substr(16, len));
        REQUIRE(key_hash(std::string_view(b).substr(16, len)) == h);
        for (std::size_t k = 0; k < len; ++k)
            for (int bit = 0; bit < 8; ++bit) {
                std::string c = a;
                c[16 + k] = static_cast<char>(c[16 + k] ^ (1 << bit));
                REQUIRE(key_hash(std::string_view(c).substr(16, len)) != h);
            }
        // The length counts too: the id and the id with a byte less.
        if (len > 0) REQUIRE(key_hash(std::string_view(a).substr(16, len - 1)) != h);
    }
}

TEST_CASE("key_hash: sequential ids are spread over workers and table slots", "[hash]") {
    for (const char* pattern : {"M%07u", "M%07u-2", "C%010u", "%u", "member-%012u"}) {
        INFO(pattern);
        const std::vector<std::uint64_t> h = hashes_of(pattern, 1'000'000);
        // Workers: settle --sorted takes the hash modulo their count, the
        // settlement order its top bits (at least 33) modulo their count.
        for (const std::uint64_t workers : {2u, 3u}) {
            CHECK(fullest(h, workers, [&](std::uint64_t x) { return x % workers; }) < 1.01);
            CHECK(fullest(h, workers, [&](std::uint64_t x) { return (x >> 31) % workers; }) < 1.01);
        }
        // Table slots (MemoryLedger: the low bits) and the order's buckets (the
        // high bits), 2^16 of them, ~15 ids each: none near a few times that.
        CHECK(fullest(h, 1 << 16, [](std::uint64_t x) { return x & 0xffff; }) < 3.0);
        CHECK(fullest(h, 1 << 16, [](std::uint64_t x) { return x >> 48; }) < 3.0);
        // No two ids alike in 64 bits, and about as many alike in their low
        // 32 bits (a member's hash in the ledger) as random values would be (~116).
        std::vector<std::uint64_t> s = h;
        std::sort(s.begin(), s.end());
        CHECK(std::adjacent_find(s.begin(), s.end()) == s.end());
        for (auto& x : s) x &= 0xffffffffu;
        std::sort(s.begin(), s.end());
        std::size_t alike = 0;
        for (std::size_t k = 1; k < s.size(); ++k) alike += s[k] == s[k - 1];
        CHECK(alike < 250);
    }
}
