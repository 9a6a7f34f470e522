// Dequantization to f32: the scalar reference for every dtype (block layouts in quant_blocks.h).
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace loom {

// Converts n elements (a whole number of blocks) starting at src into dst. Throws loom::Error for a type
// that has no dequantizer.
void dequantize_row(DType type, const void* src, float* dst, int64_t n);

}  // namespace loom
