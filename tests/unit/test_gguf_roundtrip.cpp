// GgufWriter -> GgufFile round trips: every loom DType (random bytes of the right size) and every metadata
// type, nested arrays included, read back bit-exact, for v2 and v3 and several alignments.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "formats/gguf.h"
#include "formats/gguf_writer.h"

using namespace loom;

namespace {

// All dtypes loom knows, found through the GGML id table (ids 0..63 cover every GGML type so far).
std::vector<DTypeInfo> all_dtypes() {
    std::vector<DTypeInfo> out;
    for (uint32_t id = 0; id < 64; ++id)
        if (auto info = dtype_info(id)) out.push_back(*info);
    return out;
}

std::vector<std::pair<std::string, GgufValue>> every_value_type() {
    std::vector<GgufValue> nested_inner = {GgufValue::string_array({"a", "bc"}), GgufValue::string_array({})};
    std::vector<GgufValue> doubly_nested = {
        GgufValue::array(GgufType::Array, {GgufValue::int_array(GgufType::Int16, {-1, 2})}),
        GgufValue::array(GgufType::Array, {})};
    return {
        {"u8", GgufValue::u8(255)},
        {"i8", GgufValue::i8(-128)},
        {"u16", GgufValue::u16(65535)},
        {"i16", GgufValue::i16(-32768)},
        {"u32", GgufValue::u32(4294967295u)},
        {"i32", GgufValue::i32(INT32_MIN)},
        {"u64", GgufValue::u64(UINT64_MAX)},
        {"i64", GgufValue::i64(INT64_MIN)},
        {"f32", GgufValue::f32(-1.5e-38f)},
        {"f64", GgufValue::f64(2.2250738585072014e-308)},
        {"bool", GgufValue::boolean(true)},
        {"string", GgufValue::string(std::string("with\0nul and ünïcode", 20))},
        {"empty_string", GgufValue::string("")},
        {"a_u8", GgufValue::int_array(GgufType::UInt8, {0, 7, 255})},
        {"a_i8", GgufValue::int_array(GgufType::Int8, {-128, 127})},
        {"a_u16", GgufValue::int_array(GgufType::UInt16, {1, 65535})},
        {"a_i16", GgufValue::int_array(GgufType::Int16, {-3})},
        {"a_u32", GgufValue::int_array(GgufType::UInt32, {4294967295})},
        {"a_i32", GgufValue::int_array(GgufType::Int32, {-1, 0, 1})},
        {"a_u64", GgufValue::array(GgufType::UInt64, {GgufValue::u64(UINT64_MAX)})},
        {"a_i64", GgufValue::int_array(GgufType::Int64, {INT64_MIN, INT64_MAX})},
        {"a_f32", GgufValue::float_array({0.0f, -0.0f, 3.25f})},
        {"a_f64", GgufValue::array(GgufType::Float64, {GgufValue::f64(1e300), GgufValue::f64(-0.0)})},
        {"a_bool", GgufValue::array(GgufType::Bool, {GgufValue::boolean(false), GgufValue::boolean(true)})},
        {"a_string", GgufValue::string_array({"x", "", "yz"})},
        {"a_empty", GgufValue::array(GgufType::Float32, {})},
        {"a_nested", GgufValue::array(GgufType::Array, nested_inner)},
        {"a_nested2", GgufValue::array(GgufType::Array, doubly_nested)},
    };
}

struct WrittenTensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
};

// One tensor of every dtype, shapes of rank 1..4, random bytes.
std::vector<WrittenTensor> every_dtype_tensors() {
    std::mt19937 rng(42);
    std::vector<WrittenTensor> out;
    int rank = 1;
    for (const DTypeInfo& info : all_dtypes()) {
        std::vector<int64_t> shape;
        for (int d = 0; d < rank - 1; ++d) shape.push_back(d + 2);
        shape.push_back(static_cast<int64_t>(info.block_size) * 2);  // innermost: whole blocks
        uint64_t rows = 1;
        for (size_t d = 0; d + 1 < shape.size(); ++d) rows *= static_cast<uint64_t>(shape[d]);
        std::vector<uint8_t> bytes(rows * 2 * info.block_bytes);
        for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
        out.push_back({std::string("t.") + info.name, info.type, shape, std::move(bytes)});
        rank = rank % 4 + 1;
    }
    return out;
}

GgufWriter make_writer(uint32_t alignment, uint32_t version) {
    GgufWriter writer(alignment, version);
    writer.set("general.architecture", GgufValue::string("test"));
    for (auto& [key, value] : every_value_type()) writer.set(key, value);
    for (WrittenTensor& t : every_dtype_tensors()) writer.add_tensor(t.name, t.dtype, t.shape, t.bytes);
    return writer;
}

void expect_reads_back(const GgufFile& file, uint32_t alignment, uint32_t version) {
    EXPECT_EQ(file.version(), version);
    EXPECT_EQ(file.alignment(), alignment);
    auto values = every_value_type();
    size_t first = alignment == kGgufDefaultAlignment ? 1 : 2;  // general.alignment, then architecture
    ASSERT_EQ(file.metadata().size(), values.size() + first);
    for (size_t i = 0; i < values.size(); ++i) {
        EXPECT_EQ(file.metadata()[i + first].first, values[i].first);
        EXPECT_TRUE(file.metadata()[i + first].second == values[i].second) << values[i].first;
    }
    auto tensors = every_dtype_tensors();
    ASSERT_EQ(file.tensor_infos().size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
        const GgufTensorInfo& info = file.tensor_infos()[i];
        EXPECT_EQ(info.name, tensors[i].name);
        EXPECT_EQ(info.offset % alignment, 0u);
        const Tensor& tensor = file.weights().get(tensors[i].name);
        EXPECT_EQ(tensor.dtype(), tensors[i].dtype) << info.name;
        EXPECT_EQ(tensor.shape(), tensors[i].shape) << info.name;
        ASSERT_EQ(tensor.nbytes(), tensors[i].bytes.size()) << info.name;
        EXPECT_EQ(0, std::memcmp(tensor.data(), tensors[i].bytes.data(), tensors[i].bytes.size()))
            << info.name;
    }
}

}  // namespace

