// Scalar dequantizers of the 256-element K super-block types (layouts in quant_blocks.h).
//
// Element order shared by Q2_K, Q3_K and Q6_K: the super-block is two halves of 128 elements; inside half h,
// element r (0..127) reads byte (r % 32) of that half's 32-byte slice of the packed array, at bit position
// 2 * (r / 32). Q4_K / Q5_K instead pair sub-blocks: 32 bytes of qs carry sub-block 2c in their low nibbles
// and sub-block 2c + 1 in their high nibbles.
#include "core/half.h"
#include "tensor/dequantize_blocks.h"

namespace loom {

ScaleMin k_scale_min(const uint8_t packed[12], int j) {
    if (j < 4) return {static_cast<uint8_t>(packed[j] & 63), static_cast<uint8_t>(packed[j + 4] & 63)};
    const int scale = (packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4);
    const int min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
    return {static_cast<uint8_t>(scale), static_cast<uint8_t>(min)};
}

namespace {

// The 2-bit field of element e (0..255) in a 64-byte array packed as described at the top of this file.
inline int two_bits_of(const uint8_t packed[kBlockK / 4], int e) {
    const int half = e / 128, r = e % 128;
    return (packed[32 * half + r % 32] >> (2 * (r / 32))) & 3;
}

// Q3_K's 16 signed 6-bit scales: low 4 bits in the nibbles of bytes 0-7 (scale j < 8 low nibble of byte j,
// scale j >= 8 high nibble of byte j - 8), high 2 bits in bytes 8-11 (byte 8 + j % 4, bit pair j / 4).
inline int q3_k_scale(const uint8_t packed[12], int j) {
    const int low = j < 8 ? (packed[j] & 0x0F) : (packed[j - 8] >> 4);
    const int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
    return (low | (high << 4)) - 32;
}

}  // namespace

// 16 sub-blocks of 16: x = d * (scale & 15) * q - dmin * (scale >> 4), q in 0..3.
void dequantize_q2_k(const BlockQ2_K* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ2_K& block = blocks[b];
        const float d = f16_to_f32(block.d);
        const float dmin = f16_to_f32(block.dmin);
        for (int e = 0; e < kBlockK; ++e) {
            const uint8_t packed_scale = block.scales[e / 16];
            const float step = d * static_cast<float>(packed_scale & 0x0F);
            const float offset = dmin * static_cast<float>(packed_scale >> 4);
            dst[e] = step * static_cast<float>(two_bits_of(block.qs, e)) - offset;
        }
        dst += kBlockK;
    }
}

// 16 sub-blocks of 16: x = d * (scale - 32) * q, q = low 2 bits - (hmask bit set ? 0 : 4), in -4..3.
// The high bit of element e is bit e / 32 of hmask[e % 32].
void dequantize_q3_k(const BlockQ3_K* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ3_K& block = blocks[b];
        const float d = f16_to_f32(block.d);
        for (int e = 0; e < kBlockK; ++e) {
            const float step = d * static_cast<float>(q3_k_scale(block.scales, e / 16));
            const int high_bit = (block.hmask[e % 32] >> (e / 32)) & 1;
            const int q = two_bits_of(block.qs, e) - (high_bit ? 0 : 4);
            dst[e] = step * static_cast<float>(q);
        }
        dst += kBlockK;
    }
}

// 8 sub-blocks of 32: x = d * scale * q - dmin * min, q in 0..15.
void dequantize_q4_k(const BlockQ4_K* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ4_K& block = blocks[b];
        const float d = f16_to_f32(block.d);
        const float dmin = f16_to_f32(block.dmin);
        for (int sub = 0; sub < 8; ++sub) {
            const ScaleMin sm = k_scale_min(block.scales, sub);
            const float step = d * static_cast<float>(sm.scale);
            const float offset = dmin * static_cast<float>(sm.min);
            const uint8_t* qs = block.qs + 32 * (sub / 2);
            const int shift = 4 * (sub % 2);
            for (int l = 0; l < 32; ++l)
                dst[32 * sub + l] = step * static_cast<float>((qs[l] >> shift) & 0x0F) - offset;
        }
        dst += kBlockK;
    }
}

// As Q4_K with q in 0..31; bit 4 of element 32 * sub + l is bit `sub` of qh[l].
void dequantize_q5_k(const BlockQ5_K* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ5_K& block = blocks[b];
        const float d = f16_to_f32(block.d);
        const float dmin = f16_to_f32(block.dmin);
        for (int sub = 0; sub < 8; ++sub) {
            const ScaleMin sm = k_scale_min(block.scales, sub);
            const float step = d * static_cast<float>(sm.scale);
            const float offset = dmin * static_cast<float>(sm.min);
            const uint8_t* qs = block.qs + 32 * (sub / 2);
            const int shift = 4 * (sub % 2);
            for (int l = 0; l < 32; ++l) {
                const int q = ((qs[l] >> shift) & 0x0F) | (((block.qh[l] >> sub) & 1) << 4);
                dst[32 * sub + l] = step * static_cast<float>(q) - offset;
            }
        }
        dst += kBlockK;
    }
}

// 16 sub-blocks of 16: x = d * scale * (q - 32), q in 0..63. Low 4 bits: in half h, element r takes the
// low nibble (r < 64) or high nibble (r >= 64) of ql[64 h + r % 64]; the top 2 bits come from qh as for Q2_K.
void dequantize_q6_k(const BlockQ6_K* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        const BlockQ6_K& block = blocks[b];
        const float d = f16_to_f32(block.d);
        for (int e = 0; e < kBlockK; ++e) {
            const int half = e / 128, r = e % 128;
            const int low = (block.ql[64 * half + r % 64] >> (4 * (r / 64))) & 0x0F;
            const int q = low | (two_bits_of(block.qh, e) << 4);
            const float step = d * static_cast<float>(block.scales[e / 16]);
            dst[e] = step * static_cast<float>(q - 32);
        }
        dst += kBlockK;
    }
}

// x = d * q with an f32 scale; bsums are a dot-product shortcut and do not enter the values.
void dequantize_q8_k(const BlockQ8_K* blocks, float* dst, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b) {
        for (int e = 0; e < kBlockK; ++e) dst[e] = blocks[b].d * static_cast<float>(blocks[b].qs[e]);
        dst += kBlockK;
    }
}

}  // namespace loom
