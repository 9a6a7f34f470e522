// Quantization from f32: the scalar reference quantizers (block layouts in quant_blocks.h).
//
// Legacy types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) reproduce the GGUF reference quantizers bit for bit (tested
// against gguf-py). Q8_1 and Q8_K quantize activations for dot products with the quantized weight types. Q4_K
// and Q6_K use a simple round-trip-bounded scheme (no search for the best scales), good for tests and tiny
// models, not a replacement for llama.cpp's quantize tool.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace loom {

// Converts n f32 values (a whole number of blocks) into row_bytes(type, n) bytes at dst. Inputs should be
// finite: NaN/Inf give unspecified (but in-range, never undefined) quants. Throws loom::Error for a type
// without a quantizer (see has_quantizer), a partial block, or a negative n.
void quantize_row(DType type, const float* src, void* dst, int64_t n);

// F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q4_K, Q6_K, Q8_K.
bool has_quantizer(DType type);

}  // namespace loom
