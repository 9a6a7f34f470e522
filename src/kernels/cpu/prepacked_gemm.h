// f32 GEMM against a weight packed once (at model load) into the microkernel's panel layout, so a call does
// no weight packing at all: the encoder's linear layers (y = x W^T + b) over all real tokens of a batch, and
// every linear of the encoder-decoder models (batched decoding: M = sentences x beams, from 1 row up).
//
//   y[m, n] (+)= sum_k x[m, k] * W[n, k] + bias[n]
//   W: [N, K] (one or several stacked weights, e.g. Q, K and V as one [3H, H]), any dtype dequantize_row
//   reads packed layout: [ceil(N / nr)][K][nr] f32, zero-padded past N; tile t holds W rows [t*nr, t*nr + nr)
//
// Threads split the rows of x (each packs only its own rows) when there are enough of them, else the column
// tiles. The scalar reference reads the same layout, so every variant is tested against it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/cpu_features.h"
#include "tensor/tensor.h"

namespace loom {

class PrepackedWeight {
  public:
    int64_t n() const { return n_; }
    int64_t k() const { return k_; }
    int nr() const { return nr_; }
    int64_t tiles() const { return (n_ + nr_ - 1) / nr_; }
    SimdLevel level() const { return level_; }
    bool empty() const { return n_ == 0; }
    const float* panels() const { return storage_.data() + offset_; }  // [tiles][K][nr], 64-byte aligned
    const float* bias() const { return bias_.empty() ? nullptr : bias_.data(); }  // [tiles * nr] or null

  private:
    friend struct PrepackedWeightBuilder;
    int64_t n_ = 0, k_ = 0;
    int nr_ = 0;
    SimdLevel level_ = SimdLevel::Scalar;
    std::vector<float> storage_;
    size_t offset_ = 0;
    std::vector<float> bias_;  // zero-padded to tiles * nr
};

// One weight of a stack: W [rows, K] and its bias [rows] (null: zeros).
struct PrepackPart {
    const Tensor* weight = nullptr;
    const std::vector<float>* bias = nullptr;
};

// Stacks the parts along N and packs them for `level`'s kernel. Throws loom::Error when the parts' K differ,
// a weight is not a matrix or a bias has the wrong size.
PrepackedWeight prepack_weight(std::span<const PrepackPart> parts, SimdLevel level = simd_level());
// One weight W [N, K] (any dtype dequantize_row reads) with its bias [N] (null or empty: none).
PrepackedWeight prepack_weight(const Tensor& weight, const std::vector<float>* bias = nullptr,
                               SimdLevel level = simd_level());

// x: [M, K] (row stride ldx), y: [M, N] (row stride ldy). accumulate: y += x W^T + b (a residual already in
// y).
// rows_done (optional): called once per finished block of rows [m0, m1) of y, on the thread that computed
// it, so row-wise work that follows (an activation, a norm) runs inside the same parallel region instead of
// another one (fewer waits for a descheduled thread on a busy machine).
using RowsDone = std::function<void(int64_t m0, int64_t m1)>;
void prepacked_gemm(const PrepackedWeight& w, const float* x, int64_t ldx, int64_t M, float* y, int64_t ldy,
                    bool accumulate, const RowsDone& rows_done = nullptr);

// The scalar reference over the same layout (tests).
void prepacked_gemm_reference(const PrepackedWeight& w, const float* x, int64_t ldx, int64_t M, float* y,
                              int64_t ldy, bool accumulate);

}  // namespace loom
