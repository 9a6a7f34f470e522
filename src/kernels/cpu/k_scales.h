// The group scales and offsets of the K super-block types in the common form of k_superblock.h (16 int8
// scales, 16 int16 offsets), with SSE / AVX2 integer instructions only: shared by the AVX2 and AVX-512
// kernels (include only from *_avx2.cpp / *_avx512.cpp files, after <immintrin.h>).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "tensor/quant_blocks.h"

namespace loom::kernels {
namespace {

inline float f16(uint16_t h) {
    return _cvtsh_ss(h);
}

inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// Q4_K / Q5_K's eight 6-bit scales and mins, packed in 12 bytes, as 16 group scales / offsets (each sub-block
// of 32 is two groups of 16).
inline void scales_and_mins_k(const uint8_t packed[12], __m128i& sc, __m256i& off) {
    const uint32_t a = load_u32(packed), b = load_u32(packed + 4), c = load_u32(packed + 8);
    const uint32_t sc_lo = a & 0x3F3F3F3Fu, min_lo = b & 0x3F3F3F3Fu;
    const uint32_t sc_hi = (c & 0x0F0F0F0Fu) | ((a >> 2) & 0x30303030u);
    const uint32_t min_hi = ((c >> 4) & 0x0F0F0F0Fu) | ((b >> 2) & 0x30303030u);
    const __m128i scales8 = _mm_cvtsi64_si128(static_cast<long long>(sc_lo | (uint64_t{sc_hi} << 32)));
    const __m128i mins8 = _mm_cvtsi64_si128(static_cast<long long>(min_lo | (uint64_t{min_hi} << 32)));
    sc = _mm_unpacklo_epi8(scales8, scales8);
    off = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mins8, mins8));
}

// Q2_K: scale & 15, min >> 4 per group.
inline void scales_q2_k(const BlockQ2_K& b, __m128i& sc, __m256i& off) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    sc = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
    off = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)));
}

// Q3_K: u = low 2 bits + 4 * high bit (0..7) = q + 4, so off[g] = 4 * sc[g] with dm = d. Its 16 signed 6-bit
// scales: low nibbles of bytes 0-7 (groups 0-7) then their high nibbles (groups 8-15); bit pair g / 4 of
// byte 8 + g % 4 on top; minus 32.
inline void scales_q3_k(const BlockQ3_K& b, __m128i& sc, __m256i& off) {
    uint64_t low;
    std::memcpy(&low, b.scales, 8);
    const uint32_t h = load_u32(b.scales + 8);
    const uint64_t low_a = low & 0x0F0F0F0F0F0F0F0Full, low_b = (low >> 4) & 0x0F0F0F0F0F0F0F0Full;
    const uint64_t high_a = (h & 0x03030303u) | (uint64_t{(h >> 2) & 0x03030303u} << 32);
    const uint64_t high_b = ((h >> 4) & 0x03030303u) | (uint64_t{(h >> 6) & 0x03030303u} << 32);
    const __m128i biased = _mm_set_epi64x(static_cast<long long>(low_b | (high_b << 4)),
                                          static_cast<long long>(low_a | (high_a << 4)));
    sc = _mm_sub_epi8(biased, _mm_set1_epi8(32));
    off = _mm256_slli_epi16(_mm256_cvtepi8_epi16(sc), 2);
}

// Q6_K: u = q + 32 (0..63), off[g] = 32 * sc[g] with dm = d.
inline void scales_q6_k(const BlockQ6_K& b, __m128i& sc, __m256i& off) {
    sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    off = _mm256_slli_epi16(_mm256_cvtepi8_epi16(sc), 5);
}

}  // namespace
}  // namespace loom::kernels
