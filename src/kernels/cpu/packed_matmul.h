// Matmul against a weight repacked once, at load, for the broadcast GEMM: no per-call packing, so it pays
// from a handful of rows up (batched decoding: M = sentences x beams) as well as for tall M (encoders).
//
//   y[m, n] = sum_k x[m, k] * W[n, k]
//   PackedWeight::panels: [ceil(N / 32)][K][32] f32 — column panels of 32 W rows, k-major, zero-padded
//   past N. Per k the kernel loads 32 weights (two vectors) and broadcasts one x value per row, so an
//   8 x 32 tile of y stays in 16 registers and W is read from memory once per call.
//
// The packed copy is f32 whatever the stored dtype (callers pack only float types: F32 / F16 / BF16, for
// which the copy is 1x / 2x the file's bytes). AVX-512 only; packed_matmul_reference is the scalar
// definition every variant is tested against (tests/unit/test_packed_matmul.cpp).
#pragma once

#include <cstdint>
#include <memory>

#include "tensor/tensor.h"

namespace loom {

struct PackedWeight {
    static constexpr int64_t kPanel = 32;  // W rows per panel
    int64_t N = 0, K = 0;
    std::shared_ptr<float[]> panels;  // [ceil(N / kPanel)][K][kPanel], 64-byte aligned
    bool empty() const { return panels == nullptr; }
};

// Whether packed_matmul runs on this CPU (AVX-512) and pays for a weight of this dtype (float types).
bool packed_matmul_available(DType type);

// W: [N, K] of any dtype matmul supports -> f32 panels. Throws loom::Error for rank < 2.
PackedWeight pack_weight(const Tensor& W);

// y: [M, N] (row stride ldy) = x: [M, K] (row stride ldx) times W^T; split over panels with parallel_for.
// Throws loom::Error when packed_matmul_available() is false or strides are short.
void packed_matmul(const PackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy, int64_t M);

// The scalar definition (double accumulation), reading the same panels.
void packed_matmul_reference(const PackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy,
                             int64_t M);

namespace kernels {
// AVX-512 body over panels [p0, p1) (packed_matmul_avx512.cpp).
void packed_matmul_avx512(const PackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy,
                          int64_t M, int64_t p0, int64_t p1);
}  // namespace kernels

}  // namespace loom
