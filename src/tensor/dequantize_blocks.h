// Per-type scalar dequantizers: the readable reference that SIMD/CUDA kernels are tested against.
// Each converts n_blocks consecutive blocks into n_blocks * block_size floats (layouts in quant_blocks.h).
// dequantize_row (dequantize.h) validates its arguments and dispatches here; call these directly only when
// the type is known at compile time.
//
// Arithmetic follows the GGUF definitions term by term (scale products in f32 first, then one multiply and
// one add per element) so results match the gguf Python reference bit for bit. These files are compiled
// without FMA flags; a fused multiply-add would change the last bit of the affine types (Q4_1, Q5_1, Q2_K,
// Q4_K, Q5_K).
#pragma once

#include <cstdint>

#include "tensor/quant_blocks.h"

namespace loom {

// Legacy 32-element blocks (dequantize_legacy.cpp).
void dequantize_q4_0(const BlockQ4_0* blocks, float* dst, int64_t n_blocks);
void dequantize_q4_1(const BlockQ4_1* blocks, float* dst, int64_t n_blocks);
void dequantize_q5_0(const BlockQ5_0* blocks, float* dst, int64_t n_blocks);
void dequantize_q5_1(const BlockQ5_1* blocks, float* dst, int64_t n_blocks);
void dequantize_q8_0(const BlockQ8_0* blocks, float* dst, int64_t n_blocks);
void dequantize_q8_1(const BlockQ8_1* blocks, float* dst, int64_t n_blocks);

// 256-element super-blocks (dequantize_k.cpp).
void dequantize_q2_k(const BlockQ2_K* blocks, float* dst, int64_t n_blocks);
void dequantize_q3_k(const BlockQ3_K* blocks, float* dst, int64_t n_blocks);
void dequantize_q4_k(const BlockQ4_K* blocks, float* dst, int64_t n_blocks);
void dequantize_q5_k(const BlockQ5_K* blocks, float* dst, int64_t n_blocks);
void dequantize_q6_k(const BlockQ6_K* blocks, float* dst, int64_t n_blocks);
void dequantize_q8_k(const BlockQ8_K* blocks, float* dst, int64_t n_blocks);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K super-block, unpacked from its 12 bytes:
// bytes 0-3 hold scales 0-3 in their low 6 bits, bytes 4-7 mins 0-3; sub-blocks 4-7 take their low 4 bits
// from the nibbles of bytes 8-11 (scale low, min high) and their top 2 bits from the top bits of bytes 0-3
// (scales) and 4-7 (mins). Quantizers pack with the inverse of this.
struct ScaleMin {
    uint8_t scale, min;
};
ScaleMin k_scale_min(const uint8_t packed[12], int j);

}  // namespace loom
