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
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace claimgraph::detail {

// Blocks of at least this many bytes are mapped; smaller ones use operator new.
inline constexpr std::size_t kMappedBytes = std::size_t{1} << 20;

inline void* allocate_pages(std::size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
}

inline void free_pages(void* p, std::size_t bytes) noexcept { ::munmap(p, bytes); }

// A fresh mapping of `bytes` (whole pages) from an `align` boundary (a
// power of two, whole pages): `align` more reserved, the ends beyond the
// aligned stretch given back. MAP_FAILED when there is no room.
inline void* map_aligned(std::size_t bytes, std::size_t align, int prot, int flags) {
    void* const reserved = ::mmap(nullptr, bytes + align, prot, flags, -1, 0);
    if (reserved == MAP_FAILED) return reserved;
    char* const p = static_cast<char*>(reserved);
    char* const at = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(p) + align - 1) & ~(align - 1));
    if (at != p) ::munmap(p, static_cast<std::size_t>(at - p));
    if (at + bytes != p + bytes + align) ::munmap(at + bytes, static_cast<std::size_t>(p + bytes + align - (at + bytes)));
    return at;
}

// Pages for a buffer read all over again (the settlement window's blocks, a
// radix sort's scratch): from a 2 MB boundary, its whole 2 MB stretches in
// huge pages where the kernel gives them (transparent huge pages, asked for
// with madvise; free_pages lets them go), so that reading a line anywhere in 24 MB of window costs no
// page-table walk. The tail past the last whole stretch stays in small pages:
// a block's few bytes of padding would otherwise fault in 2 MB.
inline constexpr std::size_t kHugePage = std::size_t{2} << 20;
inline void* allocate_huge_pages(std::size_t bytes) {
    if (bytes < kHugePage) return allocate_pages(bytes);
    const std::size_t page = 4096, size = (bytes + page - 1) / page * page;
    void* const at = map_aligned(size, kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    if (at == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(at, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);  // a hint: without it, small pages
#endif
    return at;
}

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

// n zero Ts, in a fixed array (for the per-claim arrays of a batch, written
// once each, on the workers). A mapped array is zero as the OS gives it: a
// vector of n would clear it first, which faults every page in at once on
// the thread that makes it (1M claims, 2 threads: about 20 MB, ≈8 ms when
// the other core had nothing to do).
template <class T>
class ZeroArray {
    // Plain data whose all-zero bytes are its zero value: such a type's
    // objects begin their lives in memory as it is allocated.
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
    ZeroArray() = default;
    explicit ZeroArray(std::size_t n) : size_(n) {
        if (n == 0) return;
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        if (bytes() >= kMappedBytes) {
            data_ = static_cast<T*>(allocate_pages(bytes()));
        } else {
            data_ = static_cast<T*>(::operator new(bytes(), std::align_val_t{alignof(T)}));
            std::memset(static_cast<void*>(data_), 0, bytes());
        }
    }
    ~ZeroArray() { reset(); }
    ZeroArray(ZeroArray&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    ZeroArray& operator=(ZeroArray&& o) noexcept {
        if (this != &o) {
            reset();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    ZeroArray(const ZeroArray&) = delete;
    ZeroArray& operator=(const ZeroArray&) = delete;

    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }
    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T* begin() { return data_; }
    T* end() { return data_ + size_; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }

private:
    std::size_t bytes() const { return size_ * sizeof(T); }
    void reset() noexcept {
        if (data_ == nullptr) return;
        if (bytes() >= kMappedBytes)
            free_pages(data_, bytes());
        else
            ::operator delete(data_, std::align_val_t{alignof(T)});
        data_ = nullptr;
        size_ = 0;
    }
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

// Bytes in mapped pages that are not cleared when made, and a size within
// them: a block of a file read again and again into the same pages (a vector
// would clear what the read overwrites at once, and copy the old bytes over
// whenever a block outgrew the last one).
class PageBytes {
public:
    PageBytes() = default;
    explicit PageBytes(std::size_t capacity) : capacity_(capacity) {
        if (capacity_ > 0) data_ = static_cast<char*>(allocate_huge_pages(capacity_));
    }
    ~PageBytes() {
        if (data_ != nullptr) free_pages(data_, capacity_);
    }
    PageBytes(PageBytes&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), capacity_(std::exchange(o.capacity_, 0)), size_(std::exchange(o.size_, 0)) {}
    PageBytes& operator=(PageBytes&& o) noexcept {
        if (this != &o) {
            PageBytes gone(std::move(*this));
            data_ = std::exchange(o.data_, nullptr);
            capacity_ = std::exchange(o.capacity_, 0);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    PageBytes(const PageBytes&) = delete;
    PageBytes& operator=(const PageBytes&) = delete;

    char* data() { return data_; }
    const char* data() const { return data_; }
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    // n bytes, their contents unspecified (new pages when n is over the capacity).
    void resize_uninitialized(std::size_t n) {
        if (n > capacity_) *this = PageBytes(n);
        size_ = n;
    }

private:
    char* data_ = nullptr;
    std::size_t capacity_ = 0, size_ = 0;
};

}  // namespace claimgraph::detail
