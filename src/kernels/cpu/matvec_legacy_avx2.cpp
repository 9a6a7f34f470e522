// AVX2 row kernels for the 32-element block types against Q8_32 activations (same algebra as
// matvec_legacy_avx512.cpp): per block, maddubs (unsigned weight bytes x signed activations -> int16 pairs,
// no saturation: |pair sum| <= 2 * 128 * 127) and madd with ones -> 8 int32, scaled by dw * dx into f32.
// The offset term c * wm * sdx (Q4_0: -8 dw, Q5_0: -16 dw, Q4_1/Q5_1: +m) accumulates separately.
#include <immintrin.h>

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

// 32 bits -> 32 bytes, byte i = 0x10 where bit i is set.
inline __m256i bits_to_0x10(uint32_t bits) {
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(static_cast<int>(bits)),
        _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
    const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

// 8 int32 partial dot products of one weight block with 32 activation quants.
template <DType T>
inline __m256i dot_block(const typename Traits<T>::Block& blk, const int8_t* xq) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq));
    const __m256i ones = _mm256_set1_epi16(1);
    if constexpr (T == DType::Q8_0) {
        const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk.qs));
        return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w)), ones);
    } else {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.qs));
        const __m128i low4 = _mm_set1_epi8(0x0F);
        __m256i w = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), low4), _mm_and_si128(v, low4));
        if constexpr (T == DType::Q5_0 || T == DType::Q5_1) {
            uint32_t qh;
            std::memcpy(&qh, blk.qh, 4);
            w = _mm256_or_si256(w, bits_to_0x10(qh));
        }
        return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), ones);
    }
}

template <DType T>
float dot_row(const typename Traits<T>::Block* blk, const Q8_32Row& x, int64_t n_blocks) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float corr = 0;
    for (int64_t b = 0; b < n_blocks; ++b) {
        const float dw = _cvtsh_ss(blk[b].d);
        const __m256 scale = _mm256_set1_ps(dw * x.d[b]);
        const __m256 dot = _mm256_cvtepi32_ps(dot_block<T>(blk[b], x.qs + 32 * b));
        if (b & 1)
            acc1 = _mm256_fmadd_ps(dot, scale, acc1);
        else
            acc0 = _mm256_fmadd_ps(dot, scale, acc0);
        if constexpr (T == DType::Q4_1 || T == DType::Q5_1)
            corr += _cvtsh_ss(blk[b].m) * x.sd[b];
        else if constexpr (Traits<T>::c != 0)
            corr += dw * x.sd[b];
    }
    const __m256 acc = _mm256_add_ps(acc0, acc1);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s) + Traits<T>::c * corr;
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

RowKernel avx2_legacy_row_kernel(DType type) {
    switch (type) {
        case DType::Q4_0:
            return {ActFormat::Q8_32, q8_rows<DType::Q4_0>, "avx2 int8-dot maddubs"};
        case DType::Q4_1:
            return {ActFormat::Q8_32, q8_rows<DType::Q4_1>, "avx2 int8-dot maddubs"};
        case DType::Q5_0:
            return {ActFormat::Q8_32, q8_rows<DType::Q5_0>, "avx2 int8-dot maddubs"};
        case DType::Q5_1:
            return {ActFormat::Q8_32, q8_rows<DType::Q5_1>, "avx2 int8-dot maddubs"};
        case DType::Q8_0:
            return {ActFormat::Q8_32, q8_rows<DType::Q8_0>, "avx2 int8-dot maddubs"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
