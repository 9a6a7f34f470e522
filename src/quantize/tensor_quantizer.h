// Re-encoding one tensor's data into another element type: every row is dequantized to f32 and quantized
// again with the scalar reference quantizers (tensor/quantize.h), rows spread over threads with parallel_for.
// Used by `loom quantize` (GGUF -> GGUF) and `loom convert` (safetensors -> GGUF).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace loom {

// Called with (rows done, total rows) from the calling thread, at most once per chunk of rows.
using RowProgress = std::function<void(int64_t done, int64_t total)>;

// The bytes of `src` stored as `target` (shape unchanged): [rows, row_bytes(target, inner)]. Throws
// loom::Error naming `name` when the target has no quantizer or the innermost dimension is not a multiple of
// its block size. A same-type request copies the bytes.
std::vector<uint8_t> requantize_tensor(const Tensor& src, DType target, const std::string& name,
                                       const RowProgress& progress = {});

// The same for f32 rows already in memory: values [rows, inner].
std::vector<uint8_t> quantize_rows(const float* values, int64_t rows, int64_t inner, DType target,
                                   const std::string& name);

// True when `type` can hold a row of `inner` elements (a quantizer exists and the block size divides it).
bool can_store_rows(DType type, int64_t inner);

}  // namespace loom
