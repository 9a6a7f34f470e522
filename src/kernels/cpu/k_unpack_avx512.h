// AVX-512 unpacking of the K super-block types (Q2_K..Q6_K) into the common form of k_superblock.h: 256
// unsigned quants in element order (four 64-byte vectors), 16 group scales and offsets, d and dm. Shared by
// the row kernels (matvec_k_avx512.cpp) and the int8 GEMM (gemm_int8_avx512.cpp); include only from
// *_avx512.cpp files, after simd_avx512.h. The scalar form (unpack_k_superblock) is its reference.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/cpu/k_scales.h"
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
    scales_q2_k(b, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = f16(b.dmin);
    return s;
}

// Q3_K: u = low 2 bits + 4 * high bit (0..7) = q + 4 (scales: k_scales.h).
template <>
inline Unpacked unpack<DType::Q3_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ3_K*>(block);
    Unpacked s;
    const __m512i hmask = broadcast32(b.hmask);
    for (int c = 0; c < 4; ++c) {
        const __m512i low = two_bit_pair(b.qs, c);
        s.u[c] = _mm512_mask_add_epi8(low, high_bits(hmask, 2 * c), low, _mm512_set1_epi8(4));
    }
    scales_q3_k(b, s.sc, s.off);
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
    scales_q6_k(b, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = s.d;
    return s;
}

}  // namespace
}  // namespace loom::kernels
