// Vector ops against values from their definitions (double-precision formulas, and published constants).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "kernels/cpu/ops.h"
#include "tensor/dequantize.h"

using namespace loom;

namespace {

std::vector<float> random_vector(int64_t n, uint32_t seed, float mean = 0.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(mean, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = normal(rng);
    return v;
}

TEST(Ops, RmsnormMatchesDefinition) {
    const int64_t n = 577;
    std::vector<float> x = random_vector(n, 1), w = random_vector(n, 2), out(n);
    rmsnorm(out.data(), x.data(), w.data(), n, 1e-5f);
    double ms = 0;
    for (float v : x) ms += static_cast<double>(v) * v;
    const double inv = 1.0 / std::sqrt(ms / n + 1e-5);
    for (int64_t i = 0; i < n; ++i)
        EXPECT_NEAR(out[i], x[i] * inv * w[i], 1e-5 * std::fabs(x[i] * inv * w[i]) + 1e-7);
    rmsnorm(x.data(), x.data(), nullptr, n, 1e-5f);  // in place, no gain
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(x[i], out[i] / w[i], 1e-4 * std::fabs(out[i] / w[i]) + 1e-6);
}

TEST(Ops, LayernormMatchesDefinitionWithLargeMean) {
    const int64_t n = 768;
    std::vector<float> x = random_vector(n, 3, 1000.0f), w = random_vector(n, 4), b = random_vector(n, 5),
                       out(n);
    layernorm(out.data(), x.data(), w.data(), b.data(), n, 1e-5f);
    double mean = 0, var = 0;
    for (float v : x) mean += v;
    mean /= n;
    for (float v : x) var += (v - mean) * (v - mean);
    var /= n;
    for (int64_t i = 0; i < n; ++i) {
        const double ref = (x[i] - mean) / std::sqrt(var + 1e-5) * w[i] + b[i];
        // x has ~1000 +- 1: f32 storage of x - mean keeps ~1e-4 absolute precision of a unit-variance value.
        EXPECT_NEAR(out[i], ref, 2e-4 * (1 + std::fabs(w[i]))) << i;
    }
}

TEST(Ops, SoftmaxIsStableAndHandlesMasking) {
    std::vector<float> x = {1000.0f, 1001.0f, -std::numeric_limits<float>::infinity(), 999.0f};
    softmax(x.data(), 4);
    const double e1 = std::exp(-1.0), e2 = std::exp(-2.0), z = e1 + 1 + e2;
    EXPECT_NEAR(x[0], e1 / z, 1e-6);
    EXPECT_NEAR(x[1], 1 / z, 1e-6);
    EXPECT_EQ(x[2], 0.0f);
    EXPECT_NEAR(x[3], e2 / z, 1e-6);
    std::vector<float> masked(3, -std::numeric_limits<float>::infinity());
    softmax(masked.data(), 3);
    for (float v : masked) EXPECT_EQ(v, 0.0f);
}

TEST(Ops, ActivationsMatchKnownValues) {
    // Reference values: silu(1) = 1 / (1 + e^-1); Phi(1) = 0.841344746...; gelu_tanh(1) from its formula.
    std::vector<float> v = {1.0f, -2.0f, 0.0f};
    std::vector<float> s = v, ge = v, gt = v;
    silu(s.data(), 3);
    gelu_erf(ge.data(), 3);
    gelu_tanh(gt.data(), 3);
    EXPECT_NEAR(s[0], 0.7310585786300049, 1e-6);
    EXPECT_NEAR(s[1], -2.0 / (1 + std::exp(2.0)), 1e-6);
    EXPECT_EQ(s[2], 0.0f);
    EXPECT_NEAR(ge[0], 0.8413447460685429, 1e-6);
    EXPECT_NEAR(ge[1], -2.0 * 0.022750131948179195, 1e-6);
    const double t1 = 0.5 * (1 + std::tanh(std::sqrt(2 / M_PI) * (1 + 0.044715)));
    EXPECT_NEAR(gt[0], t1, 1e-6);
    EXPECT_NEAR(gt[0], 0.8411919906082768, 1e-6);
    EXPECT_EQ(gt[2], 0.0f);
}

TEST(Ops, ElementwiseAndDot) {
    std::vector<float> a = random_vector(100, 6), b = random_vector(100, 7), out(100);
    add(out.data(), a.data(), b.data(), 100);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(out[i], a[i] + b[i]);
    mul(out.data(), a.data(), b.data(), 100);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(out[i], a[i] * b[i]);
    double ref = 0;
    for (int i = 0; i < 100; ++i) ref += static_cast<double>(a[i]) * b[i];
    EXPECT_NEAR(dot(a.data(), b.data(), 100), ref, 1e-5);
    scale(a.data(), 2.0f, 100);
    EXPECT_EQ(a[5], 2.0f * random_vector(100, 6)[5]);
}

TEST(Ops, EmbeddingRowDequantizesOneRowAndChecksRange) {
    Tensor table = Tensor::zeros(DType::F16, {3, 4});
    for (int i = 0; i < 12; ++i) table.mutable_data_as<uint16_t>()[i] = f32_to_f16(0.5f * i);
    std::vector<float> out(4);
    embedding_row(table, 2, out.data());
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], 0.5f * (8 + i));
    EXPECT_THROW(embedding_row(table, 3, out.data()), Error);
    EXPECT_THROW(embedding_row(table, -1, out.data()), Error);
}

}  // namespace
