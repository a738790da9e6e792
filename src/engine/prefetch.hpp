// Internal: asking the cache for a range of memory ahead of its use.
#pragma once

#include <cstddef>

namespace claimgraph::detail {

// Every cache line of [p, p + bytes).
inline void prefetch_lines(const void* p, std::size_t bytes) {
    const char* b = static_cast<const char*>(p);
#pragma GCC unroll 4
    for (std::size_t at = 0; at < bytes; at += 64) {
        __builtin_prefetch(b + at);
        // GCC deletes a loop of nothing but prefetches (-ffinite-loops).
        asm volatile("");
    }
}

}  // namespace claimgraph::detail
