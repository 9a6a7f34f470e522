// Which element type each tensor gets when a model is converted or quantized to a requested type.
//
// The rule is uniform ("pure" in llama.cpp's terms): every matrix (rank >= 2) takes the requested type, every
// vector (norm gains, biases, RoPE factors) stays f32 — vectors are tiny and the kernels read them as f32.
// A matrix whose rows do not split into the type's blocks falls back: Q4_K to Q5_0, Q6_K to Q8_0 (32-element
// blocks, no fewer bits per weight), then anything to F16, which holds any row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace loom {

// The target types `loom convert --type` and `loom quantize` accept: f32 f16 bf16 q8_0 q5_0 q5_1 q4_0 q4_1
// q4_k q6_k.
std::optional<DType> parse_target_type(const std::string& name);
const char* target_type_list();  // "f32, f16, bf16, q8_0, ..." for messages

DType tensor_type_for(DType requested, const std::vector<int64_t>& shape);

// GGUF general.file_type for a uniformly quantized file (llama.cpp's LLAMA_FTYPE values).
uint32_t gguf_file_type(DType requested);

}  // namespace loom
