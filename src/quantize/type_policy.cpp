#include "quantize/type_policy.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "quantize/tensor_quantizer.h"

namespace loom {
namespace {

constexpr DType kTargets[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0, DType::Q5_0,
                              DType::Q5_1, DType::Q4_0, DType::Q4_1, DType::Q4_K, DType::Q6_K};

}  // namespace

std::optional<DType> parse_target_type(const std::string& name) {
    std::optional<DType> type = dtype_from_name(name);
    if (!type || std::find(std::begin(kTargets), std::end(kTargets), *type) == std::end(kTargets))
        return std::nullopt;
    return type;
}

const char* target_type_list() {
    return "f32, f16, bf16, q8_0, q5_0, q5_1, q4_0, q4_1, q4_k, q6_k";
}

DType tensor_type_for(DType requested, const std::vector<int64_t>& shape) {
    if (shape.size() < 2) return DType::F32;
    const int64_t inner = shape.back();
    if (can_store_rows(requested, inner)) return requested;
    // k-quant rows that do not split into 256-element super-blocks: a 32-block type with at least as many
    // bits per weight (Q4_K 4.5 -> Q5_0 5.5, Q6_K 6.56 -> Q8_0 8.5), as llama.cpp's quantizer also does.
    const DType fallback = requested == DType::Q4_K ? DType::Q5_0 : DType::Q8_0;
    if (dtype_info(requested).block_size == 256 && can_store_rows(fallback, inner)) return fallback;
    return DType::F16;
}

uint32_t gguf_file_type(DType requested) {
    switch (requested) {
        case DType::F32:
            return 0;
        case DType::F16:
            return 1;
        case DType::Q4_0:
            return 2;
        case DType::Q4_1:
            return 3;
        case DType::Q8_0:
            return 7;
        case DType::Q5_0:
            return 8;
        case DType::Q5_1:
            return 9;
        case DType::Q4_K:
            return 14;  // Q4_K_S: every matrix Q4_K
        case DType::Q6_K:
            return 18;
        case DType::BF16:
            return 32;
        default:
            throw Error(std::string("no GGUF file type for ") + dtype_name(requested));
    }
}

}  // namespace loom
