// The AVX-512 VNNI int8 GEMM (prefill of every quantized type) against its exact reference: the weights as
// the reference dequantizer gives them, times the activations as the Q8_32 quantizer gives them (scale per 32,
// round to nearest even), summed in double. The kernel computes that same sum with exact int32 block sums, so
// only f32 rounding separates them (tolerance 1e-5 of sum |w x|; a wrong nibble order, scale or bias errs by
// percents). Shapes cover the tile edges: M 16..513 (slivers of 4 rows and a partial one), N not a multiple of 32 or of the 128-row
// panel, K not a multiple of the 256-column panel.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "kernel_test_data.h"
#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/matmul.h"

using namespace loom;
using namespace loom::test;
using namespace loom::kernels;

namespace {

void check_int8_gemm(DType type, int64_t M, int64_t N, int64_t K) {
    SCOPED_TRACE(std::string(dtype_name(type)) + " M=" + std::to_string(M) + " N=" + std::to_string(N) +
                 " K=" + std::to_string(K));
    ASSERT_EQ(matmul_kernel_name(SimdLevel::Avx512, type, M), "avx512 int8-gemm vnni");
    Tensor W = random_weight(type, N, K, static_cast<uint32_t>(N * 31 + K + M));
    const std::vector<float> w = W.to_f32();
    const int64_t ldx = K + 5, ldy = N + 3;
    const std::vector<float> x = random_activations(M, ldx, static_cast<uint32_t>(M + 7 * K));
    std::vector<float> y(static_cast<size_t>(M * ldy), -999.0f);
    matmul_variant(SimdLevel::Avx512, W, x.data(), ldx, y.data(), ldy, M);

    const uint64_t row_bytes = act_row_bytes(ActFormat::Q8_32, K);
    std::vector<uint8_t> storage(row_bytes + 64);
    uint8_t* xq = storage.data() + ((64 - (reinterpret_cast<uintptr_t>(storage.data()) & 63)) & 63);
    int failures = 0;
    for (int64_t m = 0; m < M; ++m) {
        quantize_act_row(ActFormat::Q8_32, SimdLevel::Scalar, x.data() + m * ldx, K, xq);
        const Q8_32Row r = q8_32_row(xq, K);
        for (int64_t n = 0; n < N; ++n) {
            double ref = 0, abs_sum = 0;
            for (int64_t k = 0; k < K; ++k) {
                const double term = static_cast<double>(w[n * K + k]) * r.d[k / 32] * r.qs[k];
                ref += term;
                abs_sum += std::fabs(term);
            }
            const double got = y[m * ldy + n];
            if (!(std::fabs(got - ref) <= 1e-5 * abs_sum + 1e-12) && ++failures <= 5)
                ADD_FAILURE() << "y[" << m << ", " << n << "] = " << got << ", reference " << ref << ", |err| "
                              << std::fabs(got - ref) << " > " << 1e-5 * abs_sum;
        }
        for (int64_t n = N; n < ldy; ++n) ASSERT_EQ(y[m * ldy + n], -999.0f) << "wrote past N";
    }
    EXPECT_EQ(failures, 0);
}

class Int8Gemm : public ::testing::TestWithParam<DType> {
  protected:
    void SetUp() override {
        if (!level_available(SimdLevel::Avx512)) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
    }
};

TEST_P(Int8Gemm, EqualsTheQuantizedActivationReference) {
    const DType type = GetParam();
    const bool k_type = dtype_info(type).block_size == 256;
    set_num_threads(1);
    for (int64_t M : {16, 17, 35})  // from 16 every type takes the GEMM
        for (int64_t N : {1, 33, 130}) check_int8_gemm(type, M, N, k_type ? 512 : 800);
    set_num_threads(2);
    check_int8_gemm(type, 129, 67, k_type ? 768 : 576);
    check_int8_gemm(type, 513, 40, 256);
}

INSTANTIATE_TEST_SUITE_P(QuantizedTypes, Int8Gemm,
                         ::testing::Values(DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0,
                                           DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K),
                         [](const ::testing::TestParamInfo<DType>& info) {
                             return std::string(dtype_name(info.param));
                         });

}  // namespace
