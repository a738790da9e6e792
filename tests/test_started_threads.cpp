// A step's threads when the process runs out of them part-way: the exception
// reaches the caller, no work has begun, and nothing hangs or terminates.
#include <catch2/catch.hpp>

#include <atomic>
#include <barrier>
#include <system_error>
#include <thread>

#include "engine/started_threads.hpp"

namespace {

// A std::thread whose construction fails once `left` threads have been made,
// as std::thread's does when the process is out of threads.
struct ScarceThread : std::thread {
    static inline int left = 0;
    template <class F>
    explicit ScarceThread(F&& f) : std::thread((take_one(), std::forward<F>(f))) {}
    static void take_one() {
        if (left-- <= 0) throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    }
};

}  // namespace

TEST_CASE("StartedThreads: a thread that cannot start leaves no work begun and no thread behind", "[threads]") {
    for (int made = 0; made <= 3; ++made) {
        ScarceThread::left = made;
        std::atomic<int> ran{0};
        // The workers meet at a barrier, as --sorted's do: had the threads
        // made so far begun, they would wait for the missing ones for ever.
        std::barrier meet(4);
        auto start = [&] {
            claimgraph::detail::StartedThreads<ScarceThread> threads(4, [&](std::size_t) {
                ++ran;
                meet.arrive_and_wait();
            });
        };
        CHECK_THROWS_AS(start(), std::system_error);
        CHECK(ran == 0);
    }
}

TEST_CASE("StartedThreads: every thread runs once when all start", "[threads]") {
    ScarceThread::left = 4;
    std::atomic<int> ran{0}, sum{0};
    std::barrier meet(4);
    {
        claimgraph::detail::StartedThreads<ScarceThread> threads(4, [&](std::size_t k) {
            ++ran;
            sum += static_cast<int>(k);
            meet.arrive_and_wait();
        });
    }
    CHECK(ran == 4);
    CHECK(sum == 0 + 1 + 2 + 3);
}
