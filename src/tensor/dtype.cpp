#include "tensor/dtype.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace loom {
namespace {

constexpr DTypeInfo kTypes[] = {
    {DType::F32, "F32", 1, 4, false},       {DType::F16, "F16", 1, 2, false},
    {DType::Q4_0, "Q4_0", 32, 18, true},    {DType::Q4_1, "Q4_1", 32, 20, true},
    {DType::Q5_0, "Q5_0", 32, 22, true},    {DType::Q5_1, "Q5_1", 32, 24, true},
    {DType::Q8_0, "Q8_0", 32, 34, true},    {DType::Q8_1, "Q8_1", 32, 36, true},
    {DType::Q2_K, "Q2_K", 256, 84, true},   {DType::Q3_K, "Q3_K", 256, 110, true},
    {DType::Q4_K, "Q4_K", 256, 144, true},  {DType::Q5_K, "Q5_K", 256, 176, true},
    {DType::Q6_K, "Q6_K", 256, 210, true},  {DType::Q8_K, "Q8_K", 256, 292, true},
    {DType::I8, "I8", 1, 1, false},         {DType::I16, "I16", 1, 2, false},
    {DType::I32, "I32", 1, 4, false},       {DType::I64, "I64", 1, 8, false},
    {DType::F64, "F64", 1, 8, false},       {DType::BF16, "BF16", 1, 2, false},
};

}  // namespace

std::optional<DTypeInfo> dtype_info(uint32_t ggml_type_id) {
    for (const auto& info : kTypes)
        if (static_cast<uint32_t>(info.type) == ggml_type_id) return info;
    return std::nullopt;
}

const DTypeInfo& dtype_info(DType type) {
    for (const auto& info : kTypes)
        if (info.type == type) return info;
    throw Error("internal: unknown dtype id " + std::to_string(static_cast<uint32_t>(type)));
}

std::optional<DType> dtype_from_name(std::string_view name) {
    for (const auto& info : kTypes) {
        std::string_view candidate = info.name;
        if (candidate.size() == name.size() &&
            std::equal(name.begin(), name.end(), candidate.begin(),
                       [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; }))
            return info.type;
    }
    return std::nullopt;
}

uint64_t row_bytes(DType type, uint64_t n) {
    const DTypeInfo& info = dtype_info(type);
    if (n % info.block_size != 0)
        throw Error("row of " + std::to_string(n) + " elements is not a multiple of the " + info.name +
                    " block size " + std::to_string(info.block_size));
    uint64_t blocks = n / info.block_size;
    if (blocks > UINT64_MAX / info.block_bytes) throw Error("tensor size overflows 64 bits");
    return blocks * info.block_bytes;
}

}  // namespace loom
