// Dispatch of the vectorised elementwise ops; the scalar level is the reference itself.
#include "kernels/cpu/vec_ops.h"

#include <cmath>

#include "kernels/cpu/ops.h"

namespace loom {

void gelu_erf_variant(SimdLevel level, float* x, int64_t n) {
    if (level == SimdLevel::Avx512) return kernels::gelu_erf_avx512(x, n);
    if (level == SimdLevel::Avx2) return kernels::gelu_erf_avx2(x, n);
    gelu_erf(x, n);
}

void gelu_erf_fast(float* x, int64_t n) {
    gelu_erf_variant(simd_level(), x, n);
}

void silu_variant(SimdLevel level, float* x, int64_t n) {
    if (level == SimdLevel::Avx512) return kernels::silu_avx512(x, n);
    if (level == SimdLevel::Avx2) return kernels::silu_avx2(x, n);
    silu(x, n);
}

void silu_fast(float* x, int64_t n) {
    silu_variant(simd_level(), x, n);
}

void gelu_tanh_variant(SimdLevel level, float* x, int64_t n) {
    if (level == SimdLevel::Avx512) return kernels::gelu_tanh_avx512(x, n);
    if (level == SimdLevel::Avx2) return kernels::gelu_tanh_avx2(x, n);
    gelu_tanh(x, n);
}

void gelu_tanh_fast(float* x, int64_t n) {
    gelu_tanh_variant(simd_level(), x, n);
}

void exp_variant(SimdLevel level, const float* x, float* out, int64_t n) {
    if (level == SimdLevel::Avx512) return kernels::exp_avx512(x, out, n);
    if (level == SimdLevel::Avx2) return kernels::exp_avx2(x, out, n);
    for (int64_t i = 0; i < n; ++i) out[i] = std::exp(x[i]);
}

void layernorm_rows_variant(SimdLevel level, float* out, const float* x, const float* weight,
                            const float* bias, int64_t rows, int64_t n, float eps) {
    if (level == SimdLevel::Avx512) return kernels::layernorm_rows_avx512(out, x, weight, bias, rows, n, eps);
    for (int64_t r = 0; r < rows; ++r) layernorm(out + r * n, x + r * n, weight, bias, n, eps);
}

}  // namespace loom
