// AVX2 elementwise ops: 8 lanes, the tail through a small buffer.
#include <algorithm>

#include "kernels/cpu/vec_math_avx2.h"
#include "kernels/cpu/vec_ops.h"

namespace loom::kernels {
namespace {

template <typename Op>
void map8(const float* x, float* out, int64_t n, Op op) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, op(_mm256_loadu_ps(x + i)));
    if (i < n) {
        float tail[8] = {};
        std::copy(x + i, x + n, tail);
        _mm256_storeu_ps(tail, op(_mm256_loadu_ps(tail)));
        std::copy(tail, tail + (n - i), out + i);
    }
}

// x / (1 + e^-z) for z = scale * (x + cubic * x^3): SiLU (scale 1, cubic 0) and the tanh GELU.
inline __m256 x_sigmoid256(__m256 x, float scale, float cubic) {
    __m256 z = x;
    if (cubic != 0) z = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(cubic), x), _mm256_mul_ps(x, x), x);
    if (scale != 1) z = _mm256_mul_ps(z, _mm256_set1_ps(scale));
    const __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), z));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

}  // namespace

void silu_avx2(float* x, int64_t n) {
    map8(x, x, n, [](__m256 v) { return x_sigmoid256(v, 1.0f, 0.0f); });
}

void gelu_tanh_avx2(float* x, int64_t n) {
    map8(x, x, n, [](__m256 v) { return x_sigmoid256(v, 2.0f * 0.7978845608028654f, 0.044715f); });
}

void gelu_erf_avx2(float* x, int64_t n) {
    map8(x, x, n, [](__m256 v) { return gelu_erf256(v); });
}

void exp_avx2(const float* x, float* out, int64_t n) {
    map8(x, out, n, [](__m256 v) { return exp256(v); });
}

}  // namespace loom::kernels
