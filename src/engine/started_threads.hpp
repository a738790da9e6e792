// Internal: a step's threads, started all or none.
#pragma once

#include <cstddef>
#include <latch>
#include <thread>
#include <utility>
#include <vector>

namespace claimgraph::detail {

// Runs fn(k) for k in [0, count) on threads of their own, none of them before
// every thread exists. When the process is out of threads, std::thread's
// constructor throws; the threads already made then return without running
// fn, are joined, and the exception goes to the caller with no work begun.
// Starting each thread's work at once instead would leave either joinable
// threads behind (std::terminate when the vector of them is destroyed) or
// workers waiting at a barrier for one that never came (a hang). `Thread` is
// std::thread but for the tests, which make one that fails to start.
template <class Thread = std::thread>
class StartedThreads {
public:
    template <class F>
    StartedThreads(std::size_t count, F fn) {
        threads_.reserve(count);
        try {
            for (std::size_t k = 0; k < count; ++k)
                threads_.emplace_back([this, fn, k] {
                    go_.wait();
                    if (!abandoned_) fn(k);
                });
        } catch (...) {
            abandoned_ = true;  // written before count_down, which wait() synchronizes with
            go_.count_down();
            join();
            throw;
        }
        go_.count_down();
    }
    StartedThreads(const StartedThreads&) = delete;
    StartedThreads& operator=(const StartedThreads&) = delete;
    ~StartedThreads() { join(); }

    void join() {
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }

private:
    std::latch go_{1};
    bool abandoned_ = false;
    std::vector<Thread> threads_;
};

}  // namespace claimgraph::detail
