// The AVX-512 int8 row kernel tiles x rows (4 rows share each unpacked W block pair; used below the int8
// GEMM's 16 rows: batched decoding, short prompts): every row of a tiled call must equal, bit for bit, the same row computed alone (M = 1, the
// untiled path that MatmulVariant checks against the f64 reference), and the tiled call must stay within
// the int8 bound of the scalar reference kernel.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/half.h"
#include "kernels/cpu/matmul.h"

using namespace loom;

namespace {

// Random quant bytes with every fp16 scale / min field set to a random value in [-0.05, 0.05].
Tensor random_block32_weight(DType type, int64_t N, int64_t K, uint32_t seed) {
    Tensor w = Tensor::zeros(type, {N, K});
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
    auto* bytes = w.mutable_data_as<uint8_t>();
    for (uint64_t i = 0; i < w.nbytes(); ++i) bytes[i] = static_cast<uint8_t>(rng());
    const bool has_min = type == DType::Q4_1 || type == DType::Q5_1;
    const uint64_t block_bytes = dtype_info(type).block_bytes;
    for (uint64_t b = 0; b < w.nbytes() / block_bytes; ++b)
        for (uint64_t off : {uint64_t{0}, uint64_t{2}}) {
            if (off == 2 && !has_min) continue;
            const uint16_t h = f32_to_f16(scale(rng));
            std::memcpy(bytes + b * block_bytes + off, &h, 2);
        }
    return w;
}

bool avx512_vnni_here() {
    return cpu_features().has_avx512() && cpu_features().avx512_vnni;
}

// The largest M (up to 15) that the dispatcher still gives to the int8 row kernel.
int64_t rows_below_the_gemm(DType type) {
    int64_t M = 15;
    while (M > 1 && matmul_kernel_name(SimdLevel::Avx512, type, M) != "avx512 int8-dot vnni") --M;
    return M;
}

class Int8RowTiles : public ::testing::TestWithParam<DType> {};

TEST_P(Int8RowTiles, TiledRowsEqualRowsComputedAlone) {
    if (!avx512_vnni_here()) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
    const DType type = GetParam();
    // K = 576: 2 groups of 8 blocks + a pair; K = 608: + an odd block. M: the most rows the row kernel still
    // takes for this type (the int8 GEMM takes over from 4 rows for the 4/5-bit types, 8 for Q8_0), e.g. 7 =
    // 1 tile of 4 + 3 single rows.
    const int64_t M = rows_below_the_gemm(type);
    if (M < 5) GTEST_SKIP() << dtype_name(type) << ": the int8 GEMM takes every M >= 4, so no row tiles run";
    for (int64_t K : {int64_t{576}, int64_t{608}}) {
        const int64_t N = 37;
        ASSERT_EQ(matmul_kernel_name(SimdLevel::Avx512, type, M), "avx512 int8-dot vnni");
        Tensor W = random_block32_weight(type, N, K, static_cast<uint32_t>(K));
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> x(static_cast<size_t>(M * K));  // [M, K]
        for (float& v : x) v = normal(rng);
        std::vector<float> tiled(static_cast<size_t>(M * N)), alone(static_cast<size_t>(N));
        matmul_variant(SimdLevel::Avx512, W, x.data(), K, tiled.data(), N, M);
        for (int64_t m = 0; m < M; ++m) {
            matmul_variant(SimdLevel::Avx512, W, x.data() + m * K, K, alone.data(), N, 1);
            for (int64_t n = 0; n < N; ++n)
                ASSERT_EQ(tiled[m * N + n], alone[n])
                    << dtype_name(type) << " K=" << K << " m=" << m << " n=" << n;
        }
    }
}

TEST_P(Int8RowTiles, TiledRowsMatchTheScalarReference) {
    if (!avx512_vnni_here()) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
    const DType type = GetParam();
    const int64_t M = rows_below_the_gemm(type), N = 67, K = 576;
    Tensor W = random_block32_weight(type, N, K, 99);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(M * K));  // [M, K]
    for (float& v : x) v = normal(rng);
    std::vector<float> fast(static_cast<size_t>(M * N)), ref(static_cast<size_t>(M * N));
    matmul_variant(SimdLevel::Avx512, W, x.data(), K, fast.data(), N, M);
    matmul_variant(SimdLevel::Scalar, W, x.data(), K, ref.data(), N, M);
    const std::vector<float> w = W.to_f32();  // [N, K]
    for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) {
            // The scalar reference takes x as f32; the tiled kernel rounds x to int8 blocks of 32 (error
            // <= d / 2 per element, d = max|x| / 127), plus f32 rounding on both sides.
            double bound = 0, abs_sum = 0;
            for (int64_t b = 0; b < K / 32; ++b) {
                double amax = 0, w_abs = 0;
                for (int64_t k = 32 * b; k < 32 * (b + 1); ++k) {
                    amax = std::fmax(amax, std::fabs(x[m * K + k]));
                    w_abs += std::fabs(w[n * K + k]);
                    abs_sum += std::fabs(x[m * K + k] * w[n * K + k]);
                }
                bound += amax / 127.0 / 2.0 * w_abs * (1 + 1e-6);
            }
            bound += 4.0 * K * std::ldexp(1.0, -24) * abs_sum + 1e-30;
            ASSERT_LE(std::fabs(fast[m * N + n] - ref[m * N + n]), bound)
                << dtype_name(type) << " m=" << m << " n=" << n;
        }
}

INSTANTIATE_TEST_SUITE_P(Block32Types, Int8RowTiles,
                         ::testing::Values(DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0),
                         [](const ::testing::TestParamInfo<DType>& info) { return dtype_name(info.param); });

}  // namespace
