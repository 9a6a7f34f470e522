// matmul: every variant (scalar / AVX2 / AVX-512, forced) against the f32 reference: W dequantized by the
// tensor module's golden-tested dequantize_row, then a double-precision dot per output.
//
// Error bounds (per output y[m, n], with w = dequantized weights):
//  - f32-activation kernels (F32/F16/BF16 weights, and the gemm path of every dtype): the products and sums
//    are f32; any summation order of K terms errs by at most gamma_K = K * u * sum_k |x_k w_k| (u = 2^-24),
//    plus one rounding of each product (same order). We allow 2 * K * u * sum|x w|.
//  - int8-activation kernels: x is replaced by xq = d_b * q with |x - xq| <= d_b / 2 per element (d_b =
//  max|x|
//    over the block / 127: blocks of 32 for Q4_0..Q8_0, 256 for the K types). The kernel then computes
//    sum_k w_k * xq_k up to f32 rounding, so |err| <= sum_b (d_b / 2) * sum_{k in b} |w_k| + 2 K u sum|x w|.
//    This bound is exact in its terms (computed from the actual data), about 1% of sum|x w| for random
//    data, while a wrong nibble order, block stride or scale would err by O(10%-100%) of sum|x w|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/half.h"
#include "core/parallel.h"
#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/matmul.h"
#include "tensor/dequantize.h"
#include "tensor/quant_blocks.h"
#include "kernel_test_data.h"

using namespace loom;
using namespace loom::test;

namespace {

bool int8_activations(const std::string& kernel_name) {
    return kernel_name.find("int8") != std::string::npos;
}

struct Shape {
    int64_t M, N, K;
};

void check_matmul(SimdLevel level, DType type, Shape s) {
    SCOPED_TRACE(std::string(simd_level_name(level)) + " " + dtype_name(type) + " M=" + std::to_string(s.M) +
                 " N=" + std::to_string(s.N) + " K=" + std::to_string(s.K));
    Tensor W = random_weight(type, s.N, s.K, static_cast<uint32_t>(s.N * 131 + s.K));
    std::vector<float> x = random_activations(s.M, s.K, static_cast<uint32_t>(s.M * 7 + s.K));
    std::vector<float> w = W.to_f32();  // [N, K] reference weights
    const int64_t ldy = s.N + 3;        // strided output: the kernel must not touch the padding
    std::vector<float> y(static_cast<size_t>(s.M * ldy), -999.0f);
    matmul_variant(level, W, x.data(), s.K, y.data(), ldy, s.M);

    const std::string kernel = matmul_kernel_name(level, type, s.M);
    const int64_t act_block = type >= DType::Q2_K && type <= DType::Q8_K ? 256 : 32;
    const double u = std::ldexp(1.0, -24);
    int failures = 0;
    for (int64_t m = 0; m < s.M; ++m) {
        const float* xm = x.data() + m * s.K;
        for (int64_t n = 0; n < s.N; ++n) {
            const float* wn = w.data() + n * s.K;
            double ref = 0, abs_sum = 0, quant_err = 0;
            for (int64_t k = 0; k < s.K; ++k) {
                ref += static_cast<double>(xm[k]) * wn[k];
                abs_sum += std::fabs(static_cast<double>(xm[k]) * wn[k]);
            }
            if (int8_activations(kernel)) {
                for (int64_t b = 0; b < s.K / act_block; ++b) {
                    double amax = 0, w_abs = 0;
                    for (int64_t k = b * act_block; k < (b + 1) * act_block; ++k) {
                        amax = std::fmax(amax, std::fabs(xm[k]));
                        w_abs += std::fabs(wn[k]);
                    }
                    quant_err += amax / 127.0 / 2.0 * w_abs * (1 + 1e-6);
                }
            }
            const double bound = quant_err + 2.0 * static_cast<double>(s.K) * u * abs_sum + 1e-30;
            const double got = y[m * ldy + n];
            if (!(std::fabs(got - ref) <= bound) && ++failures <= 5)
                ADD_FAILURE() << kernel << " y[" << m << ", " << n << "] = " << got << ", reference " << ref
                              << ", |err| " << std::fabs(got - ref) << " > bound " << bound;
        }
        for (int64_t n = s.N; n < ldy; ++n) ASSERT_EQ(y[m * ldy + n], -999.0f) << "wrote past N";
    }
    EXPECT_EQ(failures, 0);
}

struct Case {
    SimdLevel level;
    DType type;
};
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    return std::string(simd_level_name(info.param.level)) + "_" + dtype_name(info.param.type);
}

class MatmulVariant : public ::testing::TestWithParam<Case> {
  protected:
    void SetUp() override {
        if (!level_available(GetParam().level))
            GTEST_SKIP() << "CPU lacks " << simd_level_name(GetParam().level);
    }
};

TEST_P(MatmulVariant, MatchesReferenceOnManyShapes) {
    const DType type = GetParam().type;
    const int64_t block = dtype_info(type).block_size;
    std::vector<int64_t> ks;
    if (block == 1)
        ks = {1, 37, 64, 576, 803, 2100};  // decoding: rows of 4 KB and more (F16 K=2100) run 8 rows a pass
    else if (block == 32)
        ks = {32, 96, 576, 800};  // 800 = 25 blocks: not a multiple of 256
    else
        ks = {256, 768};
    for (int64_t K : ks)
        for (int64_t M : {1, 3, 17, 40, 70})  // 70: float weights take the f32 GEMM (K tails in its tiles)
            for (int64_t N : {1, 7, 67}) check_matmul(GetParam().level, type, {M, N, K});
}

