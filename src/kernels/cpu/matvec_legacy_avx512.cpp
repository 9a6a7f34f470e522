// AVX-512 VNNI row kernels for the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) against
// activations quantized to Q8_32 (act_quant.h). Per block b of a row:
//   dot_b = sum_i wq_i * xq_i                      (vpdpbusd: unsigned weight bytes x signed activations)
//   y    += dw_b * dx_b * dot_b + c * (wm_b * sdx_b)
// where wq are the stored quants (0..15 / 0..31 for the 4/5-bit types, signed for Q8_0), and the second term
// folds the offset in: c = -8 with wm = dw (Q4_0), -16 (Q5_0), +1 with wm = m (Q4_1, Q5_1), 0 for Q8_0.
// Blocks go in groups of 8: eight scales are converted in one vcvtph2ps; two blocks fill one 512-bit dot.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <algorithm>
#include <cstring>

#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/matmul_kernels.h"
#include "tensor/quant_blocks.h"

namespace loom::kernels {
namespace {

template <DType T>
struct Traits;
template <>
struct Traits<DType::Q4_0> {
    using Block = BlockQ4_0;
    static constexpr float c = -8;
};
template <>
struct Traits<DType::Q4_1> {
    using Block = BlockQ4_1;
    static constexpr float c = 1;
};
template <>
struct Traits<DType::Q5_0> {
    using Block = BlockQ5_0;
    static constexpr float c = -16;
};
template <>
struct Traits<DType::Q5_1> {
    using Block = BlockQ5_1;
    static constexpr float c = 1;
};
template <>
struct Traits<DType::Q8_0> {
    using Block = BlockQ8_0;
    static constexpr float c = 0;
};

// The 16 packed bytes of two 4-bit blocks as 64 bytes 0..15, in element order: [a0..a31, b0..b31].
inline __m512i unpack_nibbles(const uint8_t* qa, const uint8_t* qb) {
    const __m256i v =
        _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qa))),
                                _mm_loadu_si128(reinterpret_cast<const __m128i*>(qb)), 1);  // [qa | qb]
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i lo = _mm256_and_si256(v, low4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);  // [lo a, lo b, hi a, hi b]
    return _mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(3, 1, 2, 0));               // [lo a, hi a, lo b, hi b]
}

// Blocks a, b of one W row as vpdpbusd's unsigned operand, loaded once and reused for every x row of a tile.
struct WeightPair {
    __m512i u;         // 64 unsigned quants: a's 32, then b's
    __mmask64 neg{0};  // Q8_0 only: the signs that were moved off the quants (|w| in u)
};
template <DType T>
inline WeightPair load_pair(const typename Traits<T>::Block& a, const typename Traits<T>::Block& b) {
    if constexpr (T == DType::Q8_0) {
        const __m512i w = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs))),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)), 1);
        return {_mm512_abs_epi8(w), _mm512_movepi8_mask(w)};
    } else {
        __m512i w = unpack_nibbles(a.qs, b.qs);
        if constexpr (T == DType::Q5_0 || T == DType::Q5_1) {
            uint32_t ha, hb;  // bit i = fifth bit of element i
            std::memcpy(&ha, a.qh, 4);
            std::memcpy(&hb, b.qh, 4);
            const __mmask64 high = _cvtu64_mask64(ha | (static_cast<uint64_t>(hb) << 32));
            w = _mm512_mask_add_epi8(w, high, w, _mm512_set1_epi8(16));
        }
        return {w};
    }
}

// dot products of a loaded pair with 64 activation quants: int32 lanes 0-7 belong to a, 8-15 to b.
template <DType T>
inline __m512i dot_loaded(const WeightPair& w, __m512i xq) {
    const __m512i zero = _mm512_setzero_si512();
    if constexpr (T == DType::Q8_0) {
        // vpdpbusd needs one unsigned operand: |w| times x with w's sign moved onto x (|x| <= 127: no
        // overflow).
        return _mm512_dpbusd_epi32(zero, w.u, _mm512_mask_sub_epi8(xq, w.neg, zero, xq));
    } else {
        return _mm512_dpbusd_epi32(zero, w.u, xq);
    }
}

template <DType T>
inline __m512i dot_pair(const typename Traits<T>::Block& a, const typename Traits<T>::Block& b, __m512i xq) {
    return dot_loaded<T>(load_pair<T>(a, b), xq);
}

