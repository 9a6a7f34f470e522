// dequantize_row against the gguf Python reference (goldens from scripts/goldens/make_quant_goldens.py),
// plus the types that reference lacks (Q8_1, Q8_K, integers, F64) checked from their definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "tensor/dequantize.h"
#include "tensor/quant_blocks.h"
#include "test_quantize_golden.h"

using namespace loom;
using loom::testing::float_bits;
using loom::testing::GoldenKind;
using loom::testing::QuantGolden;

namespace {

class DequantizeGolden : public ::testing::TestWithParam<const char*> {};

// Bit-exact: every format is d * q or d * q + m evaluated in f32 with the same rounding steps as numpy.
TEST_P(DequantizeGolden, MatchesGgufReferenceBitForBit) {
    QuantGolden golden;
    ASSERT_NO_FATAL_FAILURE(
        load_quant_golden(std::string("dequant_") + GetParam() + ".lqg", GoldenKind::kDequant, golden));
    std::vector<float> out(golden.values.size(), -12345.0f);
    dequantize_row(golden.type, golden.blocks.data(), out.data(), golden.elements());
    int mismatches = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        if (float_bits(out[i]) != float_bits(golden.values[i]) && ++mismatches <= 5)
            ADD_FAILURE() << GetParam() << " element " << i << " (block " << i / golden.block_size
                          << "): loom " << out[i] << " reference " << golden.values[i];
    }
    EXPECT_EQ(mismatches, 0) << "of " << out.size() << " elements";
}

// Row by row (one block per call) must agree with one call over the whole buffer: no state across blocks.
TEST_P(DequantizeGolden, BlockAtATimeEqualsWholeRow) {
    QuantGolden golden;
    ASSERT_NO_FATAL_FAILURE(
        load_quant_golden(std::string("dequant_") + GetParam() + ".lqg", GoldenKind::kDequant, golden));
    std::vector<float> out(golden.values.size());
    for (int64_t b = 0; b < golden.n_blocks; ++b)
        dequantize_row(golden.type, golden.blocks.data() + b * golden.block_bytes,
                       out.data() + b * golden.block_size, golden.block_size);
    EXPECT_EQ(std::memcmp(out.data(), golden.values.data(), out.size() * sizeof(float)), 0);
}

INSTANTIATE_TEST_SUITE_P(AllReferenceTypes, DequantizeGolden,
                         ::testing::Values("f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k",
                                           "q3_k", "q4_k", "q5_k", "q6_k"));

TEST(Dequantize, Q4_0HandBuiltBlock) {
    BlockQ4_0 block{};
    block.d = f32_to_f16(0.5f);
    block.qs[0] = 0x1F;   // element 0: 15 - 8 = 7, element 16: 1 - 8 = -7
    block.qs[15] = 0x80;  // element 15: 0 - 8 = -8, element 31: 8 - 8 = 0
    float out[32];
    dequantize_row(DType::Q4_0, &block, out, 32);
    EXPECT_EQ(out[0], 3.5f);
    EXPECT_EQ(out[16], -3.5f);
    EXPECT_EQ(out[15], -4.0f);
    EXPECT_EQ(out[31], 0.0f);
    EXPECT_EQ(out[1], -4.0f);  // nibble 0
}

TEST(Dequantize, Q4_KUnpacksUpperSubBlockScaleAndMin) {
    BlockQ4_K block{};
    block.d = f32_to_f16(1.0f);
    block.dmin = f32_to_f16(0.25f);
    // Sub-block 5: scale = low nibble of byte 9 | top 2 bits of byte 1 << 4; min = high nibble of byte 9 |
    // top 2 bits of byte 5 << 4.
    block.scales[9] = 0x3A;   // scale low 0xA, min low 0x3
    block.scales[1] = 0x80;   // scale high bits 0b10 -> scale = 0x2A = 42
    block.scales[5] = 0x40;   // min high bits 0b01 -> min = 0x13 = 19
    block.qs[64 + 7] = 0x90;  // sub-block 5 = high nibbles of bytes 64..95; element 5*32+7 gets q = 9
    float out[256];
    dequantize_row(DType::Q4_K, &block, out, 256);
    EXPECT_EQ(out[5 * 32 + 7], 42.0f * 9 - 0.25f * 19);
    EXPECT_EQ(out[5 * 32 + 8], -0.25f * 19);
    // Sub-block 1 uses the 6 low bits of bytes 1 and 5: scale 0, min 0.
    EXPECT_EQ(out[32], 0.0f);
}