TEST(GgufRoundTrip, CoversEveryDType) {
    EXPECT_EQ(every_dtype_tensors().size(), 20u);
}

TEST(GgufRoundTrip, EveryTypeAndDTypeFromMemory) {
    for (uint32_t version : {2u, 3u})
        for (uint32_t alignment : {32u, 1u, 8u, 64u, 4096u}) {
            SCOPED_TRACE("v" + std::to_string(version) + " alignment " + std::to_string(alignment));
            auto bytes = std::make_shared<std::vector<uint8_t>>(make_writer(alignment, version).to_bytes());
            auto file = GgufFile::parse(*bytes, bytes, "memory.gguf");
            expect_reads_back(*file, alignment, version);
        }
}

TEST(GgufRoundTrip, EveryTypeAndDTypeThroughAMappedFile) {
    std::string path = ::testing::TempDir() + "loom_roundtrip.gguf";
    make_writer(32, 3).write(path);
    std::shared_ptr<const GgufFile> file = GgufFile::open(path);
    std::filesystem::remove(path);  // the mapping keeps the data alive
    expect_reads_back(*file, 32, 3);
    // Tensors are views into the mapping, not copies: consecutive tensors sit at their file offsets.
    const GgufTensorInfo& a = file->tensor_infos()[0];
    const GgufTensorInfo& b = file->tensor_infos()[1];
    const auto* pa = static_cast<const uint8_t*>(file->weights().get(a.name).data());
    const auto* pb = static_cast<const uint8_t*>(file->weights().get(b.name).data());
    EXPECT_EQ(pb - pa, static_cast<ptrdiff_t>(b.offset - a.offset));
}

TEST(GgufRoundTrip, TypedAccessors) {
    auto bytes = std::make_shared<std::vector<uint8_t>>(make_writer(32, 3).to_bytes());
    auto file = GgufFile::parse(*bytes, bytes, "memory.gguf");
    EXPECT_EQ(file->get_uint("u8"), 255u);
    EXPECT_EQ(file->get_uint("u64"), UINT64_MAX);
    EXPECT_EQ(file->get_int("i64"), INT64_MIN);
    EXPECT_EQ(file->get_int("u32"), 4294967295);
    EXPECT_THROW((void)file->get_uint("i8"), Error);  // -128 is not unsigned
    EXPECT_THROW((void)file->get_int("u64"), Error);  // UINT64_MAX does not fit int64
    EXPECT_EQ(file->get_float("f32"), static_cast<double>(-1.5e-38f));
    EXPECT_EQ(file->get_float("u16"), 65535.0);
    EXPECT_EQ(file->get_bool("bool"), true);
    EXPECT_THROW((void)file->get_bool("u8"), Error);
    EXPECT_EQ(file->get_string("string")->size(), 20u);
    EXPECT_EQ(file->get_int_array("a_u8"), (std::vector<int64_t>{0, 7, 255}));
    EXPECT_EQ(file->get_int_array("a_i64"), (std::vector<int64_t>{INT64_MIN, INT64_MAX}));
    EXPECT_THROW((void)file->get_int_array("a_u64"), Error);
    EXPECT_EQ(file->get_float_array("a_f64"),
              (std::vector<float>{INFINITY, -0.0f}));  // 1e300 overflows float
    EXPECT_EQ(file->get_float_array("a_empty"), std::vector<float>{});
    EXPECT_EQ(file->get_string_array("a_string"), (std::vector<std::string>{"x", "", "yz"}));
    EXPECT_THROW((void)file->get_string_array("a_nested"), Error);
    EXPECT_EQ(file->array_size("a_nested"), 2u);
    EXPECT_FALSE(file->array_size("u8").has_value());
    EXPECT_TRUE(file->has("a_nested2"));
    EXPECT_FALSE(file->has("absent"));
    EXPECT_EQ(file->find("a_nested")->to_display_string(), "[[\"a\", \"bc\"], []]");
    EXPECT_EQ(file->find("a_string")->to_display_string(2), "[3 strings]");
}

TEST(GgufWriter, RejectsInconsistentTensors) {
    GgufWriter writer;
    EXPECT_THROW(writer.add_tensor("w", DType::F32, {2, 3}, std::vector<uint8_t>(23)), Error);
    EXPECT_THROW(writer.add_tensor("q", DType::Q4_0, {2, 31}, std::vector<uint8_t>(36)),
                 Error);  // not whole blocks
    EXPECT_THROW(writer.add_tensor("r", DType::F32, {1, 1, 1, 1, 1}, std::vector<uint8_t>(4)), Error);
    writer.add_tensor("w", DType::F32, {2, 3}, std::vector<uint8_t>(24));
    EXPECT_THROW(writer.add_tensor("w", DType::F32, {1}, std::vector<uint8_t>(4)), Error);
    EXPECT_THROW(GgufWriter(24), Error);
    EXPECT_THROW(GgufWriter(32, 1), Error);
    EXPECT_THROW(GgufValue::integer(GgufType::UInt8, 256), Error);
    EXPECT_THROW(GgufValue::array(GgufType::String, {GgufValue::u8(1)}), Error);
}
