// The state the machine is in, printed beside benchmark results: this VM's
// end-to-end times move by a third from one minute to the next, and its
// core's speed does not move with them; its memory's latency does (session
// 23, docs/performance.md). Prints three numbers:
//   core    ns per step of a dependent multiply-add chain (the core's speed)
//   memory  ns per load of a random chase over 128 MB (cache and DRAM as
//           shared with whatever else runs on the host)
//   read    GB/s of memchr over 256 MB (streaming bandwidth)
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
    constexpr long kSteps = 40'000'000;
    auto t0 = std::chrono::steady_clock::now();
    std::uint64_t x = 1;
    for (long i = 0; i < kSteps; ++i) x = x * 6364136223846793005u + 1442695040888963407u;
    const double core_ns = seconds_since(t0) * 1e9 / kSteps;
    volatile std::uint64_t sink = x;

    constexpr std::size_t kBytes = std::size_t{256} << 20, kChased = std::size_t{128} << 20, kLine = 64;
    void* const area = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        std::perror("machine_state: mmap");
        return 1;
    }
    char* const mem = static_cast<char*>(area);
    std::memset(mem, 1, kBytes);
    // One random cycle through every cache line of the first 128 MB.
    const std::size_t lines = kChased / kLine;
    std::vector<std::uint32_t> order(lines);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(20261124));
    for (std::size_t i = 0; i < lines; ++i) {
        const std::uint32_t next = order[(i + 1) % lines];
        std::memcpy(mem + std::size_t{order[i]} * kLine, &next, sizeof next);
    }
    constexpr long kLoads = 2'000'000;
    std::uint32_t at = order[0];
    t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < kLoads; ++i) std::memcpy(&at, mem + std::size_t{at} * kLine, sizeof at);
    const double memory_ns = seconds_since(t0) * 1e9 / kLoads;
    sink = at;

    std::memset(mem, 1, kBytes);
    t0 = std::chrono::steady_clock::now();
    const void* const zero = std::memchr(mem, 0, kBytes);
    const double read_gbs = static_cast<double>(kBytes) / seconds_since(t0) / 1e9;
    sink = zero != nullptr;
    (void)sink;
    ::munmap(area, kBytes);
    std::printf("core %.2f ns/step, memory %.0f ns/load, read %.1f GB/s\n", core_ns, memory_ns, read_gbs);
    return 0;
}
