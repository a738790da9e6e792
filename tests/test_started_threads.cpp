// A step's threads when the process runs out of them part-way: the exception
// reaches the caller, no work has begun, and nothing hangs or terminates. And
// the crew a pass keeps for its steps (StepThreads): each step on the threads
// it asks for, failures rethrown, the crew whole afterwards.
#include <catch2/catch.hpp>

#include <atomic>
#include <barrier>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "engine/started_threads.hpp"
#include "engine/step_threads.hpp"

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

TEST_CASE("StepThreads: a thread that cannot start stops the ones made, and the exception reaches the caller", "[threads]") {
    for (int made = 0; made <= 3; ++made) {
        ScarceThread::left = made;
        CHECK_THROWS_AS(claimgraph::detail::BasicStepThreads<ScarceThread>(4), std::system_error);
    }
}

TEST_CASE("StepThreads: made and let go with no step run", "[threads]") {
    ScarceThread::left = 3;
    claimgraph::detail::BasicStepThreads<ScarceThread> crew(3);
    CHECK(crew.size() == 3);
}

TEST_CASE("StepThreads: each step runs on the threads it asks for, beside the caller", "[threads]") {
    ScarceThread::left = 3;
    claimgraph::detail::BasicStepThreads<ScarceThread> crew(3);
    const auto caller = std::this_thread::get_id();
    for (std::size_t step = 0; step < 200; ++step) {
        const std::size_t used = step % 4;
        std::vector<std::atomic<int>> ran(3);
        std::atomic<int> elsewhere{0}, beside{0};
        crew.run(
            used,
            [&](std::size_t k) {
                ran[k].fetch_add(1);
                if (std::this_thread::get_id() != caller) elsewhere.fetch_add(1);
            },
            [&] { beside.fetch_add(1); });
        for (std::size_t k = 0; k < 3; ++k) REQUIRE(ran[k].load() == (k < used ? 1 : 0));
        REQUIRE(elsewhere.load() == static_cast<int>(used));
        REQUIRE(beside.load() == 1);
    }
    CHECK_THROWS_AS(crew.run(4, [](std::size_t) {}, [] {}), std::invalid_argument);
}

TEST_CASE("StepThreads: a step's exception comes out once all have finished, and the crew runs on", "[threads]") {
    ScarceThread::left = 2;
    claimgraph::detail::BasicStepThreads<ScarceThread> crew(2);
    std::atomic<int> ran{0};
    // On a crew thread: the other thread and the caller still finish their part.
    CHECK_THROWS_WITH(crew.run(
                          2,
                          [&](std::size_t k) {
                              ++ran;
                              if (k == 1) throw std::runtime_error("thread failed");
                          },
                          [&] { ++ran; }),
                      "thread failed");
    CHECK(ran == 3);
    // On the caller: the crew's threads are waited for before it comes out.
    ran = 0;
    CHECK_THROWS_WITH(crew.run(2, [&](std::size_t) { ++ran; }, [] { throw std::runtime_error("caller failed"); }),
                      "caller failed");
    CHECK(ran == 2);
    // The failure is not carried into the next step.
    ran = 0;
    crew.run(2, [&](std::size_t) { ++ran; }, [&] { ++ran; });
    CHECK(ran == 3);
}
