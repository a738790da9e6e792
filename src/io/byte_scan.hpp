// Internal: 16 bytes of a JSON line at a time, as the line readers scan them
// (the decoder's fast path and the key pass). The caller guarantees 16
// readable bytes at p (a line is followed by its padding).
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace claimgraph::detail {

#if defined(__SSE2__)
// Bit i set when byte i of the 16 at p is a quote, a backslash or a control
// character (the bytes a string scan stops at); `high` gets the bytes >= 0x80.
inline unsigned special_bytes(const char* p, unsigned& high) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    high = static_cast<unsigned>(_mm_movemask_epi8(x));
    const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    const __m128i slash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);  // x <= 0x1F
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control)));
}
// Bit i set when byte i of the 16 at p equals byte i of the 16 at q.
inline unsigned same_bytes(const char* p, const char* q) {
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                                                                  _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)))));
}
#else
inline unsigned special_bytes(const char* p, unsigned& high) {
    unsigned found = 0;
    high = 0;
    for (unsigned i = 0; i < 16; ++i) {
        const auto b = static_cast<unsigned char>(p[i]);
        if (b >= 0x80) high |= 1u << i;
        if (b == '"' || b == '\\' || b < 0x20) found |= 1u << i;
    }
    return found;
}
inline unsigned same_bytes(const char* p, const char* q) {
    unsigned found = 0;
    for (unsigned i = 0; i < 16; ++i)
        if (p[i] == q[i]) found |= 1u << i;
    return found;
}
#endif

}  // namespace claimgraph::detail
