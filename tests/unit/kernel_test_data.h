// Test data for the matmul kernels: random weights of every dtype with sane scales, and activations with an
// outlier. Shared by test_kernels.cpp and test_k_kernels.cpp.
#pragma once

#include <cstddef>
#include <cstring>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/half.h"
#include "tensor/dtype.h"
#include "tensor/quant_blocks.h"
#include "tensor/tensor.h"

namespace loom::test {

inline bool level_available(SimdLevel level) {
    const CpuFeatures& f = cpu_features();
    if (level == SimdLevel::Avx512) return f.has_avx512() && f.avx512_vnni;
    if (level == SimdLevel::Avx2) return f.has_avx2();
    return true;
}

// Offsets of the fp16 scale fields in each block, so random bytes get sane scales.
struct ScaleField {
    size_t offset;
    float lo, hi;
};
inline std::vector<ScaleField> scale_fields(DType type) {
    switch (type) {
        case DType::Q4_0:
            return {{offsetof(BlockQ4_0, d), 0.001f, 0.02f}};
        case DType::Q4_1:
            return {{offsetof(BlockQ4_1, d), 0.001f, 0.02f}, {offsetof(BlockQ4_1, m), -0.1f, 0.1f}};
        case DType::Q5_0:
            return {{offsetof(BlockQ5_0, d), 0.001f, 0.02f}};
        case DType::Q5_1:
            return {{offsetof(BlockQ5_1, d), 0.001f, 0.02f}, {offsetof(BlockQ5_1, m), -0.1f, 0.1f}};
        case DType::Q8_0:
            return {{offsetof(BlockQ8_0, d), 0.0002f, 0.002f}};
        case DType::Q2_K:
            return {{offsetof(BlockQ2_K, d), 0.001f, 0.01f}, {offsetof(BlockQ2_K, dmin), 0.0f, 0.01f}};
        case DType::Q3_K:
            return {{offsetof(BlockQ3_K, d), 0.0005f, 0.002f}};
        case DType::Q4_K:
            return {{offsetof(BlockQ4_K, d), 0.0005f, 0.002f}, {offsetof(BlockQ4_K, dmin), 0.0f, 0.002f}};
        case DType::Q5_K:
            return {{offsetof(BlockQ5_K, d), 0.0002f, 0.001f}, {offsetof(BlockQ5_K, dmin), 0.0f, 0.002f}};
        case DType::Q6_K:
            return {{offsetof(BlockQ6_K, d), 0.0002f, 0.001f}};
        default:
            return {};
    }
}

// A [N, K] weight of `type` with random contents: random quant bytes (every bit pattern occurs) and scales
// in a realistic range; plain types get N(0, 0.1) values.
inline Tensor random_weight(DType type, int64_t N, int64_t K, uint32_t seed) {
    Tensor w = Tensor::zeros(type, {N, K});
    std::mt19937 rng(seed);
    auto* bytes = w.mutable_data_as<uint8_t>();
    std::normal_distribution<float> normal(0.0f, 0.1f);
    const int64_t count = N * K;
    switch (type) {
        case DType::F32:
            for (int64_t i = 0; i < count; ++i) w.mutable_data_as<float>()[i] = normal(rng);
            return w;
        case DType::F16:
            for (int64_t i = 0; i < count; ++i) w.mutable_data_as<uint16_t>()[i] = f32_to_f16(normal(rng));
            return w;
        case DType::BF16:
            for (int64_t i = 0; i < count; ++i) w.mutable_data_as<uint16_t>()[i] = f32_to_bf16(normal(rng));
            return w;
        default:
            break;
    }
    for (uint64_t i = 0; i < w.nbytes(); ++i) bytes[i] = static_cast<uint8_t>(rng());
    const DTypeInfo& info = dtype_info(type);
    const uint64_t blocks = w.nbytes() / info.block_bytes;
    for (const ScaleField& field : scale_fields(type)) {
        std::uniform_real_distribution<float> uniform(field.lo, field.hi);
        for (uint64_t b = 0; b < blocks; ++b) {
            uint16_t h = f32_to_f16(uniform(rng));
            std::memcpy(bytes + b * info.block_bytes + field.offset, &h, 2);
        }
    }
    return w;
}

inline std::vector<float> random_activations(int64_t M, int64_t K, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(M * K));
    for (float& v : x) v = normal(rng);
    x[0] = 7.5f;  // an outlier, as real activations have: stretches one block's int8 scale
    return x;
}

}  // namespace loom::test
