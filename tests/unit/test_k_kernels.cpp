// The K super-block types' integer path (Q2_K..Q6_K against Q8_256 activations):
//  - the common unpacked form (kernels/cpu/k_superblock.h) gives back the dequantizer's values;
//  - the scalar integer reference k_dot_q8_256 equals the dequantized weights dotted with the dequantized
//    activation quants (so it is a faithful reference);
//  - the AVX-512 VNNI row kernel (M below the int8 GEMM's threshold) equals that reference on odd shapes
//    (tiles of 4 rows and tails), up to f32 rounding of its per-super-block sums, and so does the AVX2 one;
//  - the AVX-512 activation quantizer gives the scalar one's bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "kernel_test_data.h"
#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/k_superblock.h"
#include "kernels/cpu/matmul.h"
#include "tensor/dequantize.h"

using namespace loom;
using namespace loom::test;
using namespace loom::kernels;

namespace {

const DType kKTypes[] = {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K};

// [M] rows of x quantized to Q8_256 by the scalar quantizer.
std::vector<uint8_t> quantize_rows(const std::vector<float>& x, int64_t M, int64_t K, SimdLevel level) {
    const uint64_t row_bytes = act_row_bytes(ActFormat::Q8_256, K);
    std::vector<uint8_t> out(row_bytes * M + 64);
    uint8_t* base = out.data() + ((64 - (reinterpret_cast<uintptr_t>(out.data()) & 63)) & 63);
    for (int64_t m = 0; m < M; ++m) quantize_act_row(ActFormat::Q8_256, level, x.data() + m * K, K, base + m * row_bytes);
    std::vector<uint8_t> aligned(base, base + row_bytes * M);
    return aligned;  // copied: the caller re-aligns through q8_256_row's offsets only (no SIMD loads here)
}

TEST(KSuperBlock, UnpackedFormGivesTheDequantizedValues) {
    for (DType type : kKTypes) {
        SCOPED_TRACE(dtype_name(type));
        const int64_t K = 1024;
        Tensor W = random_weight(type, 3, K, 11);
        std::vector<float> ref = W.to_f32();
        const uint64_t block_bytes = dtype_info(type).block_bytes;
        for (int64_t n = 0; n < 3; ++n)
            for (int64_t s = 0; s < K / 256; ++s) {
                const KSuperBlock b = unpack_k_superblock(type, W.data_as<uint8_t>() + n * W.row_nbytes() + s * block_bytes);
                for (int e = 0; e < 256; ++e) {
                    const double w = static_cast<double>(b.d) * b.sc[e / 16] * b.u[e] -
                                     static_cast<double>(b.dm) * b.off[e / 16];
                    const double expect = ref[n * K + 256 * s + e];
                    ASSERT_NEAR(w, expect, 1e-6 * std::fabs(expect) + 1e-7) << "row " << n << " element " << 256 * s + e;
                }
            }
    }
}

TEST(KSuperBlock, IntegerReferenceEqualsDequantizedProducts) {
    const int64_t K = 768;
    std::vector<float> x = random_activations(1, K, 3);
    std::vector<uint8_t> xq = quantize_rows(x, 1, K, SimdLevel::Scalar);
    const Q8_256Row row = q8_256_row(xq.data(), K);
    for (DType type : kKTypes) {
        SCOPED_TRACE(dtype_name(type));
        Tensor W = random_weight(type, 4, K, 5);
        std::vector<float> w = W.to_f32();
        for (int64_t n = 0; n < 4; ++n) {
            double expect = 0, abs_sum = 0;
            for (int64_t k = 0; k < K; ++k) {
                const double term = static_cast<double>(w[n * K + k]) * row.d[k / 256] * row.qs[k];
                expect += term;
                abs_sum += std::fabs(term);
            }
            const double got = k_dot_q8_256(type, W.data_as<uint8_t>() + n * W.row_nbytes(), row, K);
            EXPECT_NEAR(got, expect, 1e-6 * abs_sum) << "row " << n;
        }
    }
}

void check_kernel_against_reference(DType type, int64_t M, int64_t N, int64_t K,
                                    SimdLevel level = SimdLevel::Avx512) {
    SCOPED_TRACE(std::string(dtype_name(type)) + " " + simd_level_name(level) + " M=" + std::to_string(M) +
                 " N=" + std::to_string(N) + " K=" + std::to_string(K));
    ASSERT_EQ(matmul_kernel_name(level, type, M),
              level == SimdLevel::Avx512 ? "avx512 int8-dot vnni" : "avx2 int8-dot");
    Tensor W = random_weight(type, N, K, static_cast<uint32_t>(N * 17 + K + M));
    std::vector<float> w = W.to_f32();
    std::vector<float> x = random_activations(M, K, static_cast<uint32_t>(M + 3 * K));
    std::vector<uint8_t> xq = quantize_rows(x, M, K, SimdLevel::Scalar);
    const uint64_t row_bytes = act_row_bytes(ActFormat::Q8_256, K);
    const int64_t ldy = N + 2;
    std::vector<float> y(static_cast<size_t>(M * ldy), -999.0f);
    matmul_variant(level, W, x.data(), K, y.data(), ldy, M);
    int failures = 0;
    for (int64_t m = 0; m < M; ++m) {
        const Q8_256Row row = q8_256_row(xq.data() + m * row_bytes, K);
        for (int64_t n = 0; n < N; ++n) {
            const double ref = k_dot_q8_256(type, W.data_as<uint8_t>() + n * W.row_nbytes(), row, K);
            double abs_sum = 0;  // of the dequantized products: the scale of f32 rounding
            for (int64_t k = 0; k < K; ++k)
                abs_sum += std::fabs(static_cast<double>(w[n * K + k]) * row.d[k / 256] * row.qs[k]);
            const double got = y[m * ldy + n];
            if (!(std::fabs(got - ref) <= 4e-6 * abs_sum + 1e-12) && ++failures <= 5)
                ADD_FAILURE() << "y[" << m << ", " << n << "] = " << got << ", reference " << ref;
        }
        for (int64_t n = N; n < ldy; ++n) ASSERT_EQ(y[m * ldy + n], -999.0f) << "wrote past N";
    }
    EXPECT_EQ(failures, 0);
}

TEST(KKernelAvx512, EqualsTheScalarIntegerReference) {
    if (!level_available(SimdLevel::Avx512)) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
    for (DType type : kKTypes)
        for (int64_t M : {1, 2, 5, 11})  // 11: 2 tiles of 4 + 3 single rows (the int8 GEMM from 12)
            for (int64_t N : {1, 9}) check_kernel_against_reference(type, M, N, M == 11 ? 1536 : 256 * (1 + M % 3));
}

TEST(KKernelAvx2, EqualsTheScalarIntegerReference) {
    if (!level_available(SimdLevel::Avx2)) GTEST_SKIP() << "CPU lacks AVX2";
    for (DType type : kKTypes)
        for (int64_t M : {1, 3})
            for (int64_t N : {1, 9}) check_kernel_against_reference(type, M, N, 256 * (1 + M), SimdLevel::Avx2);
}

TEST(KKernelAvx512, ManyRowsAndThreads) {
    if (!level_available(SimdLevel::Avx512)) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
    set_num_threads(2);
    for (DType type : {DType::Q4_K, DType::Q6_K}) check_kernel_against_reference(type, 9, 67, 768);
}

TEST(KKernelAvx512, ActivationQuantizerMatchesScalarBytes) {
    if (!level_available(SimdLevel::Avx512)) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
    const int64_t K = 1024;
    std::vector<float> x = random_activations(1, K, 9);
    for (int64_t k = 256; k < 512; ++k) x[k] = 0.0f;  // an all-zero super-block: d = 0
    x[600] = -0.5f * x[601];
    EXPECT_EQ(quantize_rows(x, 1, K, SimdLevel::Scalar), quantize_rows(x, 1, K, SimdLevel::Avx512));
}

}  // namespace
