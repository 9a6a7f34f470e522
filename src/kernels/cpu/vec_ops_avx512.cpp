// AVX-512 elementwise and row ops: 16 lanes, the tail under a mask.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <cmath>

#include "kernels/cpu/vec_math_avx512.h"
#include "kernels/cpu/vec_ops.h"

namespace loom::kernels {

void gelu_erf_avx512(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(x + i, m, gelu_erf512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

namespace {

// x / (1 + e^-z) for z = scale * (x + cubic * x^3): SiLU (scale 1, cubic 0) and the tanh GELU.
inline __m512 x_sigmoid512(__m512 x, float scale, float cubic) {
    __m512 z = x;
    if (cubic != 0) z = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_set1_ps(cubic), x), _mm512_mul_ps(x, x), x);
    if (scale != 1) z = _mm512_mul_ps(z, _mm512_set1_ps(scale));
    const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), z));  // e^-z, saturating: x / huge -> -0
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

template <typename Op>
inline void map16(float* x, int64_t n, Op op) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(x + i, m, op(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

}  // namespace

void silu_avx512(float* x, int64_t n) {
    map16(x, n, [](__m512 v) { return x_sigmoid512(v, 1.0f, 0.0f); });
}

void gelu_tanh_avx512(float* x, int64_t n) {
    map16(x, n, [](__m512 v) { return x_sigmoid512(v, 2.0f * 0.7978845608028654f, 0.044715f); });
}

void exp_avx512(const float* x, float* out, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(out + i, m, exp512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

void layernorm_rows_avx512(float* out, const float* x, const float* weight, const float* bias, int64_t rows,
                           int64_t n, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * n;
        float* o = out + r * n;
        __m512 sum = _mm512_setzero_ps();
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
            sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(m, xr + i));
        }
        const float mean = hsum512(sum) / static_cast<float>(n);
        const __m512 vmean = _mm512_set1_ps(mean);
        __m512 sq = _mm512_setzero_ps();  // second pass on centred values: no cancellation when |mean| >> std
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
            const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, xr + i), vmean);
            sq = _mm512_fmadd_ps(d, d, sq);
        }
        const __m512 inv_std = _mm512_set1_ps(1.0f / std::sqrt(hsum512(sq) / static_cast<float>(n) + eps));
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
            const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + i), vmean);
            const __m512 b = bias ? _mm512_maskz_loadu_ps(m, bias + i) : _mm512_setzero_ps();
            _mm512_mask_storeu_ps(
                o + i, m,
                _mm512_fmadd_ps(_mm512_mul_ps(d, inv_std), _mm512_maskz_loadu_ps(m, weight + i), b));
        }
    }
}

}  // namespace loom::kernels
