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

}  // namespace

void gelu_erf_avx2(float* x, int64_t n) {
    map8(x, x, n, [](__m256 v) { return gelu_erf256(v); });
}

void exp_avx2(const float* x, float* out, int64_t n) {
    map8(x, out, n, [](__m256 v) { return exp256(v); });
}

}  // namespace loom::kernels
