// dequantize_row: argument checks, plain types, and dispatch to the per-type block dequantizers.
#include "tensor/dequantize.h"

#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"
#include "tensor/dequantize_blocks.h"

namespace loom {
namespace {

// Reinterprets src as blocks after checking its alignment: reading a misaligned struct is undefined
// behaviour, and every row of a GGUF tensor (32-byte aligned data, whole blocks per row) satisfies it.
template <typename Block>
const Block* as_blocks(const void* src, DType type) {
    if (reinterpret_cast<uintptr_t>(src) % alignof(Block) != 0)
        throw Error(std::string("dequantize_row: ") + dtype_name(type) + " data at " +
                    std::to_string(reinterpret_cast<uintptr_t>(src)) + " is not " +
                    std::to_string(alignof(Block)) + "-byte aligned");
    return static_cast<const Block*>(src);
}

// Plain element types that are converted value by value (integers and f64 round to the nearest float).
template <typename Element>
void convert_elements(const void* src, DType type, float* dst, int64_t n) {
    const Element* values = as_blocks<Element>(src, type);
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(values[i]);
}

}  // namespace

void dequantize_row(DType type, const void* src, float* dst, int64_t n) {
    if (n < 0) throw Error("dequantize_row: negative element count " + std::to_string(n));
    const DTypeInfo& info = dtype_info(type);
    row_bytes(type, static_cast<uint64_t>(n));  // throws unless n is a whole number of blocks
    const int64_t n_blocks = n / info.block_size;
    if (n == 0) return;  // src/dst may be null for an empty row

    switch (type) {
        case DType::F32:
            std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
            return;
        case DType::F16: {
            const uint16_t* h = as_blocks<uint16_t>(src, type);
            for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(h[i]);
            return;
        }
        case DType::BF16: {
            const uint16_t* h = as_blocks<uint16_t>(src, type);
            for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
            return;
        }
        case DType::F64:
            convert_elements<double>(src, type, dst, n);
            return;
        case DType::I8:
            convert_elements<int8_t>(src, type, dst, n);
            return;
        case DType::I16:
            convert_elements<int16_t>(src, type, dst, n);
            return;
        case DType::I32:
            convert_elements<int32_t>(src, type, dst, n);
            return;
        case DType::I64:
            convert_elements<int64_t>(src, type, dst, n);
            return;

        case DType::Q4_0:
            dequantize_q4_0(as_blocks<BlockQ4_0>(src, type), dst, n_blocks);
            return;
        case DType::Q4_1:
            dequantize_q4_1(as_blocks<BlockQ4_1>(src, type), dst, n_blocks);
            return;
        case DType::Q5_0:
            dequantize_q5_0(as_blocks<BlockQ5_0>(src, type), dst, n_blocks);
            return;
        case DType::Q5_1:
            dequantize_q5_1(as_blocks<BlockQ5_1>(src, type), dst, n_blocks);
            return;
        case DType::Q8_0:
            dequantize_q8_0(as_blocks<BlockQ8_0>(src, type), dst, n_blocks);
            return;
        case DType::Q8_1:
            dequantize_q8_1(as_blocks<BlockQ8_1>(src, type), dst, n_blocks);
            return;
        case DType::Q2_K:
            dequantize_q2_k(as_blocks<BlockQ2_K>(src, type), dst, n_blocks);
            return;
        case DType::Q3_K:
            dequantize_q3_k(as_blocks<BlockQ3_K>(src, type), dst, n_blocks);
            return;
        case DType::Q4_K:
            dequantize_q4_k(as_blocks<BlockQ4_K>(src, type), dst, n_blocks);
            return;
        case DType::Q5_K:
            dequantize_q5_k(as_blocks<BlockQ5_K>(src, type), dst, n_blocks);
            return;
        case DType::Q6_K:
            dequantize_q6_k(as_blocks<BlockQ6_K>(src, type), dst, n_blocks);
            return;
        case DType::Q8_K:
            dequantize_q8_k(as_blocks<BlockQ8_K>(src, type), dst, n_blocks);
            return;
    }
    throw Error(std::string("no dequantizer for dtype ") + dtype_name(type));
}

}  // namespace loom
