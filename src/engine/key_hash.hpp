// Internal: the hash of a member or claim id, wherever one is hashed.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace claimgraph::detail {

// std::hash<std::string_view> (libstdc++'s _Hash_bytes) took ~53
// instructions for an 8 to 16 byte id, and ids are hashed several times a
// claim. This is rapidhash's construction (wyhash's successor) for a fixed
// seed: an id of up to 16 bytes is two loads that may overlap, one 64x64 ->
// 128-bit multiply folded to 64 bits, and one more to mix in the length;
// a longer one is folded in 16 bytes at a time first. Every bit of the
// result depends on every input bit, so the low bits (MemoryLedger's table
// slots), the high bits (the settlement order's members) and the hash
// modulo the workers (which worker owns a member) are all well spread, for
// ids that differ only in a digit or two as much as for random ones.
//
// Every place that must agree hashes with this one function: the key pass
// hands its member hashes to MemoryLedger::expect, which compares them with
// its own (low 32 bits).
namespace key_hash_detail {

inline std::uint64_t load64(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline std::uint64_t load32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
// The 128-bit product's halves, folded.
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

inline constexpr std::uint64_t kSecret0 = 0x2d358dccaa6c78a5ull, kSecret1 = 0x8bb84b93962eacc9ull;
// rapidhash's default seed, mixed with its first two secrets once, here.
inline constexpr std::uint64_t kSeed = [] {
    constexpr std::uint64_t seed = 0xbdd89aa982704029ull;
    const unsigned __int128 r = static_cast<unsigned __int128>(seed ^ kSecret0) * kSecret1;
    return seed ^ static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}();

}  // namespace key_hash_detail

inline std::uint64_t key_hash(std::string_view s) {
    using namespace key_hash_detail;
    const char* p = s.data();
    std::size_t n = s.size();
    const std::uint64_t len = n;
    std::uint64_t seed = kSeed ^ len, a = 0, b = 0;
    if (n <= 16) [[likely]] {
        if (n >= 8) {
            a = load64(p);
            b = load64(p + n - 8);
        } else if (n >= 4) {
            a = load32(p) << 32 | load32(p + n - 4);
            b = a;
        } else if (n > 0) {
            a = std::uint64_t{static_cast<unsigned char>(p[0])} << 56 |
                std::uint64_t{static_cast<unsigned char>(p[n >> 1])} << 32 | static_cast<unsigned char>(p[n - 1]);
        }
    } else {
        for (; n > 16; n -= 16, p += 16) seed = mix(load64(p) ^ kSecret0, load64(p + 8) ^ seed);
        // The last 16 bytes, overlapping bytes already folded in when the length is no multiple of 16.
        a = load64(p + n - 16);
        b = load64(p + n - 8);
    }
    a ^= kSecret1;
    b ^= seed;
    const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    a = static_cast<std::uint64_t>(r);
    b = static_cast<std::uint64_t>(r >> 64);
    return mix(a ^ kSecret0 ^ len, b ^ kSecret1);
}

}  // namespace claimgraph::detail
