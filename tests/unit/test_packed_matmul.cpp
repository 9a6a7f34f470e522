// packed_matmul (kernels/cpu/packed_matmul.h): the AVX-512 kernel against its scalar reference and against
// matmul() on the unpacked weight, over row counts around the 8-row tile (1, 3, 8, 13, 16, 40), N around the
// 32-row panel (1, 31, 33, 64) and strided x / y; F16 weights pack to the same f32 values matmul reads.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/half.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/packed_matmul.h"

namespace loom {
namespace {

Tensor random_weight(DType type, int64_t N, int64_t K, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Tensor t = Tensor::zeros(type, {N, K});
    for (int64_t i = 0; i < N * K; ++i) {
        if (type == DType::F32) {
            t.mutable_data_as<float>()[i] = normal(rng);
        } else {
            t.mutable_data_as<uint16_t>()[i] = f32_to_f16(normal(rng));
        }
    }
    return t;
}

TEST(PackedMatmul, MatchesReferenceAndMatmul) {
    if (!packed_matmul_available(DType::F32)) GTEST_SKIP() << "packed_matmul needs AVX-512";
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (const DType type : {DType::F32, DType::F16})
        for (const int64_t N : {1, 31, 33, 64})
            for (const int64_t K : {1, 17, 64})
                for (const int64_t M : {1, 3, 8, 13, 16, 40}) {
                    const Tensor W = random_weight(type, N, K, rng);
                    const PackedWeight p = pack_weight(W);
                    const int64_t ldx = K + 3, ldy = N + 5;
                    std::vector<float> x(M * ldx);
                    for (float& v : x) v = normal(rng);
                    std::vector<float> fast(M * ldy, -7.0f), ref(M * ldy, -7.0f), plain(M * ldy, -7.0f);
                    packed_matmul(p, x.data(), ldx, fast.data(), ldy, M);
                    packed_matmul_reference(p, x.data(), ldx, ref.data(), ldy, M);
                    matmul(W, x.data(), ldx, plain.data(), ldy, M);
                    for (int64_t m = 0; m < M; ++m) {
                        for (int64_t n = 0; n < N; ++n) {
                            // f32 sums of K products of O(1) values vs double: a few ulps of sqrt(K).
                            ASSERT_NEAR(fast[m * ldy + n], ref[m * ldy + n], 1e-4)
                                << "N " << N << " K " << K << " M " << M;
                            ASSERT_NEAR(plain[m * ldy + n], ref[m * ldy + n], 1e-4);
                        }
                        for (int64_t n = N; n < ldy; ++n)
                            ASSERT_EQ(fast[m * ldy + n], -7.0f) << "wrote past N";
                    }
                }
}

TEST(PackedMatmul, RejectsShortStrides) {
    if (!packed_matmul_available(DType::F32)) GTEST_SKIP() << "packed_matmul needs AVX-512";
    std::mt19937 rng(1);
    const PackedWeight p = pack_weight(random_weight(DType::F32, 4, 8, rng));
    std::vector<float> x(8), y(4);
    EXPECT_THROW(packed_matmul(p, x.data(), 7, y.data(), 4, 1), Error);
    EXPECT_THROW(packed_matmul(p, x.data(), 8, y.data(), 3, 1), Error);
    EXPECT_THROW(packed_matmul(PackedWeight{}, x.data(), 8, y.data(), 4, 1), Error);
}

}  // namespace
}  // namespace loom
