// Internal: an allocator for the batch paths' big arrays (a key index, row
// places, result blocks) that takes large blocks straight from the OS.
//
// Why: a vector grown by doubling holds up to twice its size, and in the heap
// that whole capacity becomes resident as it is copied; freed, it often stays
// in the process (the heap only shrinks from its top, and glibc raises its
// mmap threshold after each large free). Mapped pages that are never written
// cost nothing, and unmapped pages go back to the OS at once, so a run's peak
// memory is what it actually holds.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace claimgraph::detail {

// Blocks of at least this many bytes are mapped; smaller ones use operator new.
inline constexpr std::size_t kMappedBytes = std::size_t{1} << 20;

inline void* allocate_pages(std::size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
}

inline void free_pages(void* p, std::size_t bytes) noexcept { ::munmap(p, bytes); }

template <class T>
struct PageAllocator {
    using value_type = T;
    PageAllocator() = default;
    template <class U>
    PageAllocator(const PageAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        const std::size_t bytes = n * sizeof(T);
        if (bytes >= kMappedBytes) return static_cast<T*>(allocate_pages(bytes));
        return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        const std::size_t bytes = n * sizeof(T);
        if (bytes >= kMappedBytes)
            free_pages(p, bytes);
        else
            ::operator delete(p, std::align_val_t{alignof(T)});
    }
    template <class U>
    bool operator==(const PageAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace claimgraph::detail
