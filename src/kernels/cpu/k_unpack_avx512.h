// AVX-512 unpacking of the K super-block types (Q2_K..Q6_K) into the common form of k_superblock.h: 256
// unsigned quants in element order (four 64-byte vectors), 16 group scales and offsets, d and dm. Shared by
// the row kernels (matvec_k_avx512.cpp) and the int8 GEMM (gemm_int8_avx512.cpp); include only from
// *_avx512.cpp files, after simd_avx512.h. The scalar form (unpack_k_superblock) is its reference.
#pragma once

#include <cstdint>
#include <cstring>

#include "tensor/dtype.h"
#include "tensor/quant_blocks.h"

namespace loom::kernels {
namespace {

// One super-block in the common form above.
struct Unpacked {
    __m512i u[4];  // elements 64c .. 64c + 63 in u[c]
    __m128i sc;    // 16 int8 group scales
    __m256i off;   // 16 int16 group offsets
    float d, dm;
};

inline float f16(uint16_t h) {
    return _cvtsh_ss(h);
}

inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// 32 bytes in both 256-bit halves of a vector.
inline __m512i broadcast32(const uint8_t* p) {
    return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// Bytes whose bit `bit_lo` (lower 32 bytes) / `bit_lo + 1` (upper 32 bytes) is set, for a 32-byte high-bit
// array broadcast to both halves: Q5_K's qh and Q3_K's hmask keep bit e / 32 of element e in byte e % 32.
inline __mmask64 high_bits(__m512i bits, int bit_lo) {
    const __m512i select = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << bit_lo)),
                                              _mm256_set1_epi8(static_cast<char>(1 << (bit_lo + 1))), 1);
    return _mm512_test_epi8_mask(bits, select);
}

// Q4_K / Q5_K: 32 bytes of qs hold sub-block 2c in their low nibbles and 2c + 1 in their high nibbles.
inline __m512i nibble_pair(const uint8_t* qs32) {
    __m512i v = broadcast32(qs32);
    v = _mm512_mask_srli_epi16(v, 0xFFFF0000u, v, 4);  // upper half: the high nibbles
    return _mm512_and_si512(v, _mm512_set1_epi8(0x0F));
}

// Q2_K / Q3_K: chunk c (elements 64c..) reads the 32 bytes of half c / 2 at bit pairs 2(c % 2)*2 and +2.
inline __m512i two_bit_pair(const uint8_t* qs64, int c) {
    const __m512i v = broadcast32(qs64 + 32 * (c / 2));
    const int shift = 4 * (c % 2);
    const __m512i counts =
        _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(shift)),
                           _mm256_set1_epi16(static_cast<short>(shift + 2)), 1);
    return _mm512_and_si512(_mm512_srlv_epi16(v, counts), _mm512_set1_epi8(3));
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

template <DType T>
inline Unpacked unpack(const uint8_t* block);

template <>
inline Unpacked unpack<DType::Q4_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ4_K*>(block);
    Unpacked s;
    for (int c = 0; c < 4; ++c) s.u[c] = nibble_pair(b.qs + 32 * c);
    scales_and_mins_k(b.scales, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = f16(b.dmin);
    return s;
}

template <>
inline Unpacked unpack<DType::Q5_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ5_K*>(block);
    Unpacked s;
    const __m512i qh = broadcast32(b.qh);
    for (int c = 0; c < 4; ++c) {
        const __m512i low = nibble_pair(b.qs + 32 * c);
        s.u[c] = _mm512_mask_add_epi8(low, high_bits(qh, 2 * c), low, _mm512_set1_epi8(16));
    }
    scales_and_mins_k(b.scales, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = f16(b.dmin);
    return s;
}

template <>
inline Unpacked unpack<DType::Q2_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ2_K*>(block);
    Unpacked s;
    for (int c = 0; c < 4; ++c) s.u[c] = two_bit_pair(b.qs, c);
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    s.sc = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
    s.off = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)));
    s.d = f16(b.d);
    s.dm = f16(b.dmin);
    return s;
}

// Q3_K: u = low 2 bits + 4 * high bit (0..7) = q + 4, so off[g] = 4 * sc[g] with dm = d. Its 16 signed 6-bit
// scales: low nibbles of bytes 0-7 (groups 0-7) then their high nibbles (groups 8-15); bit pair g / 4 of
// byte 8 + g % 4 on top; minus 32.
template <>
inline Unpacked unpack<DType::Q3_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ3_K*>(block);
    Unpacked s;
    const __m512i hmask = broadcast32(b.hmask);
    for (int c = 0; c < 4; ++c) {
        const __m512i low = two_bit_pair(b.qs, c);
        s.u[c] = _mm512_mask_add_epi8(low, high_bits(hmask, 2 * c), low, _mm512_set1_epi8(4));
    }
    uint64_t low;
    std::memcpy(&low, b.scales, 8);
    const uint32_t h = load_u32(b.scales + 8);
    const uint64_t low_a = low & 0x0F0F0F0F0F0F0F0Full, low_b = (low >> 4) & 0x0F0F0F0F0F0F0F0Full;
    const uint64_t high_a = (h & 0x03030303u) | (uint64_t{(h >> 2) & 0x03030303u} << 32);
    const uint64_t high_b = ((h >> 4) & 0x03030303u) | (uint64_t{(h >> 6) & 0x03030303u} << 32);
    const __m128i biased = _mm_set_epi64x(static_cast<long long>(low_b | (high_b << 4)),
                                          static_cast<long long>(low_a | (high_a << 4)));
    s.sc = _mm_sub_epi8(biased, _mm_set1_epi8(32));
    s.off = _mm256_slli_epi16(_mm256_cvtepi8_epi16(s.sc), 2);
    s.d = f16(b.d);
    s.dm = s.d;
    return s;
}

// Q6_K: u = q + 32 (0..63), off[g] = 32 * sc[g] with dm = d. Half h: 64 bytes of ql give elements 128h..+63
// (low nibbles) and 128h+64..+127 (high nibbles); the top two bits come from 32 bytes of qh at bit pairs
// 0, 1, 2, 3 for the four runs of 32.
template <>
inline Unpacked unpack<DType::Q6_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ6_K*>(block);
    Unpacked s;
    const __m512i low4 = _mm512_set1_epi8(0x0F), top2 = _mm512_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {
        const __m512i ql = _mm512_loadu_si512(b.ql + 64 * h);
        __m512i qh = broadcast32(b.qh + 32 * h);
        qh = _mm512_mask_srli_epi16(qh, 0xFFFF0000u, qh, 2);  // upper half: the next bit pair down
        s.u[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, low4),
                                     _mm512_and_si512(_mm512_slli_epi16(qh, 4), top2));
        s.u[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                                         _mm512_and_si512(qh, top2));
    }
    s.sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    s.off = _mm256_slli_epi16(_mm256_cvtepi8_epi16(s.sc), 5);
    s.d = f16(b.d);
    s.dm = s.d;
    return s;
}

}  // namespace
}  // namespace loom::kernels
