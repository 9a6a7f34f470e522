// K-type quantizers (Q4_K, Q6_K, Q8_K): gguf-py cannot quantize these, so the tests check the round-trip
// error bound each scheme guarantees (derivations beside each test) over random blocks of varied shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/half.h"
#include "tensor/dequantize.h"
#include "tensor/quant_blocks.h"
#include "tensor/quantize.h"

using namespace loom;

namespace {

constexpr int kBlocks = 200;
constexpr float kF16RoundUp = 1.0f + 1.0f / 1024;  // rounding a scale up to fp16: at most one ulp (2^-10)
const float kF16Spacing = std::ldexp(1.0f, -24);   // ... or one subnormal step

// (kBlocks, 256) inputs: per-block magnitude from 2^-10 to 2^6, per-sub-block spread, and special blocks.
std::vector<float> random_super_blocks() {
    std::mt19937 rng(1234);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(kBlocks) * kBlockK);
    for (int b = 0; b < kBlocks; ++b) {
        float* block = x.data() + b * kBlockK;
        const float magnitude = std::exp2(-10.0f + 16.0f * uniform(rng));
        for (int s = 0; s < 16; ++s) {
            const float spread = magnitude * std::exp2(-4.0f * uniform(rng));
            for (int l = 0; l < 16; ++l) block[16 * s + l] = spread * normal(rng);
        }
        switch (b % 8) {
            case 1:
                std::fill(block, block + kBlockK, 0.0f);
                break;
            case 2:
                std::fill(block, block + kBlockK, 0.3f);
                break;
            case 3:
                for (int e = 0; e < kBlockK; ++e) block[e] = std::fabs(block[e]);
                break;
            case 4:
                for (int e = 0; e < kBlockK; ++e) block[e] = -std::fabs(block[e]);
                break;
            case 5:
                block[b % kBlockK] *= 1000.0f;
                break;  // outlier
            default:
                break;
        }
    }
    return x;
}

struct RoundTrip {
    std::vector<float> input = random_super_blocks();
    std::vector<uint8_t> bytes;
    std::vector<float> output;
    explicit RoundTrip(DType type) {
        bytes.resize(row_bytes(type, input.size()));
        output.resize(input.size());
        quantize_row(type, input.data(), bytes.data(), static_cast<int64_t>(input.size()));
        dequantize_row(type, bytes.data(), output.data(), static_cast<int64_t>(output.size()));
    }
};

// Q4_K: sub-block j (32 values) needs its levels to reach from -offset_j (offset_j = max(0, -min_j)) to
// max_j, a length L_j = max_j + offset_j. The quantizer rounds dmin up to fp16 (dmin <= max_j offset_j / 63,
// one fp16 step up) and each 6-bit min up, so the stored offset exceeds offset_j by at most dmin; the step
// needed is then (L_j + dmin) / 15 and, with d and the 6-bit scale also rounded up, the stored step is at
// most that plus d, where d <= max_j step_needed_j / 63 (one fp16 step up). Every value lies inside the
// levels, so it is within half a step of the nearest one.
TEST(QuantizeK, Q4_KWithinHalfAStepOfEveryValue) {
    RoundTrip rt(DType::Q4_K);
    for (int b = 0; b < kBlocks; ++b) {
        const float* x = rt.input.data() + b * kBlockK;
        float length[8], max_offset = 0.0f, block_amax = 0.0f;
        for (int j = 0; j < 8; ++j) {
            const auto [lo, hi] = std::minmax_element(x + 32 * j, x + 32 * j + 32);
            const float offset = std::max(0.0f, -*lo);
            length[j] = *hi + offset;
            max_offset = std::max(max_offset, offset);
            block_amax = std::max({block_amax, std::fabs(*lo), std::fabs(*hi)});
        }
        const float dmin_bound = max_offset / 63.0f * kF16RoundUp + kF16Spacing;
        float max_step = 0.0f;
        for (float l : length) max_step = std::max(max_step, (l + dmin_bound) / 15.0f);
        const float d_bound = max_step / 63.0f * kF16RoundUp + kF16Spacing;
        for (int j = 0; j < 8; ++j) {
            const float step_bound = (length[j] + dmin_bound) / 15.0f + d_bound;
            const float bound = 0.5f * step_bound * 1.0001f + 1e-6f * block_amax;
            for (int l = 0; l < 32; ++l) {
                const int e = 32 * j + l;
                ASSERT_LE(std::fabs(x[e] - rt.output[b * kBlockK + e]), bound)
                    << "block " << b << " element " << e << " input " << x[e];
            }
        }
    }
}

