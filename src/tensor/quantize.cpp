// quantize_row: argument checks, plain float types, and dispatch to the per-type block quantizers.
#include "tensor/quantize.h"

#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"
#include "tensor/quantize_blocks.h"

namespace loom {
namespace {

// Blocks hold fp16/f32 fields; writing them through a misaligned pointer is undefined behaviour.
template <typename Block>
Block* as_blocks(void* dst, DType type) {
    if (reinterpret_cast<uintptr_t>(dst) % alignof(Block) != 0)
        throw Error(std::string("quantize_row: ") + dtype_name(type) + " destination at " +
                    std::to_string(reinterpret_cast<uintptr_t>(dst)) + " is not " +
                    std::to_string(alignof(Block)) + "-byte aligned");
    return static_cast<Block*>(dst);
}

}  // namespace

bool has_quantizer(DType type) {
    switch (type) {
        case DType::F32:
        case DType::F16:
        case DType::BF16:
        case DType::Q4_0:
        case DType::Q4_1:
        case DType::Q5_0:
        case DType::Q5_1:
        case DType::Q8_0:
        case DType::Q8_1:
        case DType::Q4_K:
        case DType::Q6_K:
        case DType::Q8_K:
            return true;
        default:
            return false;
    }
}

void quantize_row(DType type, const float* src, void* dst, int64_t n) {
    if (n < 0) throw Error("quantize_row: negative element count " + std::to_string(n));
    if (!has_quantizer(type)) throw Error(std::string("no quantizer for dtype ") + dtype_name(type));
    const DTypeInfo& info = dtype_info(type);
    row_bytes(type, static_cast<uint64_t>(n));  // throws unless n is a whole number of blocks
    const int64_t n_blocks = n / info.block_size;
    if (n == 0) return;  // src/dst may be null for an empty row

    switch (type) {
        case DType::F32:
            std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
            return;
        case DType::F16: {
            uint16_t* h = as_blocks<uint16_t>(dst, type);
            for (int64_t i = 0; i < n; ++i) h[i] = f32_to_f16(src[i]);
            return;
        }
        case DType::BF16: {
            uint16_t* h = as_blocks<uint16_t>(dst, type);
            for (int64_t i = 0; i < n; ++i) h[i] = f32_to_bf16(src[i]);
            return;
        }
        case DType::Q4_0:
            quantize_q4_0(src, as_blocks<BlockQ4_0>(dst, type), n_blocks);
            return;
        case DType::Q4_1:
            quantize_q4_1(src, as_blocks<BlockQ4_1>(dst, type), n_blocks);
            return;
        case DType::Q5_0:
            quantize_q5_0(src, as_blocks<BlockQ5_0>(dst, type), n_blocks);
            return;
        case DType::Q5_1:
            quantize_q5_1(src, as_blocks<BlockQ5_1>(dst, type), n_blocks);
            return;
        case DType::Q8_0:
            quantize_q8_0(src, as_blocks<BlockQ8_0>(dst, type), n_blocks);
            return;
        case DType::Q8_1:
            quantize_q8_1(src, as_blocks<BlockQ8_1>(dst, type), n_blocks);
            return;
        case DType::Q4_K:
            quantize_q4_k(src, as_blocks<BlockQ4_K>(dst, type), n_blocks);
            return;
        case DType::Q6_K:
            quantize_q6_k(src, as_blocks<BlockQ6_K>(dst, type), n_blocks);
            return;
        case DType::Q8_K:
            quantize_q8_k(src, as_blocks<BlockQ8_K>(dst, type), n_blocks);
            return;
        default:
            break;
    }
    throw Error(std::string("no quantizer for dtype ") + dtype_name(type));
}

}  // namespace loom
