// The packed-weight f32 GEMM (kernels/cpu/prepacked_gemm.h), the engine of the encoder and of every
// encoder-decoder linear: each SIMD level this CPU runs and the scalar reference against a double-precision
// dot of the unpacked weights, over row counts around every microkernel's tile (1..13, 16, 25, 40: the
// R-row tails), N around the column tile (1, 31, 33, 64), K across k-blocks (1, 17, 300, 520), stacked
// weights with biases, accumulation into y, strided x / y, F16 and BF16 weights, and nothing written past N.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/half.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/prepacked_gemm.h"

namespace loom {
namespace {

std::vector<SimdLevel> levels_here() {
    std::vector<SimdLevel> out{SimdLevel::Scalar};
    for (SimdLevel l : {SimdLevel::Avx2, SimdLevel::Avx512})
        if (l <= simd_level()) out.push_back(l);
    return out;
}

std::vector<float> random_floats(size_t n, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

// W [rows, cols] of `type` with uniform(-1, 1) values; `as_f32` gets the values the file holds, widened.
Tensor random_matrix(DType type, int64_t rows, int64_t cols, std::mt19937& rng, std::vector<float>& as_f32) {
    as_f32 = random_floats(static_cast<size_t>(rows * cols), rng);
    Tensor t = Tensor::zeros(type, {rows, cols});
    for (int64_t i = 0; i < rows * cols; ++i) {
        float& v = as_f32[static_cast<size_t>(i)];
        if (type == DType::F32) {
            t.mutable_data_as<float>()[i] = v;
        } else if (type == DType::F16) {
            t.mutable_data_as<uint16_t>()[i] = f32_to_f16(v);
            v = f16_to_f32(f32_to_f16(v));
        } else {
            t.mutable_data_as<uint16_t>()[i] = f32_to_bf16(v);
            v = bf16_to_f32(f32_to_bf16(v));
        }
    }
    return t;
}

struct Case {
    int64_t M, N1, N2, K;
    bool bias, accumulate;
    DType type = DType::F32;
};

// y = x [W1; W2]^T + [b1; b2] (+ y), in double from the unpacked weights, against every level.
void check(const Case& c) {
    std::mt19937 rng(static_cast<uint32_t>(c.M * 1000003 + c.N1 * 1009 + c.K));
    std::vector<float> w1v, w2v;
    const Tensor w1 = random_matrix(c.type, c.N1, c.K, rng, w1v), w2 = random_matrix(c.type, c.N2, c.K, rng, w2v);
    const std::vector<float> b1 = c.bias ? random_floats(c.N1, rng) : std::vector<float>{};
    const std::vector<float> b2 = c.bias ? random_floats(c.N2, rng) : std::vector<float>{};
    const int64_t N = c.N1 + c.N2, K = c.K, ldx = K + 3, ldy = N + 2;
    const std::vector<float> x = random_floats(static_cast<size_t>(c.M * ldx), rng);
    const std::vector<float> y0 = random_floats(static_cast<size_t>(c.M * ldy), rng);
    std::vector<float> want = y0;
    for (int64_t m = 0; m < c.M; ++m)
        for (int64_t n = 0; n < N; ++n) {
            const bool first = n < c.N1;
            const float* w = (first ? w1v.data() + n * K : w2v.data() + (n - c.N1) * K);
            double sum = c.bias ? (first ? b1[n] : b2[n - c.N1]) : 0.0;
            for (int64_t k = 0; k < K; ++k) sum += static_cast<double>(x[m * ldx + k]) * w[k];
            want[m * ldy + n] = static_cast<float>(c.accumulate ? y0[m * ldy + n] + sum : sum);
        }
    const PrepackPart parts[] = {{&w1, &b1}, {&w2, &b2}};
    const std::string where = "M=" + std::to_string(c.M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                              " " + dtype_name(c.type);
    for (SimdLevel level : levels_here()) {
        const PrepackedWeight packed = prepack_weight(parts, level);
        ASSERT_EQ(packed.n(), N);
        std::vector<float> got = y0, ref = y0;
        prepacked_gemm(packed, x.data(), ldx, c.M, got.data(), ldy, c.accumulate);
        prepacked_gemm_reference(packed, x.data(), ldx, c.M, ref.data(), ldy, c.accumulate);
        const float tol = 2e-6f * static_cast<float>(K) + 1e-6f;  // f32 sums of K products of |x w| <= 1
        for (int64_t m = 0; m < c.M; ++m) {
            for (int64_t n = 0; n < N; ++n) {
                const size_t i = static_cast<size_t>(m * ldy + n);
                ASSERT_NEAR(got[i], want[i], tol) << simd_level_name(level) << " " << where << " m=" << m;
                ASSERT_NEAR(ref[i], want[i], tol) << "reference, " << where;
            }
            for (int64_t n = N; n < ldy; ++n)
                ASSERT_EQ(got[static_cast<size_t>(m * ldy + n)], y0[static_cast<size_t>(m * ldy + n)])
                    << "wrote past N: " << simd_level_name(level) << " " << where;
        }
    }
}

TEST(PrepackedGemm, EveryRowTailMatchesDoubleDot) {
    for (int64_t M = 1; M <= 13; ++M) check({M, 20, 13, 17, true, false});
    for (int64_t M : {16, 25, 40}) check({M, 33, 31, 64, false, true});
}

TEST(PrepackedGemm, ColumnTailsAndKBlocksMatchDoubleDot) {
    for (int64_t N : {1, 31, 33, 64})
        for (int64_t K : {1, 17, 300, 520}) check({3, N, 0, K, true, false});
    check({37, 60, 40, 300, true, true});     // two k-blocks, accumulating
    check({100, 130, 10, 520, true, false});  // three k-blocks, two column blocks
}

TEST(PrepackedGemm, HalfPrecisionWeightsPackToTheirF32Values) {
    for (DType type : {DType::F16, DType::BF16}) {
        check({1, 40, 0, 64, false, false, type});
        check({7, 33, 5, 96, true, false, type});
    }
}

TEST(PrepackedGemm, OneWeightOverloadEqualsMatmulPlusBias) {
    std::mt19937 rng(5);
    std::vector<float> wv;
    const Tensor W = random_matrix(DType::F16, 45, 70, rng, wv);
    const std::vector<float> bias = random_floats(45, rng), x = random_floats(6 * 70, rng);
    const PrepackedWeight packed = prepack_weight(W, &bias);
    std::vector<float> got(6 * 45), plain(6 * 45);
    prepacked_gemm(packed, x.data(), 70, 6, got.data(), 45, false);
    matmul(W, x.data(), 70, plain.data(), 45, 6);
    for (int64_t m = 0; m < 6; ++m)
        for (int64_t n = 0; n < 45; ++n)
            ASSERT_NEAR(got[m * 45 + n], plain[m * 45 + n] + bias[n], 1e-4) << m << "," << n;
}

TEST(PrepackedGemm, PackWeightRejectsMismatchedKAndBias) {
    std::mt19937 rng(1);
    std::vector<float> unused;
    const Tensor a = random_matrix(DType::F32, 4, 8, rng, unused), b = random_matrix(DType::F32, 4, 9, rng, unused);
    const PrepackPart parts[] = {{&a, nullptr}, {&b, nullptr}};
    EXPECT_THROW(prepack_weight(parts), Error);
    const std::vector<float> bad_bias(3, 0.0f);
    EXPECT_THROW(prepack_weight(a, &bad_bias), Error);
}

}  // namespace
}  // namespace loom