template <DType T>
inline __m128i gather_d(const typename Traits<T>::Block* blk) {
    return _mm_setr_epi16(blk[0].d, blk[1].d, blk[2].d, blk[3].d, blk[4].d, blk[5].d, blk[6].d, blk[7].d);
}
template <DType T>
inline __m128i gather_m(const typename Traits<T>::Block* blk) {
    if constexpr (T == DType::Q4_1 || T == DType::Q5_1)
        return _mm_setr_epi16(blk[0].m, blk[1].m, blk[2].m, blk[3].m, blk[4].m, blk[5].m, blk[6].m, blk[7].m);
    else
        return gather_d<T>(blk);
}

// Eight blocks of one W row against eight activation blocks of each of R x rows; accumulates into acc[r]
// (4 chains per row) and corr[r]. The W pairs are loaded and unpacked once for all R rows, which is what
// makes prefill (M > 1) cheaper per row than R separate passes. Per row the arithmetic and its order are
// the same for every R, so a row's result does not depend on how many rows share its tile.
template <DType T, int R>
inline void group8(const typename Traits<T>::Block* blk, const Q8_32Row* x, int64_t b, __m512 (*acc)[4],
                   __m256* corr) {
    const __m256 dw = _mm256_cvtph_ps(gather_d<T>(blk));
    if constexpr (Traits<T>::c != 0) {
        const __m256 wm = T == DType::Q4_1 || T == DType::Q5_1 ? _mm256_cvtph_ps(gather_m<T>(blk)) : dw;
        for (int r = 0; r < R; ++r) corr[r] = _mm256_fmadd_ps(wm, _mm256_loadu_ps(x[r].sd + b), corr[r]);
    }
    WeightPair w[4];
    for (int p = 0; p < 4; ++p) w[p] = load_pair<T>(blk[2 * p], blk[2 * p + 1]);
    for (int r = 0; r < R; ++r) {
        const __m512 scale = _mm512_castps256_ps512(_mm256_mul_ps(dw, _mm256_loadu_ps(x[r].d + b)));  // 0-7
        for (int p = 0; p < 4; ++p) {
            const __m512i dot = dot_loaded<T>(w[p], _mm512_loadu_si512(x[r].qs + 32 * (b + 2 * p)));
            // lanes 0-7 take block 2p's scale, lanes 8-15 block 2p+1's
            const __m512i pick = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi32(2 * p)),
                                                    _mm256_set1_epi32(2 * p + 1), 1);
            acc[r][p] =
                _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(pick, scale), acc[r][p]);
        }
    }
}

// The blocks after the last full group of 8 (from block b on), for one x row.
template <DType T>
inline void tail_blocks(const typename Traits<T>::Block* blk, const Q8_32Row& x, int64_t b, int64_t n_blocks,
                        __m512 acc[4], __m256& corr) {
    for (; b + 2 <= n_blocks; b += 2) {  // leftover pairs: two scales broadcast into the two halves
        const float dw0 = _cvtsh_ss(blk[b].d), dw1 = _cvtsh_ss(blk[b + 1].d);
        const __m512 scale =
            _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(dw0 * x.d[b]), _mm512_set1_ps(dw1 * x.d[b + 1]));
        const __m512i dot = dot_pair<T>(blk[b], blk[b + 1], _mm512_loadu_si512(x.qs + 32 * b));
        acc[b & 3] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[b & 3]);
        if constexpr (Traits<T>::c != 0) {
            float wm0 = dw0, wm1 = dw1;
            if constexpr (T == DType::Q4_1 || T == DType::Q5_1)
                wm0 = _cvtsh_ss(blk[b].m), wm1 = _cvtsh_ss(blk[b + 1].m);
            corr = _mm256_fmadd_ps(_mm256_setr_ps(wm0, wm1, 0, 0, 0, 0, 0, 0),
                                   _mm256_setr_ps(x.sd[b], x.sd[b + 1], 0, 0, 0, 0, 0, 0), corr);
        }
    }
    if (b < n_blocks) {
        // A last odd block: paired with a zero block (scale 0) from a local copy, so nothing past the row is
        // read.
        typename Traits<T>::Block wpad[8];
        alignas(64) int8_t qpad[8 * 32];
        float dpad[8] = {}, spad[8] = {};
        std::memset(wpad, 0, 2 * sizeof(wpad[0]));
        std::memset(qpad, 0, 64);
        std::memcpy(wpad, blk + b, sizeof(wpad[0]));
        std::memcpy(qpad, x.qs + 32 * b, 32);
        dpad[0] = x.d[b];
        spad[0] = x.sd[b];
        const float dw0 = _cvtsh_ss(wpad[0].d);
        const __m512 scale = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(dw0 * dpad[0]), _mm512_setzero_ps());
        const __m512i dot = dot_pair<T>(wpad[0], wpad[1], _mm512_load_si512(qpad));
        acc[0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[0]);
        if constexpr (Traits<T>::c != 0) {
            float wm0 = dw0;
            if constexpr (T == DType::Q4_1 || T == DType::Q5_1) wm0 = _cvtsh_ss(wpad[0].m);
            corr = _mm256_fmadd_ps(_mm256_setr_ps(wm0, 0, 0, 0, 0, 0, 0, 0),
                                   _mm256_setr_ps(spad[0], 0, 0, 0, 0, 0, 0, 0), corr);
        }
    }
}

