// Vectorised elementwise ops (exp, exact and tanh GELU, SiLU, LayerNorm rows) shared by the decoder, encoder
// and encoder-decoder paths, chosen from simd_level(). The scalar references are std::exp and ops.h's
// gelu_erf / gelu_tanh / silu / layernorm; the *_variant calls force a level for the tests.
#pragma once

#include <cstdint>

#include "core/cpu_features.h"

namespace loom {

// In place: 0.5 x (1 + erf(x / sqrt 2)); |difference to gelu_erf| <= 1e-6 (tested).
void gelu_erf_fast(float* x, int64_t n);
void gelu_erf_variant(SimdLevel level, float* x, int64_t n);

// In place: x * sigmoid(x) = x / (1 + e^-x); relative difference to silu a few float ulps (tested).
void silu_fast(float* x, int64_t n);
void silu_variant(SimdLevel level, float* x, int64_t n);

// In place: the tanh GELU, computed as x * sigmoid(2 y) with y = sqrt(2 / pi) (x + 0.044715 x^3) (the same
// function as 0.5 x (1 + tanh y), without the cancellation of 1 + tanh near -1); tested against gelu_tanh.
void gelu_tanh_fast(float* x, int64_t n);
void gelu_tanh_variant(SimdLevel level, float* x, int64_t n);

// out[i] = exp(x[i]) (-inf -> 0); relative error a few float ulps (tested).
void exp_variant(SimdLevel level, const float* x, float* out, int64_t n);

// LayerNorm of `rows` rows of n (x and out [rows, n], may alias): (x - mean) / sqrt(var + eps) * weight +
// bias, two passes over each row in float lanes (the reference, layernorm in ops.h, sums in double; tested
// within 1e-5). weight and bias: [n], bias may be null.
void layernorm_rows_variant(SimdLevel level, float* out, const float* x, const float* weight,
                            const float* bias, int64_t rows, int64_t n, float eps);

namespace kernels {
void gelu_erf_avx512(float* x, int64_t n);
void gelu_erf_avx2(float* x, int64_t n);
void exp_avx512(const float* x, float* out, int64_t n);
void silu_avx512(float* x, int64_t n);
void silu_avx2(float* x, int64_t n);
void gelu_tanh_avx512(float* x, int64_t n);
void gelu_tanh_avx2(float* x, int64_t n);
void exp_avx2(const float* x, float* out, int64_t n);
void layernorm_rows_avx512(float* out, const float* x, const float* weight, const float* bias, int64_t rows,
                           int64_t n, float eps);
}  // namespace kernels

}  // namespace loom
