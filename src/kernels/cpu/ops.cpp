// Scalar implementations of the vector ops. They are memory- or exp-bound on rows of a few thousand
// elements and cost little next to matmul; no SIMD variant until a profile says otherwise.
#include "kernels/cpu/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "tensor/dequantize.h"

namespace loom {

void rmsnorm(float* out, const float* x, const float* weight, int64_t n, float eps) {
    double sum_sq = 0;
    for (int64_t i = 0; i < n; ++i) sum_sq += static_cast<double>(x[i]) * x[i];
    const float inv_rms = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(n) + eps));
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * inv_rms * (weight ? weight[i] : 1.0f);
}

void layernorm(float* out, const float* x, const float* weight, const float* bias, int64_t n, float eps) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(n);
    double sum_sq = 0;  // two passes: the one-pass formula loses precision when |mean| >> std
    for (int64_t i = 0; i < n; ++i) sum_sq += (x[i] - mean) * (x[i] - mean);
    const float inv_std = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(n) + eps));
    const float mean_f = static_cast<float>(mean);
    for (int64_t i = 0; i < n; ++i)
        out[i] = (x[i] - mean_f) * inv_std * (weight ? weight[i] : 1.0f) + (bias ? bias[i] : 0.0f);
}

void softmax(float* x, int64_t n) {
    if (n <= 0) return;
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
    if (max == -std::numeric_limits<float>::infinity()) {  // everything masked: no distribution; all zeros
        std::fill(x, x + n, 0.0f);
        return;
    }
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += x[i];
    }
    const float inv = static_cast<float>(1.0 / sum);  // sum >= 1: the max element contributes exp(0)
    for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void silu(float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
}

void gelu_tanh(float* x, int64_t n) {
    const float sqrt_2_over_pi = 0.7978845608028654f;
    for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        x[i] = 0.5f * v * (1.0f + std::tanh(sqrt_2_over_pi * (v + 0.044715f * v * v * v)));
    }
}

void gelu_erf(float* x, int64_t n) {
    const float inv_sqrt2 = 0.7071067811865476f;
    for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * inv_sqrt2));
}

void add(float* out, const float* a, const float* b, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void mul(float* out, const float* a, const float* b, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void scale(float* x, float s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

float dot(const float* a, const float* b, int64_t n) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
    return static_cast<float>(sum);
}

void embedding_row(const Tensor& table, int64_t row, float* out) {
    if (table.rank() < 2)
        throw Error("embedding_row: table must have rank >= 2, got " + table.shape_string());
    if (row < 0 || row >= table.rows())
        throw Error("embedding_row: row " + std::to_string(row) + " out of range for table " +
                    table.shape_string());
    dequantize_row(table.dtype(), table.row_ptr(row), out, table.dim(-1));
}

}  // namespace loom