TEST(Dequantize, Q8_1EqualsQ8_0WithTheSameScaleAndQuants) {
    QuantGolden golden;
    ASSERT_NO_FATAL_FAILURE(load_quant_golden("dequant_q8_0.lqg", GoldenKind::kDequant, golden));
    std::vector<BlockQ8_1> q8_1(static_cast<size_t>(golden.n_blocks));
    for (int64_t b = 0; b < golden.n_blocks; ++b) {
        BlockQ8_0 q8_0;
        std::memcpy(&q8_0, golden.blocks.data() + b * sizeof(BlockQ8_0), sizeof(BlockQ8_0));
        q8_1[b].d = q8_0.d;
        q8_1[b].s = f32_to_f16(1000.0f);  // the sum must not enter the values
        std::memcpy(q8_1[b].qs, q8_0.qs, sizeof(q8_0.qs));
    }
    std::vector<float> out(golden.values.size());
    dequantize_row(DType::Q8_1, q8_1.data(), out.data(), golden.elements());
    EXPECT_EQ(std::memcmp(out.data(), golden.values.data(), out.size() * sizeof(float)), 0);
}

TEST(Dequantize, Q8_KIsScaleTimesQuant) {
    BlockQ8_K block{};
    block.d = 0.125f;  // a power of two: every product is exact
    for (int i = 0; i < 256; ++i) block.qs[i] = static_cast<int8_t>(i - 128);
    block.bsums[0] = 30000;  // not part of the values
    float out[256];
    dequantize_row(DType::Q8_K, &block, out, 256);
    for (int i = 0; i < 256; ++i) EXPECT_EQ(out[i], 0.125f * (i - 128)) << i;
}

TEST(Dequantize, PlainTypesConvertToNearestFloat) {
    const int8_t i8[3] = {-128, 0, 127};
    const int16_t i16[3] = {-32768, 1, 32767};
    const int32_t i32[3] = {-7, 16777217, 2147483647};  // 2^24 + 1 rounds to 2^24
    const int64_t i64[3] = {-1, int64_t{1} << 40, std::numeric_limits<int64_t>::min()};
    const double f64[3] = {0.1, -1e300, 1.5};
    const float f32[3] = {1.0f, -0.0f, std::numeric_limits<float>::infinity()};
    float out[3];
    dequantize_row(DType::I8, i8, out, 3);
    EXPECT_EQ(out[0], -128.0f);
    EXPECT_EQ(out[2], 127.0f);
    dequantize_row(DType::I16, i16, out, 3);
    EXPECT_EQ(out[0], -32768.0f);
    EXPECT_EQ(out[2], 32767.0f);
    dequantize_row(DType::I32, i32, out, 3);
    EXPECT_EQ(out[0], -7.0f);
    EXPECT_EQ(out[1], 16777216.0f);
    EXPECT_EQ(out[2], 2147483648.0f);
    dequantize_row(DType::I64, i64, out, 3);
    EXPECT_EQ(out[0], -1.0f);
    EXPECT_EQ(out[1], std::ldexp(1.0f, 40));
    EXPECT_EQ(out[2], -std::ldexp(1.0f, 63));
    dequantize_row(DType::F64, f64, out, 3);
    EXPECT_EQ(out[0], 0.1f);
    EXPECT_TRUE(std::isinf(out[1]) && out[1] < 0);
    EXPECT_EQ(out[2], 1.5f);
    dequantize_row(DType::F32, f32, out, 3);
    EXPECT_EQ(float_bits(out[1]), 0x80000000u);
    EXPECT_TRUE(std::isinf(out[2]));
}

TEST(Dequantize, RejectsPartialBlocksAndNegativeCounts) {
    std::vector<uint8_t> buffer(1024);
    float out[256];
    EXPECT_THROW(dequantize_row(DType::Q4_0, buffer.data(), out, 31), Error);
    EXPECT_THROW(dequantize_row(DType::Q6_K, buffer.data(), out, 128), Error);
    EXPECT_THROW(dequantize_row(DType::F32, buffer.data(), out, -1), Error);
    EXPECT_NO_THROW(dequantize_row(DType::Q4_K, buffer.data(), out, 0));
}

TEST(Dequantize, RejectsMisalignedBlocks) {
    alignas(8) uint8_t buffer[2 * sizeof(BlockQ8_K)] = {};
    float out[256];
    EXPECT_THROW(dequantize_row(DType::Q8_K, buffer + 2, out, 256), Error);  // f32 scale needs 4 bytes
    EXPECT_THROW(dequantize_row(DType::Q4_0, buffer + 1, out, 32), Error);
    EXPECT_NO_THROW(dequantize_row(DType::Q8_0, buffer + 2, out, 32));
}

}  // namespace
