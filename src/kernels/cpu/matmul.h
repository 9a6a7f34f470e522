// Matrix multiplication against a weight matrix of any dtype: the one kernel every Linear layer calls.
//
//   y[m, n] = sum_k x[m, k] * W[n, k]
//   W: [N, K] row-major, any dtype for which matmul_supports() is true (rows of quantized blocks along K)
//   x: [M, K] f32, row m at x + m * ldx;   y: [M, N] f32, row m at y + m * ldy
//
// M = 1 (generation) streams W once at memory bandwidth; M > 1 (prefill) reuses each weight block across
// rows of x. Work is split over N (and over M when N alone cannot feed every thread) with parallel_for.
// The variant (scalar / AVX2 / AVX-512) is chosen once from simd_level().
#pragma once

#include <cstdint>
#include <string>

#include "core/cpu_features.h"
#include "tensor/tensor.h"

namespace loom {

// Contiguous x [M, K] and y [M, N]. Throws loom::Error for an unsupported dtype or a W of rank < 2.
void matmul(const Tensor& W, const float* x, float* y, int64_t M);

// Strided rows: ldx >= K, ldy >= N (in floats), e.g. to write into a slice of a wider output.
void matmul(const Tensor& W, const float* x, int64_t ldx, float* y, int64_t ldy, int64_t M);

// The same computation with the variant forced (tests and benchmarks). Throws loom::Error when `level` is
// above what this CPU runs. A dtype without a kernel at `level` uses the best lower level that has one.
void matmul_variant(SimdLevel level, const Tensor& W, const float* x, int64_t ldx, float* y, int64_t ldy,
                    int64_t M);

bool matmul_supports(DType type);

// How quantized weights meet the activations. Fast (default): the row kernels quantize x to int8 blocks so
// the inner loop is an integer dot, as llama.cpp does (error ~1e-3 relative). F32: every quantized weight is
// dequantized to f32 and multiplied with f32 activations, as a reference that dequantizes the file (e.g.
// transformers loading a GGUF) computes: slower, but logits then match it to f32 rounding and greedy
// continuations token for token. Process-wide; set it before running a model, not during.
enum class ActivationPrecision { Fast, F32 };
void set_activation_precision(ActivationPrecision precision);
ActivationPrecision activation_precision();

// Which kernel matmul_variant(level, W of `type`, M rows) runs, e.g. "avx512 int8-dot", "avx2 gemm-f32",
// "scalar" (tests check that a forced level really runs its own code; benchmarks print it).
std::string matmul_kernel_name(SimdLevel level, DType type, int64_t M);

}  // namespace loom
