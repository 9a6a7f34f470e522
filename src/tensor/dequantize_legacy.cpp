// Scalar dequantizers of the 32-element block types (layouts and formulas in quant_blocks.h).
#include "core/half.h"
#include "tensor/dequantize_blocks.h"

namespace loom {
namespace {

// Element j of a 32-block keeps its low 4 bits in qs[j % 16]: the low nibble for j < 16, the high one after.
inline int low_nibble_of(const uint8_t qs[kBlock32 / 2], int j) {
    return j < 16 ? (qs[j] & 0x0F) : (qs[j - 16] >> 4);
}

// Bit 4 of element j is bit j of qh read as a little-endian uint32.
inline int high_bit_of(const uint8_t qh[4], int j) {
    return (qh[j / 8] >> (j % 8)) & 1;
}

}  // namespace

// x = (q - 8) * d, q in 0..15.
void dequantize_q4_0(const BlockQ4_0* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ4_0& block = blocks[b];
        const float d = f16_to_f32(block.d);
        for (int j = 0; j < kBlock32; ++j) dst[j] = d * static_cast<float>(low_nibble_of(block.qs, j) - 8);
        dst += kBlock32;
    }
}

// x = q * d + m, q in 0..15.
void dequantize_q4_1(const BlockQ4_1* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ4_1& block = blocks[b];
        const float d = f16_to_f32(block.d);
        const float m = f16_to_f32(block.m);
        for (int j = 0; j < kBlock32; ++j) dst[j] = d * static_cast<float>(low_nibble_of(block.qs, j)) + m;
        dst += kBlock32;
    }
}

// x = (q - 16) * d, q in 0..31.
void dequantize_q5_0(const BlockQ5_0* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ5_0& block = blocks[b];
        const float d = f16_to_f32(block.d);
        for (int j = 0; j < kBlock32; ++j) {
            const int q = low_nibble_of(block.qs, j) | (high_bit_of(block.qh, j) << 4);
            dst[j] = d * static_cast<float>(q - 16);
        }
        dst += kBlock32;
    }
}

// x = q * d + m, q in 0..31.
void dequantize_q5_1(const BlockQ5_1* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ5_1& block = blocks[b];
        const float d = f16_to_f32(block.d);
        const float m = f16_to_f32(block.m);
        for (int j = 0; j < kBlock32; ++j) {
            const int q = low_nibble_of(block.qs, j) | (high_bit_of(block.qh, j) << 4);
            dst[j] = d * static_cast<float>(q) + m;
        }
        dst += kBlock32;
    }
}

// x = q * d, q signed 8-bit.
void dequantize_q8_0(const BlockQ8_0* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const float d = f16_to_f32(blocks[b].d);
        for (int j = 0; j < kBlock32; ++j) dst[j] = d * static_cast<float>(blocks[b].qs[j]);
        dst += kBlock32;
    }
}

// As Q8_0; the stored sum s is only a shortcut for dot products and does not enter the values.
void dequantize_q8_1(const BlockQ8_1* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const float d = f16_to_f32(blocks[b].d);
        for (int j = 0; j < kBlock32; ++j) dst[j] = d * static_cast<float>(blocks[b].qs[j]);
        dst += kBlock32;
    }
}

}  // namespace loom
