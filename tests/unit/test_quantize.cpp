// quantize_row for the legacy 32-blocks against gguf-py's quantizers (goldens from
// scripts/goldens/make_quant_goldens.py), plus Q8_1, the plain float types and argument checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "tensor/dequantize.h"
#include "tensor/quant_blocks.h"
#include "tensor/quantize.h"
#include "test_quantize_golden.h"

using namespace loom;
using loom::testing::GoldenKind;
using loom::testing::QuantGolden;

namespace {

class QuantizeGolden : public ::testing::TestWithParam<const char*> {};

// Bit-exact: same f32 steps as the reference (scale, reciprocal, multiply-add, truncate/round), fp16 rounding
// to nearest even only when the scale is stored.
TEST_P(QuantizeGolden, MatchesGgufReferenceBytes) {
    QuantGolden golden;
    ASSERT_NO_FATAL_FAILURE(
        load_quant_golden(std::string("quant_") + GetParam() + ".lqg", GoldenKind::kQuant, golden));
    std::vector<uint8_t> out(golden.blocks.size(), 0xAB);
    quantize_row(golden.type, golden.values.data(), out.data(), golden.elements());
    int mismatched_blocks = 0;
    for (int64_t b = 0; b < golden.n_blocks; ++b) {
        const size_t at = static_cast<size_t>(b * golden.block_bytes);
        if (std::memcmp(out.data() + at, golden.blocks.data() + at, golden.block_bytes) != 0 &&
            ++mismatched_blocks <= 5) {
            for (int64_t i = 0; i < golden.block_bytes; ++i)
                if (out[at + i] != golden.blocks[at + i]) {
                    ADD_FAILURE() << GetParam() << " block " << b << " byte " << i << ": loom "
                                  << int(out[at + i]) << " reference " << int(golden.blocks[at + i]);
                    break;
                }
        }
    }
    EXPECT_EQ(mismatched_blocks, 0) << "of " << golden.n_blocks << " blocks";
}

INSTANTIATE_TEST_SUITE_P(LegacyTypes, QuantizeGolden,
                         ::testing::Values("q8_0", "q4_0", "q4_1", "q5_0", "q5_1"));

float block_absmax(const float* x, int n) {
    float amax = 0.0f;
    for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
    return amax;
}

// Q8_0 round trip: q = round(x / d) with d = max|x| / 127 is within d/2 of x / d; storing d in fp16 moves
// each value by at most 127 * |d - fp16(d)| <= 127 * d * 2^-11. So |x - deq| <= d * (1/2 + 127 / 2048).
TEST(Quantize, Q8_0RoundTripWithinHalfStepPlusScaleRounding) {
    QuantGolden golden;
    ASSERT_NO_FATAL_FAILURE(load_quant_golden("quant_q8_0.lqg", GoldenKind::kQuant, golden));
    std::vector<uint8_t> blocks(golden.blocks.size());
    std::vector<float> back(golden.values.size());
    quantize_row(DType::Q8_0, golden.values.data(), blocks.data(), golden.elements());
    dequantize_row(DType::Q8_0, blocks.data(), back.data(), golden.elements());
    for (int64_t b = 0; b < golden.n_blocks; ++b) {
        const float* x = golden.values.data() + b * 32;
        const float d = block_absmax(x, 32) / 127.0f;
        if (d < 1e-4f) continue;  // fp16 subnormal scales lose relative precision; covered by the golden
        const float bound = d * (0.5f + 127.0f / 2048.0f) * 1.0001f;
        for (int j = 0; j < 32; ++j) EXPECT_LE(std::fabs(x[j] - back[b * 32 + j]), bound) << b << ":" << j;
    }
}

// Q8_1 is Q8_0 plus s = d * sum(q): same d and quants as the (reference-checked) Q8_0 bytes.
TEST(Quantize, Q8_1MatchesQ8_0AndStoresScaledSum) {
    QuantGolden golden;
    ASSERT_NO_FATAL_FAILURE(load_quant_golden("quant_q8_0.lqg", GoldenKind::kQuant, golden));
    std::vector<BlockQ8_1> q8_1(static_cast<size_t>(golden.n_blocks));
    quantize_row(DType::Q8_1, golden.values.data(), q8_1.data(), golden.elements());
    for (int64_t b = 0; b < golden.n_blocks; ++b) {
        BlockQ8_0 q8_0;
        std::memcpy(&q8_0, golden.blocks.data() + b * sizeof(BlockQ8_0), sizeof(q8_0));
        ASSERT_EQ(q8_1[b].d, q8_0.d) << b;
        ASSERT_EQ(std::memcmp(q8_1[b].qs, q8_0.qs, 32), 0) << b;
        int sum = 0;
        for (int j = 0; j < 32; ++j) sum += q8_0.qs[j];
        const float d = block_absmax(golden.values.data() + b * 32, 32) / 127.0f;
        EXPECT_EQ(q8_1[b].s, f32_to_f16(d * static_cast<float>(sum))) << b;
    }
}

// Every fp16 / bf16 value is exactly representable in f32, so quantizing the reference's dequantized values
// must give back the original bits (NaN excepted: its payload is not preserved through f32 -> bf16).
TEST(Quantize, F16AndBF16InvertTheReferenceDequantization) {
    for (const char* name : {"dequant_f16.lqg", "dequant_bf16.lqg"}) {
        QuantGolden golden;
        ASSERT_NO_FATAL_FAILURE(load_quant_golden(name, GoldenKind::kDequant, golden));
        std::vector<uint16_t> out(golden.values.size());
        quantize_row(golden.type, golden.values.data(), out.data(), golden.elements());
        for (size_t i = 0; i < out.size(); ++i) {
            if (std::isnan(golden.values[i])) continue;
            uint16_t expected;
            std::memcpy(&expected, golden.blocks.data() + 2 * i, 2);
            ASSERT_EQ(out[i], expected) << name << " element " << i;
        }
    }
}

TEST(Quantize, ZeroBlocksGiveZeroScalesAndDequantizeToZero) {
    std::vector<float> zeros(256, 0.0f), back(256, 1.0f);
    alignas(8) uint8_t buffer[512];
    for (DType type : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q8_1,
                       DType::Q4_K, DType::Q6_K, DType::Q8_K}) {
        quantize_row(type, zeros.data(), buffer, 256);
        dequantize_row(type, buffer, back.data(), 256);
        for (float v : back) ASSERT_EQ(v, 0.0f) << dtype_name(type);
    }
}

TEST(Quantize, RejectsUnsupportedTypesPartialBlocksAndMisalignment) {
    std::vector<float> src(512, 1.0f);
    alignas(8) uint8_t buffer[1024];
    EXPECT_FALSE(has_quantizer(DType::Q2_K));
    EXPECT_THROW(quantize_row(DType::Q2_K, src.data(), buffer, 256), Error);
    EXPECT_THROW(quantize_row(DType::I32, src.data(), buffer, 4), Error);
    EXPECT_THROW(quantize_row(DType::Q8_0, src.data(), buffer, 48), Error);
    EXPECT_THROW(quantize_row(DType::Q8_K, src.data(), buffer, 32), Error);
    EXPECT_THROW(quantize_row(DType::F32, src.data(), buffer, -4), Error);
    EXPECT_THROW(quantize_row(DType::Q8_K, src.data(), buffer + 2, 256), Error);
    EXPECT_NO_THROW(quantize_row(DType::Q8_0, src.data(), buffer + 2, 32));
}

}  // namespace
