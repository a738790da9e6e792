// Internal: threads kept for the steps of a pass, started all or none.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/first_failure.hpp"

namespace claimgraph::detail {

// A pass of many short steps (a block of lines each) started threads for
// every step: 566 on a 1M-claim file on one worker, ~35 µs each. These are
// started once for the pass, then each step wakes as many as it needs.
//
// The threads are all made before any step can run: when the process is
// out of threads, std::thread's constructor throws, the ones already made
// are stopped and joined, and the exception reaches the caller with no work
// begun (as with StartedThreads). `Thread` is std::thread but for the tests,
// which make one that fails to start.
template <class Thread = std::thread>
class BasicStepThreads {
public:
    explicit BasicStepThreads(std::size_t count) : slots_(std::make_unique<Slot[]>(count)) {
        threads_.reserve(count);
        try {
            for (std::size_t k = 0; k < count; ++k) threads_.emplace_back([this, k] { serve(k); });
        } catch (...) {
            stop();
            throw;
        }
    }
    BasicStepThreads(const BasicStepThreads&) = delete;
    BasicStepThreads& operator=(const BasicStepThreads&) = delete;
    ~BasicStepThreads() { stop(); }

    std::size_t size() const { return threads_.size(); }

    // One step: fn(k) on thread k for k in [0, used) while beside() runs on
    // the calling thread; returns when all have finished, rethrowing the
    // first exception of any of them. Threads past `used` stay asleep, so a
    // step has no more runnable threads than it asks for. One step at a time.
    template <class F, class Beside>
    void run(std::size_t used, F&& fn, Beside&& beside) {
        if (used > threads_.size()) throw std::invalid_argument("BasicStepThreads::run: more threads than the crew has");
        step_ = [](void* f, std::size_t k) { (*static_cast<std::remove_reference_t<F>*>(f))(k); };
        step_fn_ = const_cast<void*>(static_cast<const void*>(&fn));
        busy_.store(static_cast<std::uint32_t>(used), std::memory_order_relaxed);
        for (std::size_t k = 0; k < used; ++k) wake(k);
        failure_.guard(beside);
        for (std::uint32_t b = busy_.load(std::memory_order_acquire); b != 0; b = busy_.load(std::memory_order_acquire))
            busy_.wait(b, std::memory_order_acquire);
        failure_.rethrow_once();
    }

private:
    // A thread's own word, bumped to hand it a step (or to stop it), on a
    // cache line of its own: one thread woken, not all of them.
    struct alignas(64) Slot {
        std::atomic<std::uint32_t> go{0};
    };

    void wake(std::size_t k) {
        // The release orders step_, step_fn_ and busy_ (or stopping_) before the thread's acquire of go.
        slots_[k].go.fetch_add(1, std::memory_order_release);
        slots_[k].go.notify_one();
    }

    void serve(std::size_t k) {
        std::atomic<std::uint32_t>& go = slots_[k].go;
        for (std::uint32_t seen = 0;;) {
            go.wait(seen, std::memory_order_acquire);
            seen = go.load(std::memory_order_acquire);
            if (stopping_) return;
            failure_.guard([&] { step_(step_fn_, k); });
            if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) busy_.notify_one();
        }
    }

    // Every thread made so far told to stop, and joined.
    void stop() {
        stopping_ = true;
        for (std::size_t k = 0; k < threads_.size(); ++k) wake(k);
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }

    std::unique_ptr<Slot[]> slots_;
    std::vector<Thread> threads_;
    void (*step_)(void*, std::size_t) = nullptr;
    void* step_fn_ = nullptr;
    std::atomic<std::uint32_t> busy_{0};  // threads of this step not yet finished
    bool stopping_ = false;               // written before the wake, read after it
    FirstFailure failure_;
};

using StepThreads = BasicStepThreads<>;

}  // namespace claimgraph::detail