template <DType T>
inline float finish(const __m512 acc[4], __m256 corr) {
    const __m512 sum = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
    float result = hsum512(sum);
    if constexpr (Traits<T>::c != 0) result += Traits<T>::c * hsum256(corr);
    return result;
}

// out[r] = dot(W row blk, x row r) for R rows of x.
template <DType T, int R>
void dot_rows(const typename Traits<T>::Block* blk, const Q8_32Row* x, int64_t n_blocks, float* out) {
    __m512 acc[R][4];
    __m256 corr[R];
    for (int r = 0; r < R; ++r) {
        for (int p = 0; p < 4; ++p) acc[r][p] = _mm512_setzero_ps();
        corr[r] = _mm256_setzero_ps();
    }
    int64_t b = 0;
    for (; b + 8 <= n_blocks; b += 8) group8<T, R>(blk + b, x, b, acc, corr);
    for (int r = 0; r < R; ++r) {
        if (b < n_blocks) tail_blocks<T>(blk, x[r], b, n_blocks, acc[r], corr[r]);
        out[r] = finish<T>(acc[r], corr[r]);
    }
}

// x rows per tile: each W block pair is unpacked once per this many rows (the accumulators, 5 registers a
// row, and the 4 unpacked pairs fit the 32 zmm registers).
constexpr int kTileRows = 4;
// x rows whose quantized data (~K bytes each) stay in L1/L2 while a unit of W rows passes over them.
constexpr int64_t kRowChunk = 32;

template <DType T>
void q8_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0,
             int64_t n1) {
    const int64_t n_blocks = w.K / 32;
    for (int64_t c0 = 0; c0 < M; c0 += kRowChunk) {
        const int64_t c1 = std::min(M, c0 + kRowChunk);
        for (int64_t n = n0; n < n1; ++n) {
            const auto* blk = reinterpret_cast<const typename Traits<T>::Block*>(w.row(n));
            int64_t m = c0;
            for (; m + kTileRows <= c1; m += kTileRows) {
                Q8_32Row rows[kTileRows];
                float out[kTileRows];
                for (int r = 0; r < kTileRows; ++r) rows[r] = q8_32_row(x.data + (m + r) * x.row_bytes, w.K);
                dot_rows<T, kTileRows>(blk, rows, n_blocks, out);
                for (int r = 0; r < kTileRows; ++r) y[(m + r) * ldy + n] = out[r];
            }
            for (; m < c1; ++m) {
                const Q8_32Row row = q8_32_row(x.data + m * x.row_bytes, w.K);
                dot_rows<T, 1>(blk, &row, n_blocks, y + m * ldy + n);
            }
        }
    }
}

}  // namespace

RowKernel avx512_legacy_row_kernel(DType type) {
    switch (type) {
        case DType::Q4_0:
            return {ActFormat::Q8_32, q8_rows<DType::Q4_0>, "avx512 int8-dot vnni"};
        case DType::Q4_1:
            return {ActFormat::Q8_32, q8_rows<DType::Q4_1>, "avx512 int8-dot vnni"};
        case DType::Q5_0:
            return {ActFormat::Q8_32, q8_rows<DType::Q5_0>, "avx512 int8-dot vnni"};
        case DType::Q5_1:
            return {ActFormat::Q8_32, q8_rows<DType::Q5_1>, "avx512 int8-dot vnni"};
        case DType::Q8_0:
            return {ActFormat::Q8_32, q8_rows<DType::Q8_0>, "avx512 int8-dot vnni"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