// Q6_K: sub-block j (16 values) uses levels -31..31 with step_j >= max|x| / 31, so every value is covered;
// the stored step is at most max|x_j| / 31 + d (6... 8-bit scale rounded up), d <= max_j step_j / 127 rounded
// up to fp16. Error <= half the stored step.
TEST(QuantizeK, Q6_KWithinHalfAStepOfEveryValue) {
    RoundTrip rt(DType::Q6_K);
    for (int b = 0; b < kBlocks; ++b) {
        const float* x = rt.input.data() + b * kBlockK;
        float needed[16], max_needed = 0.0f, block_amax = 0.0f;
        for (int j = 0; j < 16; ++j) {
            float amax = 0.0f;
            for (int l = 0; l < 16; ++l) amax = std::max(amax, std::fabs(x[16 * j + l]));
            needed[j] = amax / 31.0f;
            max_needed = std::max(max_needed, needed[j]);
            block_amax = std::max(block_amax, amax);
        }
        const float d_bound = max_needed / 127.0f * kF16RoundUp + kF16Spacing;
        for (int j = 0; j < 16; ++j) {
            const float bound = 0.5f * (needed[j] + d_bound) * 1.0001f + 1e-6f * block_amax;
            for (int l = 0; l < 16; ++l) {
                const int e = 16 * j + l;
                ASSERT_LE(std::fabs(x[e] - rt.output[b * kBlockK + e]), bound)
                    << "block " << b << " element " << e << " input " << x[e];
            }
        }
    }
}

// Q8_K: d = max|x| / 127 in f32 (no fp16 rounding), q = round(x / d): error <= d / 2 up to f32 rounding.
// bsums must be the sums of each 16 quants, which the dot-product kernels rely on.
TEST(QuantizeK, Q8_KWithinHalfAStepAndBsumsMatch) {
    RoundTrip rt(DType::Q8_K);
    const BlockQ8_K* blocks = reinterpret_cast<const BlockQ8_K*>(rt.bytes.data());
    for (int b = 0; b < kBlocks; ++b) {
        const float* x = rt.input.data() + b * kBlockK;
        float amax = 0.0f;
        for (int e = 0; e < kBlockK; ++e) amax = std::max(amax, std::fabs(x[e]));
        ASSERT_EQ(blocks[b].d, amax / 127.0f) << b;
        const float bound = 0.5f * blocks[b].d * 1.0001f + 1e-6f * amax;
        for (int e = 0; e < kBlockK; ++e)
            ASSERT_LE(std::fabs(x[e] - rt.output[b * kBlockK + e]), bound)
                << "block " << b << " element " << e;
        for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int l = 0; l < 16; ++l) sum += blocks[b].qs[16 * g + l];
            ASSERT_EQ(blocks[b].bsums[g], sum) << "block " << b << " group " << g;
        }
    }
}

// Values already on a Q8_K grid (integers with max 127 and d = 1) come back exactly.
TEST(QuantizeK, Q8_KIsExactOnItsOwnGrid) {
    std::vector<float> x(kBlockK), back(kBlockK);
    for (int e = 0; e < kBlockK; ++e) x[e] = static_cast<float>((e * 37) % 255 - 127);
    BlockQ8_K block;
    quantize_row(DType::Q8_K, x.data(), &block, kBlockK);
    dequantize_row(DType::Q8_K, &block, back.data(), kBlockK);
    EXPECT_EQ(block.d, 1.0f);
    EXPECT_EQ(back, x);
}

}  // namespace