// The shapes of the default model, with several threads: exercises the thread split and tile edges.
TEST_P(MatmulVariant, ModelShapesMultiThreaded) {
    set_num_threads(2);
    const DType type = GetParam().type;
    const int64_t K = dtype_info(type).block_size == 256 ? 1536 : 576;
    check_matmul(GetParam().level, type, {1, 1536, K});
    check_matmul(GetParam().level, type, {33, 579, K});
    check_matmul(GetParam().level, type,
                 {130, 67, K});  // float weights (AVX2 / AVX-512): the gemm from M = 64
}

// ActivationPrecision::F32: quantized weights meet f32 activations, so every dtype must meet the f32 bound
// (no int8 term) at every level, M = 1 and M > 1 alike.
TEST_P(MatmulVariant, F32ActivationsMeetTheF32Bound) {
    struct Restore {
        ~Restore() { set_activation_precision(ActivationPrecision::Fast); }
    } restore;
    set_activation_precision(ActivationPrecision::F32);
    const DType type = GetParam().type;
    const int64_t K = dtype_info(type).block_size == 256 ? 768 : 576;
    for (int64_t M : {1, 5, 40}) {
        EXPECT_FALSE(int8_activations(matmul_kernel_name(GetParam().level, type, M)));
        check_matmul(GetParam().level, type, {M, 67, K});
    }
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512})
        for (DType type :
             {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
              DType::Q8_0, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K})
            cases.push_back({level, type});
    return cases;
}
INSTANTIATE_TEST_SUITE_P(AllDtypes, MatmulVariant, ::testing::ValuesIn(all_cases()), case_name);

// A forced level must run that level's own code where it has a kernel (else the test above proves nothing).
TEST(MatmulDispatch, ForcedLevelRunsItsOwnKernels) {
    for (SimdLevel level : {SimdLevel::Avx2, SimdLevel::Avx512}) {
        if (!level_available(level)) continue;
        const std::string prefix = simd_level_name(level);
        for (DType type : {DType::F32, DType::F16, DType::Q4_0, DType::Q4_1, DType::Q8_0}) {
            EXPECT_EQ(matmul_kernel_name(level, type, 1).rfind(prefix, 0), 0u)
                << dtype_name(type) << " M=1 runs " << matmul_kernel_name(level, type, 1);
            EXPECT_EQ(matmul_kernel_name(level, type, 64).rfind(prefix, 0), 0u)
                << dtype_name(type) << " M=64 runs " << matmul_kernel_name(level, type, 64);
        }
    }
    EXPECT_EQ(matmul_kernel_name(SimdLevel::Scalar, DType::Q4_1, 1), "scalar");
}

TEST(MatmulDispatch, RejectsBadArguments) {
    Tensor w = random_weight(DType::F32, 4, 8, 1);
    std::vector<float> x(8), y(4);
    EXPECT_THROW(matmul_variant(SimdLevel::Scalar, w, x.data(), 7, y.data(), 4, 1), Error);  // ldx < K
    EXPECT_THROW(matmul_variant(SimdLevel::Scalar, w, x.data(), 8, y.data(), 3, 1), Error);  // ldy < N
    Tensor vec = Tensor::zeros(DType::F32, {8});
    EXPECT_THROW(matmul(vec, x.data(), y.data(), 1), Error);
    Tensor ints = Tensor::zeros(DType::I32, {4, 8});
    EXPECT_THROW(matmul(ints, x.data(), y.data(), 1), Error);
    EXPECT_FALSE(matmul_supports(DType::I32));
    EXPECT_TRUE(matmul_supports(DType::Q4_1));
}

// Every level's activation quantizer gives the same bytes, and each quant is within half a step.
TEST(ActivationQuant, LevelsAgreeBitForBitAndRoundToNearest) {
    const int64_t K = 576;
    std::vector<float> x = random_activations(1, K, 5);
    x[40] = 0.0f;
    for (int64_t k = 64; k < 96; ++k) x[k] = 0.0f;  // an all-zero block: d = 0, quants 0
    using namespace kernels;
    const uint64_t bytes = act_row_bytes(ActFormat::Q8_32, K);
    alignas(64) static uint8_t ref[4096], got[4096];
    ASSERT_LE(bytes, sizeof(ref));
    quantize_act_row(ActFormat::Q8_32, SimdLevel::Scalar, x.data(), K, ref);
    Q8_32Row r = q8_32_row(ref, K);
    for (int64_t k = 0; k < K; ++k) {
        const float d = r.d[k / 32];
        EXPECT_LE(std::fabs(x[k] - d * r.qs[k]), d * 0.5f * (1 + 1e-5f) + 1e-30f) << "element " << k;
    }
    EXPECT_EQ(r.d[2], 0.0f);
    for (SimdLevel level : {SimdLevel::Avx2, SimdLevel::Avx512}) {
        if (!level_available(level)) continue;
        std::memset(got, 0, sizeof(got));
        quantize_act_row(ActFormat::Q8_32, level, x.data(), K, got);
        EXPECT_EQ(std::memcmp(ref, got, bytes), 0) << simd_level_name(level);
    }
}

}  // namespace
