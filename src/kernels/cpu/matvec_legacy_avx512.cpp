// AVX-512 VNNI row kernels for the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) against
// activations quantized to Q8_32 (act_quant.h). Per block b of a row:
//   dot_b = sum_i wq_i * xq_i                      (vpdpbusd: unsigned weight bytes x signed activations)
//   y    += dw_b * dx_b * dot_b + c * (wm_b * sdx_b)
// where wq are the stored quants (0..15 / 0..31 for the 4/5-bit types, signed for Q8_0), and the second term
// folds the offset in: c = -8 with wm = dw (Q4_0), -16 (Q5_0), +1 with wm = m (Q4_1, Q5_1), 0 for Q8_0.
// Blocks go in groups of 8: eight scales are converted in one vcvtph2ps; two blocks fill one 512-bit dot.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

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

// dot products of blocks a, b with 64 activation quants: int32 lanes 0-7 belong to a, 8-15 to b.
template <DType T>
inline __m512i dot_pair(const typename Traits<T>::Block& a, const typename Traits<T>::Block& b, __m512i xq) {
    const __m512i zero = _mm512_setzero_si512();
    if constexpr (T == DType::Q8_0) {
        const __m512i w = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs))),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)), 1);
        // vpdpbusd needs one unsigned operand: |w| times x with w's sign moved onto x (|x| <= 127: no
        // overflow).
        const __m512i x_signed = _mm512_mask_sub_epi8(xq, _mm512_movepi8_mask(w), zero, xq);
        return _mm512_dpbusd_epi32(zero, _mm512_abs_epi8(w), x_signed);
    } else {
        __m512i w = unpack_nibbles(a.qs, b.qs);
        if constexpr (T == DType::Q5_0 || T == DType::Q5_1) {
            uint32_t ha, hb;  // bit i = fifth bit of element i
            std::memcpy(&ha, a.qh, 4);
            std::memcpy(&hb, b.qh, 4);
            const __mmask64 high = _cvtu64_mask64(ha | (static_cast<uint64_t>(hb) << 32));
            w = _mm512_mask_add_epi8(w, high, w, _mm512_set1_epi8(16));
        }
        return _mm512_dpbusd_epi32(zero, w, xq);
    }
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

// Eight blocks of one W row against eight activation blocks; accumulates into acc (4 chains) and corr.
template <DType T>
inline void group8(const typename Traits<T>::Block* blk, const int8_t* xq, const float* dx, const float* sdx,
                   __m512 acc[4], __m256& corr) {
    const __m256 dw = _mm256_cvtph_ps(gather_d<T>(blk));
    const __m512 scale = _mm512_castps256_ps512(_mm256_mul_ps(dw, _mm256_loadu_ps(dx)));  // lanes 0-7
    if constexpr (Traits<T>::c != 0)
        corr = _mm256_fmadd_ps(T == DType::Q4_1 || T == DType::Q5_1 ? _mm256_cvtph_ps(gather_m<T>(blk)) : dw,
                               _mm256_loadu_ps(sdx), corr);
    for (int p = 0; p < 4; ++p) {
        const __m512i dot = dot_pair<T>(blk[2 * p], blk[2 * p + 1], _mm512_loadu_si512(xq + 64 * p));
        // lanes 0-7 take block 2p's scale, lanes 8-15 block 2p+1's
        const __m512i pick = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi32(2 * p)),
                                                _mm256_set1_epi32(2 * p + 1), 1);
        acc[p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(pick, scale), acc[p]);
    }
}

template <DType T>
float dot_row(const typename Traits<T>::Block* blk, const Q8_32Row& x, int64_t n_blocks) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    __m256 corr = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 8 <= n_blocks; b += 8) group8<T>(blk + b, x.qs + 32 * b, x.d + b, x.sd + b, acc, corr);
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
    const __m512 sum = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
    float result = hsum512(sum);
    if constexpr (Traits<T>::c != 0) result += Traits<T>::c * hsum512(_mm512_castps256_ps512(corr));
    return result;
}

template <DType T>
void q8_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0,
             int64_t n1) {
    const int64_t n_blocks = w.K / 32;
    for (int64_t n = n0; n < n1; ++n) {
        const auto* blk = reinterpret_cast<const typename Traits<T>::Block*>(w.row(n));
        for (int64_t m = 0; m < M; ++m)
            y[m * ldy + n] = dot_row<T>(blk, q8_32_row(x.data + m * x.row_bytes, w.K), n_blocks);
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
