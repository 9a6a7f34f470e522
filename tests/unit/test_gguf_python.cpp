// Cross-check with the reference GGUF implementation (PyPI `gguf`): tests/data/gguf/python_gguf.gguf was
// written by gguf.GGUFWriter (scripts/goldens/make_gguf_fixtures.py, which also wrote
// python_gguf.expected.json). loom must read every key, type, value and tensor byte as the script says, and
// GgufWriter given the same content must produce the same bytes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/mapped_file.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"

using namespace loom;
using nlohmann::json;

namespace {

const char* kFixture = "tests/data/gguf/python_gguf.gguf";
const char* kExpected = "tests/data/gguf/python_gguf.expected.json";

json expected() {
    return json::parse(read_text_file(kExpected));
}

GgufType type_from_name(const std::string& name) {
    for (uint32_t id = 0; gguf_type_valid(id); ++id)
        if (name == gguf_type_name(static_cast<GgufType>(id))) return static_cast<GgufType>(id);
    throw std::runtime_error("unknown type name " + name);
}

GgufValue scalar(GgufType type, const json& v) {
    switch (type) {
        case GgufType::Float32:
            return GgufValue::f32(v.get<float>());
        case GgufType::Float64:
            return GgufValue::f64(v.get<double>());
        case GgufType::Bool:
            return GgufValue::boolean(v.get<bool>());
        case GgufType::String:
            return GgufValue::string(v.get<std::string>());
        case GgufType::UInt64:
            return GgufValue::u64(v.get<uint64_t>());
        default:
            return GgufValue::integer(type, v.get<int64_t>());
    }
}

GgufValue value_of(const json& entry) {
    GgufType type = type_from_name(entry["type"]);
    if (type != GgufType::Array) return scalar(type, entry["value"]);
    GgufType element = type_from_name(entry["element_type"]);
    std::vector<GgufValue> items;
    for (const json& item : entry["value"]) {
        if (element != GgufType::Array) {
            items.push_back(scalar(element, item));
            continue;
        }
        GgufType inner = type_from_name(entry["inner_type"]);
        std::vector<GgufValue> inner_items;
        for (const json& x : item) inner_items.push_back(scalar(inner, x));
        items.push_back(GgufValue::array(inner, std::move(inner_items)));
    }
    return GgufValue::array(element, std::move(items));
}

std::vector<uint8_t> hex_bytes(const std::string& hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return out;
}

}  // namespace

TEST(GgufPython, ReadsEveryKeyTypeAndValue) {
    auto file = GgufFile::open(kFixture);
    json want = expected();
    EXPECT_EQ(file->version(), 3u);
    EXPECT_EQ(file->alignment(), 32u);
    ASSERT_EQ(file->metadata().size(), want["metadata"].size());
    for (size_t i = 0; i < file->metadata().size(); ++i) {
        const auto& [key, value] = file->metadata()[i];
        const json& entry = want["metadata"][i];
        EXPECT_EQ(key, entry["key"].get<std::string>());
        EXPECT_EQ(gguf_type_name(value.type()), entry["type"].get<std::string>()) << key;
        EXPECT_TRUE(value == value_of(entry)) << key << " = " << value.to_display_string();
    }
    EXPECT_EQ(file->get_string("general.architecture"), "llama");
    EXPECT_EQ(file->get_uint("llama.block_count"), 2u);
    EXPECT_EQ(file->get_float("llama.rope.freq_base"), 10000.0);
    EXPECT_EQ(file->get_int("test.int64"), -9000000000000000000LL);
    EXPECT_EQ(file->get_uint("test.uint64"), 18000000000000000000ULL);
    EXPECT_EQ(file->get_bool("test.bool_true"), true);
    EXPECT_EQ(file->get_string("test.string"), "héllo, wörld ✓");
    EXPECT_EQ(file->get_string_array("test.array_string"),
              (std::vector<std::string>{"a", "", "<|endoftext|>", "Ġthe"}));
    EXPECT_EQ(file->get_int_array("test.array_int32"), (std::vector<int64_t>{-1, 0, 7, 2147483647}));
    EXPECT_EQ(file->get_float_array("test.array_float32"), (std::vector<float>{0.5f, -2.25f, 1e-05f}));
}

TEST(GgufPython, ReadsEveryTensorBitExact) {
    auto file = GgufFile::open(kFixture);
    json want = expected();
    ASSERT_EQ(file->tensor_infos().size(), want["tensors"].size());
    for (size_t i = 0; i < want["tensors"].size(); ++i) {
        const json& t = want["tensors"][i];
        const GgufTensorInfo& info = file->tensor_infos()[i];
        EXPECT_EQ(info.name, t["name"].get<std::string>());
        const Tensor& tensor = file->weights().get(info.name);
        EXPECT_EQ(dtype_name(tensor.dtype()), t["dtype"].get<std::string>()) << info.name;
        EXPECT_EQ(tensor.shape(), t["shape"].get<std::vector<int64_t>>()) << info.name;
        std::vector<uint8_t> bytes = hex_bytes(t["hex"]);
        ASSERT_EQ(tensor.nbytes(), bytes.size()) << info.name;
        EXPECT_EQ(0, std::memcmp(tensor.data(), bytes.data(), bytes.size())) << info.name;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data()) % 32, 0u) << info.name << " data not aligned";
    }
}

// The other direction: what loom writes is what the reference writes, byte for byte, so the reference reader
// reads it. Set LOOM_GGUF_WRITE_TO to keep loom's file for `make_gguf_fixtures.py --check`.
TEST(GgufPython, LoomWritesTheSameBytesAsTheReferenceWriter) {
    json want = expected();
    GgufWriter writer;
    for (const json& entry : want["metadata"]) writer.set(entry["key"], value_of(entry));
    for (const json& t : want["tensors"])
        writer.add_tensor(t["name"], *dtype_from_name(t["dtype"].get<std::string>()),
                          t["shape"].get<std::vector<int64_t>>(), hex_bytes(t["hex"]));
    std::vector<uint8_t> ours = writer.to_bytes();
    auto reference = MappedFile::open(kFixture);
    ASSERT_EQ(ours.size(), reference->size());
    EXPECT_EQ(0, std::memcmp(ours.data(), reference->data(), ours.size()));
    if (const char* out = std::getenv("LOOM_GGUF_WRITE_TO")) writer.write(out);
}
