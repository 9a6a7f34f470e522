// Horizontal reductions for AVX-512 kernels. (GCC 12's _mm512_reduce_* trip -Wmaybe-uninitialized inside
// the intrinsic headers, so these use lane shuffles that read only defined values.) Include only from
// *_avx512.cpp files: they are compiled with the AVX-512 flags.
#pragma once

// GCC 12 (bug 105593) reports -W(maybe-)uninitialized inside its own AVX-512 intrinsic headers wherever an
// intrinsic uses _mm*_undefined_*(); off for the AVX-512 kernel files only. Include this header first.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstdint>

namespace loom::kernels {
namespace {

// Folds 512 -> 128 bits with `op`, then within the 128 bits.
inline __m128 fold512_ps(__m512 v, __m512 (*op)(__m512, __m512)) {
    v = op(v, _mm512_shuffle_f32x4(v, v, 0x4E));  // swap 256-bit halves
    v = op(v, _mm512_shuffle_f32x4(v, v, 0xB1));  // swap 128-bit lanes within halves
    return _mm512_castps512_ps128(v);
}

inline float hsum512(__m512 v) {
    __m128 s = fold512_ps(v, [](__m512 a, __m512 b) { return _mm512_add_ps(a, b); });
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Sum of the 8 lanes of a 256-bit vector. (Never hsum512(_mm512_castps256_ps512(v)): the cast leaves the upper
// 256 bits undefined, and clang fills them with whatever the register held.)
inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// [sum a, sum b, sum c, sum d]: four horizontal sums sharing their shuffles.
inline __m128 hsum4_512(__m512 a, __m512 b, __m512 c, __m512 d) {
    const __m512 ab =
        _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));  // per lane [a b a b]
    const __m512 cd =
        _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));  // per lane [c d c d]
    const __m512 abcd =
        _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd))),
                      _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(ab),
                                                          _mm512_castps_pd(cd))));  // per lane [a b c d]
    const __m256 half = _mm256_add_ps(_mm512_castps512_ps256(abcd),
                                      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(abcd), 1)));
    return _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
}

inline float hmax512(__m512 v) {
    __m128 s = fold512_ps(v, [](__m512 a, __m512 b) { return _mm512_max_ps(a, b); });
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline int hsum512_epi32(__m512i v) {
    v = _mm512_add_epi32(v, _mm512_shuffle_i32x4(v, v, 0x4E));
    v = _mm512_add_epi32(v, _mm512_shuffle_i32x4(v, v, 0xB1));
    __m128i s = _mm512_castsi512_si128(v);
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

// r[j] lane s -> r[s] lane j, for 16 rows of 16 32-bit lanes: 4 x 4 transposes inside each 128-bit lane
// (unpack epi32, epi64), then a 4 x 4 transpose of the 128-bit lanes (shuffle_i32x4).
inline void transpose16x16_epi32(__m512i (&r)[16]) {
    __m512i t[16];
    for (int j = 0; j < 16; j += 2) {
        t[j] = _mm512_unpacklo_epi32(r[j], r[j + 1]);
        t[j + 1] = _mm512_unpackhi_epi32(r[j], r[j + 1]);
    }
    for (int j = 0; j < 16; j += 4) {  // u[j + c] lane L: column 4L + c of rows j..j+3
        r[j] = _mm512_unpacklo_epi64(t[j], t[j + 2]);
        r[j + 1] = _mm512_unpackhi_epi64(t[j], t[j + 2]);
        r[j + 2] = _mm512_unpacklo_epi64(t[j + 1], t[j + 3]);
        r[j + 3] = _mm512_unpackhi_epi64(t[j + 1], t[j + 3]);
    }
    for (int c = 0; c < 4; ++c) {
        const __m512i p0 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x44), p1 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xEE);
        const __m512i p2 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x44);
        const __m512i p3 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xEE);
        t[c] = _mm512_shuffle_i32x4(p0, p2, 0x88);       // column c
        t[4 + c] = _mm512_shuffle_i32x4(p0, p2, 0xDD);   // column 4 + c
        t[8 + c] = _mm512_shuffle_i32x4(p1, p3, 0x88);   // column 8 + c
        t[12 + c] = _mm512_shuffle_i32x4(p1, p3, 0xDD);  // column 12 + c
    }
    for (int j = 0; j < 16; ++j) r[j] = t[j];
}

// Writes (or, with `accumulate`, adds into) a register tile of R rows x 32 columns of a row-major C: rows past
// m_valid and columns past n_valid are left untouched. Shared by the f32 and int8 GEMM microkernels.
template <int R>
inline void store_tile32(__m512 (&acc)[R][2], float* c, int64_t ldc, bool accumulate, int m_valid,
                         int n_valid) {
    const __mmask16 mask0 = static_cast<__mmask16>(n_valid >= 16 ? 0xFFFF : (1u << n_valid) - 1);
    const __mmask16 mask1 =
        static_cast<__mmask16>(n_valid >= 32 ? 0xFFFF : n_valid <= 16 ? 0 : (1u << (n_valid - 16)) - 1);
    for (int i = 0; i < R && i < m_valid; ++i) {
        float* ci = c + i * ldc;
        if (accumulate) {
            acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(mask0, ci));
            acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(mask1, ci + 16));
        }
        _mm512_mask_storeu_ps(ci, mask0, acc[i][0]);
        _mm512_mask_storeu_ps(ci + 16, mask1, acc[i][1]);
    }
}

}  // namespace
}  // namespace loom::kernels
