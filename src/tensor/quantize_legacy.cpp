// Scalar quantizers of the 32-element block types. Each follows the GGUF reference quantizer's arithmetic
// step for step (f32 scale from the block's extreme values, reciprocal, one multiply-add, truncate or round),
// so the bytes match gguf-py's quantize exactly; the fp16 scale is rounded only when stored.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "tensor/quantize_blocks.h"

namespace loom {
namespace {

// The value of largest magnitude, keeping its sign; the first one on ties.
float signed_absmax(const float* x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    }
    return max;
}

float reciprocal_or_zero(float d) {
    return d != 0.0f ? 1.0f / d : 0.0f;
}

// Truncates v (expected in 0..top + 1, as the +0.5 offsets make it) into an integer in [0, top]. Clamping in
// float first keeps NaN and out-of-range inputs from undefined float-to-int conversion.
inline int trunc_to_level(float v, int top) {
    return static_cast<int>(std::fmax(0.0f, std::fmin(static_cast<float>(top), v)));
}

// Rounds half away from zero into [-127, 127].
inline int8_t round_to_int8(float v) {
    return static_cast<int8_t>(std::round(std::fmax(-127.0f, std::fmin(127.0f, v))));
}

// Stores 32 quants of 4 bits: element j < 16 in the low nibble of qs[j], element j + 16 in its high nibble.
void pack_nibbles(const int q[kBlock32], uint8_t qs[kBlock32 / 2]) {
    for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
}

// Bit 4 of each 5-bit quant into bit j of qh (a little-endian uint32).
void pack_high_bits(const int q[kBlock32], uint8_t qh[4]) {
    std::memset(qh, 0, 4);
    for (int j = 0; j < kBlock32; ++j) qh[j / 8] |= static_cast<uint8_t>(((q[j] >> 4) & 1) << (j % 8));
}

struct MinMax {
    float min, max;
};
MinMax min_max(const float* x, int n) {
    MinMax r{x[0], x[0]};
    for (int i = 1; i < n; ++i) {
        r.min = std::min(r.min, x[i]);
        r.max = std::max(r.max, x[i]);
    }
    return r;
}

}  // namespace

// Symmetric 4-bit: the extreme value maps to level 0 (q - 8 = -8), so d = max / -8 carries its sign.
void quantize_q4_0(const float* src, BlockQ4_0* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlock32) {
        const float d = signed_absmax(src, kBlock32) / -8.0f;
        const float id = reciprocal_or_zero(d);
        int q[kBlock32];
        for (int j = 0; j < kBlock32; ++j) q[j] = trunc_to_level(src[j] * id + 8.5f, 15);
        blocks[b].d = f32_to_f16(d);
        pack_nibbles(q, blocks[b].qs);
    }
}

// Affine 4-bit: levels 0..15 span [min, max].
void quantize_q4_1(const float* src, BlockQ4_1* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlock32) {
        const MinMax range = min_max(src, kBlock32);
        const float d = (range.max - range.min) / 15.0f;
        const float id = reciprocal_or_zero(d);
        int q[kBlock32];
        for (int j = 0; j < kBlock32; ++j) q[j] = trunc_to_level((src[j] - range.min) * id + 0.5f, 15);
        blocks[b].d = f32_to_f16(d);
        blocks[b].m = f32_to_f16(range.min);
        pack_nibbles(q, blocks[b].qs);
    }
}

// Symmetric 5-bit, as Q4_0 with 32 levels.
void quantize_q5_0(const float* src, BlockQ5_0* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlock32) {
        const float d = signed_absmax(src, kBlock32) / -16.0f;
        const float id = reciprocal_or_zero(d);
        int q[kBlock32];
        for (int j = 0; j < kBlock32; ++j) q[j] = trunc_to_level(src[j] * id + 16.5f, 31);
        blocks[b].d = f32_to_f16(d);
        pack_high_bits(q, blocks[b].qh);
        pack_nibbles(q, blocks[b].qs);
    }
}

// Affine 5-bit, as Q4_1 with 32 levels.
void quantize_q5_1(const float* src, BlockQ5_1* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlock32) {
        const MinMax range = min_max(src, kBlock32);
        const float d = (range.max - range.min) / 31.0f;
        const float id = reciprocal_or_zero(d);
        int q[kBlock32];
        for (int j = 0; j < kBlock32; ++j) q[j] = trunc_to_level((src[j] - range.min) * id + 0.5f, 31);
        blocks[b].d = f32_to_f16(d);
        blocks[b].m = f32_to_f16(range.min);
        pack_high_bits(q, blocks[b].qh);
        pack_nibbles(q, blocks[b].qs);
    }
}

// Symmetric 8-bit: d = max|x| / 127, q = x / d rounded half away from zero.
void quantize_q8_0(const float* src, BlockQ8_0* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlock32) {
        const float d = std::fabs(signed_absmax(src, kBlock32)) / 127.0f;
        const float id = reciprocal_or_zero(d);
        for (int j = 0; j < kBlock32; ++j) blocks[b].qs[j] = round_to_int8(src[j] * id);
        blocks[b].d = f32_to_f16(d);
    }
}

// As Q8_0, plus s = d * sum(q) (f32 d, as the dot products against Q4_1/Q5_1 use it).
void quantize_q8_1(const float* src, BlockQ8_1* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, src += kBlock32) {
        const float d = std::fabs(signed_absmax(src, kBlock32)) / 127.0f;
        const float id = reciprocal_or_zero(d);
        int sum = 0;
        for (int j = 0; j < kBlock32; ++j) {
            blocks[b].qs[j] = round_to_int8(src[j] * id);
            sum += blocks[b].qs[j];
        }
        blocks[b].d = f32_to_f16(d);
        blocks[b].s = f32_to_f16(d * static_cast<float>(sum));
    }
}

}  // namespace loom
