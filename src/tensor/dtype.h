// Element types. The numeric values are the GGUF/GGML type ids, so a GGUF tensor's type field maps directly.
// Quantized types store blocks of `block_size` elements in `block_bytes` bytes (layouts in quant_blocks.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loom {

enum class DType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    BF16 = 30,
};

struct DTypeInfo {
    DType type;
    const char* name;     // "Q4_K", as GGUF tools print it
    uint32_t block_size;  // elements per block (1 for plain types)
    uint32_t block_bytes; // bytes per block
    bool quantized;
};

// nullopt for an id loom does not know (a file with such a tensor gets a clear error).
std::optional<DTypeInfo> dtype_info(uint32_t ggml_type_id);
const DTypeInfo& dtype_info(DType type);
inline const char* dtype_name(DType type) { return dtype_info(type).name; }
std::optional<DType> dtype_from_name(std::string_view name);  // case-insensitive: "q4_k", "F16", "bf16"

// Bytes needed for a row of n elements; throws loom::Error if n is not a multiple of the block size
// or the size overflows.
uint64_t row_bytes(DType type, uint64_t n);

}  // namespace loom
