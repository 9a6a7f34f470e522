// Reader for the quantization golden files written by scripts/goldens/make_quant_goldens.py (format described
// there): a 24-byte header, then the block bytes and f32 values in the order the kind says.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace loom::testing {

struct QuantGolden {
    DType type{};
    int64_t n_blocks = 0;
    int64_t block_size = 0;
    int64_t block_bytes = 0;
    std::vector<uint8_t> blocks;  // (n_blocks, block_bytes)
    std::vector<float> values;    // (n_blocks * block_size): dequantized blocks, or quantizer input
    int64_t elements() const { return n_blocks * block_size; }
};

enum class GoldenKind : uint32_t { kDequant = 0, kQuant = 1 };

// Loads tests/data/quant/<name>; fails the calling test (ASSERT) on a missing or malformed file.
inline void load_quant_golden(const std::string& name, GoldenKind expected_kind, QuantGolden& golden) {
    const std::string path = std::string(LOOM_SOURCE_DIR) + "/tests/data/quant/" + name;
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "missing golden " << path << " (run scripts/goldens/make_quant_goldens.py)";
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(bytes.size(), 24u) << path;
    ASSERT_EQ(std::memcmp(bytes.data(), "LQG1", 4), 0) << path;
    uint32_t header[5];  // kind, ggml type id, n_blocks, block_size, block_bytes
    std::memcpy(header, bytes.data() + 4, sizeof(header));
    ASSERT_EQ(header[0], static_cast<uint32_t>(expected_kind)) << path;
    auto info = dtype_info(header[1]);
    ASSERT_TRUE(info.has_value()) << path << ": unknown type id " << header[1];
    ASSERT_EQ(header[3], info->block_size) << path;
    ASSERT_EQ(header[4], info->block_bytes) << path;
    golden.type = info->type;
    golden.n_blocks = header[2];
    golden.block_size = header[3];
    golden.block_bytes = header[4];
    const size_t block_total = static_cast<size_t>(golden.n_blocks * golden.block_bytes);
    const size_t value_total = static_cast<size_t>(golden.elements()) * sizeof(float);
    ASSERT_EQ(bytes.size(), 24 + block_total + value_total) << path;
    const uint8_t* first = bytes.data() + 24;
    const uint8_t* second = first + (expected_kind == GoldenKind::kDequant ? block_total : value_total);
    const uint8_t* block_bytes = expected_kind == GoldenKind::kDequant ? first : second;
    const uint8_t* value_bytes = expected_kind == GoldenKind::kDequant ? second : first;
    golden.blocks.assign(block_bytes, block_bytes + block_total);
    golden.values.resize(static_cast<size_t>(golden.elements()));
    std::memcpy(golden.values.data(), value_bytes, value_total);
}

inline uint32_t float_bits(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return bits;
}

}  // namespace loom::testing
