// Internal: the first exception of several threads' work.
#pragma once

#include <exception>
#include <mutex>
#include <utility>

namespace claimgraph::detail {

// The first exception of several threads' work, kept to be rethrown once
// they have all finished (a thread must not let one escape).
class FirstFailure {
public:
    template <class F>
    void guard(F&& f) {
        try {
            f();
        } catch (...) {
            std::lock_guard lock(mutex_);
            if (!failure_) failure_ = std::current_exception();
        }
    }
    void rethrow() {
        if (failure_) std::rethrow_exception(failure_);
    }
    // Rethrows it, and forgets it: the next round of work starts clean.
    void rethrow_once() {
        if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    }

private:
    std::exception_ptr failure_;
    std::mutex mutex_;
};

}  // namespace claimgraph::detail
