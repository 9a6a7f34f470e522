// Per-type scalar quantizers: n_blocks * block_size floats at src into n_blocks blocks at dst.
// quantize_row (quantize.h) checks arguments and dispatches here.
#pragma once

#include <cstdint>

#include "tensor/quant_blocks.h"

namespace loom {

// Legacy 32-element blocks (quantize_legacy.cpp), same arithmetic as the GGUF reference quantizers.
void quantize_q4_0(const float* src, BlockQ4_0* blocks, int64_t n_blocks);
void quantize_q4_1(const float* src, BlockQ4_1* blocks, int64_t n_blocks);
void quantize_q5_0(const float* src, BlockQ5_0* blocks, int64_t n_blocks);
void quantize_q5_1(const float* src, BlockQ5_1* blocks, int64_t n_blocks);
void quantize_q8_0(const float* src, BlockQ8_0* blocks, int64_t n_blocks);
void quantize_q8_1(const float* src, BlockQ8_1* blocks, int64_t n_blocks);

// 256-element super-blocks (quantize_k.cpp).
void quantize_q4_k(const float* src, BlockQ4_K* blocks, int64_t n_blocks);
void quantize_q6_k(const float* src, BlockQ6_K* blocks, int64_t n_blocks);
void quantize_q8_k(const float* src, BlockQ8_K* blocks, int64_t n_blocks);

}  // namespace loom
