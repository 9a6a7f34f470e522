// `loom quantize` (quantize/gguf_quantizer.h): every matrix of the output equals the scalar reference
// quantizer applied to the input rows, vectors stay f32, metadata is kept (general.file_type updated), and
// the bytes do not depend on the thread count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/parallel.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "quantize/gguf_quantizer.h"
#include "quantize/type_policy.h"
#include "tensor/quantize.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

std::vector<float> random_values(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 0.5f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

std::vector<uint8_t> as_bytes(const std::vector<float>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(float));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

class QuantizeFile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("loom_quantize_" + std::to_string(getpid()));
        fs::create_directories(dir_);
        GgufWriter w;
        w.set("general.architecture", GgufValue::string("llama"));
        w.set("general.file_type", GgufValue::u32(0));
        w.set("tokenizer.ggml.tokens", GgufValue::string_array({"a", "b"}));
        matrix_ = random_values(40 * 512, 1);  // [40, 512]: whole Q4_K / Q6_K super-blocks
        narrow_ = random_values(8 * 96, 2);    // [8, 96]: not a multiple of 256
        norm_ = random_values(512, 3);         // [512]
        w.add_tensor("blk.0.ffn_up.weight", DType::F32, {40, 512}, as_bytes(matrix_));
        w.add_tensor("blk.0.narrow.weight", DType::F32, {8, 96}, as_bytes(narrow_));
        w.add_tensor("blk.0.attn_norm.weight", DType::F32, {512}, as_bytes(norm_));
        input_ = (dir_ / "in.gguf").string();
        w.write(input_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Expected bytes: quantize_row over each row, one at a time.
    static std::vector<uint8_t> reference(DType type, const std::vector<float>& values, int64_t inner) {
        const uint64_t rb = row_bytes(type, inner);
        std::vector<uint8_t> out(rb * (values.size() / inner));
        for (size_t r = 0; r < values.size() / inner; ++r)
            quantize_row(type, values.data() + r * inner, out.data() + r * rb, inner);
        return out;
    }
    static std::vector<uint8_t> tensor_bytes(const GgufFile& g, const std::string& name) {
        const Tensor& t = g.weights().get(name);
        const auto* p = static_cast<const uint8_t*>(t.data());
        return std::vector<uint8_t>(p, p + t.nbytes());
    }

    fs::path dir_;
    std::string input_;
    std::vector<float> matrix_, narrow_, norm_;
};

TEST_F(QuantizeFile, MatricesEqualTheScalarReferenceQuantizer) {
    for (DType type : {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q4_K,
                       DType::Q6_K, DType::F16, DType::BF16}) {
        const std::string out = (dir_ / (std::string(dtype_name(type)) + ".gguf")).string();
        QuantizeReport report = quantize_gguf_file(input_, out, type);
        EXPECT_EQ(report.tensors, 3);
        auto g = GgufFile::open(out);
        EXPECT_EQ(g->weights().get("blk.0.ffn_up.weight").dtype(), type);
        EXPECT_EQ(tensor_bytes(*g, "blk.0.ffn_up.weight"), reference(type, matrix_, 512)) << dtype_name(type);
        // 96-wide rows: Q4_K falls back to Q5_0, Q6_K to Q8_0; the others hold them.
        const DType narrow_type = tensor_type_for(type, {8, 96});
        EXPECT_EQ(narrow_type, type == DType::Q4_K ? DType::Q5_0 : type == DType::Q6_K ? DType::Q8_0 : type);
        EXPECT_EQ(tensor_bytes(*g, "blk.0.narrow.weight"), reference(narrow_type, narrow_, 96));
        EXPECT_EQ(g->weights().get("blk.0.attn_norm.weight").dtype(), DType::F32);
        EXPECT_EQ(tensor_bytes(*g, "blk.0.attn_norm.weight"), as_bytes(norm_));
        EXPECT_EQ(g->get_uint("general.file_type"), gguf_file_type(type));
        EXPECT_EQ(g->get_string_array("tokenizer.ggml.tokens"), (std::vector<std::string>{"a", "b"}));
        EXPECT_FALSE(fs::exists(out + ".part"));
    }
}

TEST_F(QuantizeFile, OutputDoesNotDependOnThreadCount) {
    const std::string one = (dir_ / "one.gguf").string(), many = (dir_ / "many.gguf").string();
    set_num_threads(1);
    quantize_gguf_file(input_, one, DType::Q4_K);
    set_num_threads(4);
    quantize_gguf_file(input_, many, DType::Q4_K);
    set_num_threads(0);
    auto a = GgufFile::open(one), b = GgufFile::open(many);
    EXPECT_EQ(tensor_bytes(*a, "blk.0.ffn_up.weight"), tensor_bytes(*b, "blk.0.ffn_up.weight"));
}

TEST_F(QuantizeFile, RequantizingAQuantizedFileGoesThroughF32) {
    const std::string q8 = (dir_ / "q8.gguf").string(), q4 = (dir_ / "q4.gguf").string();
    quantize_gguf_file(input_, q8, DType::Q8_0);
    quantize_gguf_file(q8, q4, DType::Q4_0);
    auto g8 = GgufFile::open(q8), g4 = GgufFile::open(q4);
    const std::vector<float> dequantized = g8->weights().get("blk.0.ffn_up.weight").to_f32();
    EXPECT_EQ(tensor_bytes(*g4, "blk.0.ffn_up.weight"), reference(DType::Q4_0, dequantized, 512));
}

TEST_F(QuantizeFile, ProgressReachesTheTotal) {
    uint64_t last = 0, total = 0;
    quantize_gguf_file(input_, (dir_ / "p.gguf").string(), DType::Q8_0, [&](uint64_t done, uint64_t all) {
        EXPECT_GE(done, last);
        last = done;
        total = all;
    });
    EXPECT_EQ(last, total);
    EXPECT_EQ(total, (40 * 512 + 8 * 96 + 512) * sizeof(float));
}

TEST(QuantizeTypes, ParseTargetType) {
    EXPECT_EQ(parse_target_type("q4_k"), DType::Q4_K);
    EXPECT_EQ(parse_target_type("F16"), DType::F16);
    EXPECT_FALSE(parse_target_type("q8_k"));  // an activation type, not a file type
    EXPECT_FALSE(parse_target_type("q3_k"));
    EXPECT_THROW(quantize_gguf_file("/nonexistent.gguf", "/tmp/x.gguf", DType::Q8_0), Error);
}

}  // namespace
}  // namespace loom
