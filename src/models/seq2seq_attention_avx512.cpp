// AVX-512 attend_row (see seq2seq_attention.h): the q . k dots, the softmax (kernels/cpu/vec_math_avx512.h)
// and the weighted sum of values run 16 lanes at a time in f32 (the reference accumulates in double).
// Compiled with the AVX-512 flags; called only where the CPU has them.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <limits>

#include "kernels/cpu/vec_math_avx512.h"
#include "models/seq2seq_attention.h"

namespace loom {

using kernels::exp512;
using kernels::hmax512;
using kernels::hsum512;

namespace {

inline __mmask16 lanes(int64_t remaining) {
    return static_cast<__mmask16>(remaining >= 16 ? 0xFFFF : (1u << remaining) - 1);
}

// x = softmax(x) in place, 16 lanes at a time; all -inf (nothing to attend to) gives zeros, as the
// reference softmax does.
void softmax16(float* x, int64_t n) {
    __m512 mx = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for (int64_t j = 0; j < n; j += 16) mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(mx, lanes(n - j), x + j));
    const float max = hmax512(mx);
    if (max == -std::numeric_limits<float>::infinity()) {
        for (int64_t j = 0; j < n; ++j) x[j] = 0.0f;
        return;
    }
    const __m512 vmax = _mm512_set1_ps(max);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 m = lanes(n - j);
        const __m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), vmax)));
        _mm512_mask_storeu_ps(x + j, m, e);
        sum = _mm512_add_ps(sum, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / hsum512(sum));
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 m = lanes(n - j);
        _mm512_mask_storeu_ps(x + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + j), inv));
    }
}

}  // namespace

void attend_row_avx512(float* out, const float* q, const KeyValueRun& kv, int64_t head_dim, float scale,
                       const float* bias, float* weights) {
    // weights[j] = scale * q . k_j + bias[j], two keys per pass so their FMA chains overlap.
    int64_t j = 0;
    for (; j + 2 <= kv.n; j += 2) {
        const float* k0 = kv.k + j * kv.stride;
        const float* k1 = k0 + kv.stride;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        for (int64_t d = 0; d < head_dim; d += 16) {
            const __mmask16 m = lanes(head_dim - d);
            const __m512 qv = _mm512_maskz_loadu_ps(m, q + d);
            a0 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, k0 + d), a0);
            a1 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, k1 + d), a1);
        }
        weights[j] = scale * hsum512(a0) + (bias ? bias[j] : 0.0f);
        weights[j + 1] = scale * hsum512(a1) + (bias ? bias[j + 1] : 0.0f);
    }
    for (; j < kv.n; ++j) {
        const float* k0 = kv.k + j * kv.stride;
        __m512 a0 = _mm512_setzero_ps();
        for (int64_t d = 0; d < head_dim; d += 16) {
            const __mmask16 m = lanes(head_dim - d);
            a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + d), _mm512_maskz_loadu_ps(m, k0 + d), a0);
        }
        weights[j] = scale * hsum512(a0) + (bias ? bias[j] : 0.0f);
    }
    softmax16(weights, kv.n);
    // out = sum_j w_j v_j, 64 columns at a time in four accumulators (one pass over the values per block).
    for (int64_t d0 = 0; d0 < head_dim; d0 += 64) {
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        __mmask16 m[4];
        for (int c = 0; c < 4; ++c) m[c] = d0 + 16 * c < head_dim ? lanes(head_dim - d0 - 16 * c) : 0;
        for (int64_t jj = 0; jj < kv.n; ++jj) {
            const __m512 w = _mm512_set1_ps(weights[jj]);
            const float* v = kv.v + jj * kv.stride + d0;
            for (int c = 0; c < 4; ++c)
                acc[c] = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(m[c], v + 16 * c), acc[c]);
        }
        for (int c = 0; c < 4; ++c) _mm512_mask_storeu_ps(out + d0 + 16 * c, m[c], acc[c]);
    }
}

}  // namespace loom
