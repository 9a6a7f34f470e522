// Small f32 vector operations the model code composes around matmul. All take row lengths in elements;
// `out` may be the same buffer as an input (in-place use is allowed everywhere).
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace loom {

// out = x / sqrt(mean(x^2) + eps) * weight          weight: [n], or nullptr for no gain
void rmsnorm(float* out, const float* x, const float* weight, int64_t n, float eps);

// out = (x - mean) / sqrt(var + eps) * weight + bias   (biased variance, as PyTorch LayerNorm)
// weight / bias: [n] or nullptr (gain 1 / no bias)
void layernorm(float* out, const float* x, const float* weight, const float* bias, int64_t n, float eps);

// x = exp(x - max) / sum(exp(x - max)), in place. -inf entries (masked positions) become 0.
void softmax(float* x, int64_t n);

// In place: silu(x) = x * sigmoid(x).
void silu(float* x, int64_t n);
// In place: GELU, tanh approximation ("gelu_new", "gelu_pytorch_tanh": GPT-2).
void gelu_tanh(float* x, int64_t n);
// In place: exact GELU, 0.5 * x * (1 + erf(x / sqrt(2))) (BERT, "gelu").
void gelu_erf(float* x, int64_t n);

void add(float* out, const float* a, const float* b, int64_t n);  // out = a + b
void mul(float* out, const float* a, const float* b, int64_t n);  // out = a * b (elementwise)
void scale(float* x, float s, int64_t n);                         // x *= s
float dot(const float* a, const float* b, int64_t n);

// out[0 .. dim(-1)) = row `row` of `table` ([rows, dim], any dtype matmul supports), dequantized to f32.
// Throws loom::Error when row is out of range.
void embedding_row(const Tensor& table, int64_t row, float* out);

}  // namespace loom
