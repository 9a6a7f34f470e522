// Scalar quantizers of the K super-block types Q4_K, Q6_K (weights) and Q8_K (activations).
//
// Q4_K / Q6_K use a direct scheme with a provable error bound instead of a search for the best scales: every
// stored scale is rounded *up* (fp16 super-scale to the next representable value, 6/8-bit sub-scale by ceil),
// so each sub-block's levels always cover its values and every element is within half a quantization step of
// its input. tests/unit/test_quantize_k.cpp checks exactly that bound.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "tensor/dequantize_blocks.h"
#include "tensor/quantize_blocks.h"

namespace loom {
namespace {

constexpr uint16_t kLargestFiniteHalf = 0x7BFF;  // 65504

// The smallest fp16 >= v for finite v >= 0, saturating at 65504 (larger scales lose coverage but stay
// finite).
uint16_t f16_at_least(float v) {
    uint16_t h = f32_to_f16(v);
    if (h > kLargestFiniteHalf) return kLargestFiniteHalf;
    if (f16_to_f32(h) < v) ++h;  // positive halves are ordered like their bit patterns
    return std::min(h, kLargestFiniteHalf);
}

// ceil(v / unit) in [0, top]; 0 when unit is 0. Clamped in float so no input makes the conversion undefined.
int ceil_levels(float v, float unit, int top) {
    if (!(unit > 0.0f)) return 0;
    return static_cast<int>(std::fmax(0.0f, std::fmin(static_cast<float>(top), std::ceil(v / unit))));
}

// round(v / step) in [lo, hi] (half away from zero); 0 when step is 0.
int round_levels(float v, float step, int lo, int hi) {
    if (!(step > 0.0f)) return 0;
    const float q = std::round(v / step);
    return static_cast<int>(std::fmax(static_cast<float>(lo), std::fmin(static_cast<float>(hi), q)));
}

// Inverse of k_scale_min (dequantize_blocks.h): 8 scales and 8 mins of 6 bits into 12 bytes.
void pack_k_scales(const int scale[8], const int min[8], uint8_t packed[12]) {
    for (int j = 0; j < 4; ++j) {
        packed[j] = static_cast<uint8_t>((scale[j] & 63) | ((scale[j + 4] >> 4) << 6));
        packed[j + 4] = static_cast<uint8_t>((min[j] & 63) | ((min[j + 4] >> 4) << 6));
        packed[j + 8] = static_cast<uint8_t>((scale[j + 4] & 0x0F) | ((min[j + 4] & 0x0F) << 4));
    }
}

}  // namespace

// Q4_K: x = d * scale_j * q - dmin * min_j over 8 sub-blocks of 32, q in 0..15, scale_j and min_j 6-bit.
// Mins are unsigned offsets subtracted, so a sub-block whose values are all positive starts its levels at 0.
void quantize_q4_k(const float* src, BlockQ4_K* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlockK) {
        float top[8],
            offset_needed[8];  // per sub-block: largest value, and how far below 0 the levels must go
        float max_offset = 0.0f;
        for (int j = 0; j < 8; ++j) {
            const float* x = src + 32 * j;
            top[j] = *std::max_element(x, x + 32);
            offset_needed[j] = std::max(0.0f, -*std::min_element(x, x + 32));
            max_offset = std::max(max_offset, offset_needed[j]);
        }
        // Mins first: the step must then span from the (rounded up) offset to the top value in 15 levels.
        BlockQ4_K& block = blocks[b];
        block.dmin = f16_at_least(max_offset / 63.0f);
        const float dmin = f16_to_f32(block.dmin);
        int min_level[8];
        float offset[8], step_needed[8], max_step = 0.0f;
        for (int j = 0; j < 8; ++j) {
            min_level[j] = ceil_levels(offset_needed[j], dmin, 63);
            offset[j] = dmin * static_cast<float>(min_level[j]);
            step_needed[j] = std::max(0.0f, (top[j] + offset[j]) / 15.0f);
            max_step = std::max(max_step, step_needed[j]);
        }
        block.d = f16_at_least(max_step / 63.0f);
        const float d = f16_to_f32(block.d);
        int scale_level[8];
        for (int j = 0; j < 8; ++j) scale_level[j] = ceil_levels(step_needed[j], d, 63);
        pack_k_scales(scale_level, min_level, block.scales);

        std::memset(block.qs, 0, sizeof(block.qs));
        for (int j = 0; j < 8; ++j) {
            const float step = d * static_cast<float>(scale_level[j]);
            for (int l = 0; l < 32; ++l) {
                const int q = round_levels(src[32 * j + l] + offset[j], step, 0, 15);
                block.qs[32 * (j / 2) + l] |= static_cast<uint8_t>(q << (4 * (j % 2)));
            }
        }
    }
}

// Q6_K: x = d * scale_j * (q - 32) over 16 sub-blocks of 16, q in 0..63, scale_j int8. Symmetric: levels
// -31..31 cover [-max|x|, max|x|] of each sub-block.
void quantize_q6_k(const float* src, BlockQ6_K* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlockK) {
        float step_needed[16], max_step = 0.0f;
        for (int j = 0; j < 16; ++j) {
            float amax = 0.0f;
            for (int l = 0; l < 16; ++l) amax = std::max(amax, std::fabs(src[16 * j + l]));
            step_needed[j] = amax / 31.0f;
            max_step = std::max(max_step, step_needed[j]);
        }
        BlockQ6_K& block = blocks[b];
        block.d = f16_at_least(max_step / 127.0f);
        const float d = f16_to_f32(block.d);
        std::memset(block.ql, 0, sizeof(block.ql));
        std::memset(block.qh, 0, sizeof(block.qh));
        for (int j = 0; j < 16; ++j) {
            const int scale_level = ceil_levels(step_needed[j], d, 127);
            block.scales[j] = static_cast<int8_t>(scale_level);
            const float step = d * static_cast<float>(scale_level);
            for (int l = 0; l < 16; ++l) {
                const int e = 16 * j + l;
                const int q = round_levels(src[e], step, -32, 31) + 32;
                // Element order as in dequantize_q6_k: half h, position r within the half.
                const int half = e / 128, r = e % 128;
                block.ql[64 * half + r % 64] |= static_cast<uint8_t>((q & 0x0F) << (4 * (r / 64)));
                block.qh[32 * half + r % 32] |= static_cast<uint8_t>((q >> 4) << (2 * (r / 32)));
            }
        }
    }
}

// Q8_K: symmetric 8-bit with an f32 scale d = max|x| / 127, plus the sum of each group of 16 quants.
void quantize_q8_k(const float* src, BlockQ8_K* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlockK) {
        float amax = 0.0f;
        for (int e = 0; e < kBlockK; ++e) amax = std::max(amax, std::fabs(src[e]));
        BlockQ8_K& block = blocks[b];
        block.d = amax / 127.0f;
        const float id = block.d != 0.0f ? 1.0f / block.d : 0.0f;
        for (int e = 0; e < kBlockK; ++e)
            block.qs[e] = static_cast<int8_t>(std::round(std::fmax(-127.0f, std::fmin(127.0f, src[e] * id))));
        for (int g = 0; g < kBlockK / 16; ++g) {
            int sum = 0;
            for (int l = 0; l < 16; ++l) sum += block.qs[16 * g + l];
            block.bsums[g] = static_cast<int16_t>(sum);
        }
    }
}

}  // namespace loom
