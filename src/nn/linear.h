// Linear layer: y = x W^T (+ b), the weight a view into the model file in any dtype matmul supports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace loom {

class WeightMap;

struct Linear {
    Tensor weight;            // [out, in], any dtype matmul supports (quantized rows along `in`)
    std::vector<float> bias;  // [out] or empty

    int64_t in_features() const { return weight.dim(1); }
    int64_t out_features() const { return weight.dim(0); }

    // y: [M, out] (row stride ldy), x: [M, in] (row stride ldx).
    void forward(const float* x, int64_t ldx, float* y, int64_t ldy, int64_t M) const;
    void forward(const float* x, float* y, int64_t M) const {
        forward(x, in_features(), y, out_features(), M);
    }
};

// Checks a tensor's shape; throws loom::Error "tensor 'name': expected shape [a, b], found [c, d]".
void check_shape(const Tensor& t, const std::string& name, const std::vector<int64_t>& expected);

// A required tensor with the expected shape.
const Tensor& require_tensor(const WeightMap& weights, const std::string& name,
                             const std::vector<int64_t>& shape);
// A required 1-D tensor as f32 values (norm gains, biases: small, copied).
std::vector<float> require_vector(const WeightMap& weights, const std::string& name, int64_t n);
// The same, but an absent tensor gives an empty vector.
std::vector<float> optional_vector(const WeightMap& weights, const std::string& name, int64_t n);

// Weight [out, in] (+ optional bias "<prefix>.bias" when bias_name is not empty).
Linear load_linear(const WeightMap& weights, const std::string& weight_name, int64_t out, int64_t in,
                   const std::string& bias_name = "", bool bias_required = false);

// An [in, out] weight stored transposed (GPT-2's Hugging Face Conv1D) copied into an owned f32 [out, in]
// tensor, so every Linear has the same orientation.
Tensor transpose_to_f32(const Tensor& t);

}  // namespace loom
