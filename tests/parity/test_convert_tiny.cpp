// `loom convert` on the tiny random-weight decoders (scripts/goldens/write_tiny_weights.py, numpy-only): the
// converted GGUF must give the logits of its source folder, and its quantized tensors must be exactly what
// the scalar reference quantizer makes of the f32 conversion.
//   f32: max |logit(gguf) - logit(folder)| <= 1e-5 at every position (the same f32 math, only re-laid out:
//        Q/K rows permuted for RoPE pairs, GPT-2 Conv1D transposed, BLOOM QKV regrouped)
//   f16: <= 5e-2 (weights rounded to 11-bit mantissas; the measured worst case is printed)
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "convert/hf_to_gguf.h"
#include "formats/gguf.h"
#include "formats/model_source.h"
#include "models/decoder_model.h"
#include "quantize/type_policy.h"
#include "tensor/quantize.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
constexpr double kF32Tolerance = 1e-5;
// Measured worst case 0.029 (qwen2; the others 0.010-0.014).
constexpr double kF16Tolerance = 5e-2;

fs::path work_dir() {
    static const fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("loom_convert_tiny_" + std::to_string(getpid()));
        const std::string cmd =
            "python3 scripts/goldens/write_tiny_weights.py --out '" + d.string() + "' > /dev/null";
        if (std::system(cmd.c_str()) != 0)
            throw std::runtime_error(
                "could not write the tiny models (needs python3 + numpy + safetensors): " + cmd);
        return d;
    }();
    return dir;
}

std::string convert(const std::string& arch, DType type) {
    const fs::path out = work_dir() / (arch + "." + dtype_name(type) + ".gguf");
    if (!fs::exists(out)) {
        ConvertOptions options;
        options.type = type;
        convert_hf_to_gguf((work_dir() / arch).string(), out.string(), options);
    }
    return out.string();
}

// [n_tokens, n_vocab] logits of a prompt through a model.
std::vector<float> all_logits(const std::string& path, const std::vector<int32_t>& tokens) {
    ModelSource source = open_model_source(path);
    auto model = load_decoder_model(source);
    KvCache cache = model->make_cache(static_cast<int64_t>(tokens.size()));
    std::vector<float> logits(tokens.size() * model->config().n_vocab);
    model->forward(tokens, cache, logits.data(), /*all_logits=*/true);
    return logits;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    double worst = 0.0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
    return worst;
}

const std::vector<int32_t> kPrompt = {1,   17, 200, 45, 3,   99, 128, 255, 0, 64, 7,   31,
                                      150, 42, 42,  8,  250, 11, 77,  190, 5, 33, 129, 60};

class ConvertTiny : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvertTiny, F32GgufGivesTheFolderLogits) {
    const auto reference = all_logits((work_dir() / GetParam()).string(), kPrompt);
    const auto converted = all_logits(convert(GetParam(), DType::F32), kPrompt);
    const double diff = max_abs_diff(reference, converted);
    EXPECT_LE(diff, kF32Tolerance);
    std::printf("[ %s f32 ] max |diff| %.3g\n", GetParam().c_str(), diff);
}

TEST_P(ConvertTiny, F16GgufIsCloseToTheFolderLogits) {
    const auto reference = all_logits((work_dir() / GetParam()).string(), kPrompt);
    const auto converted = all_logits(convert(GetParam(), DType::F16), kPrompt);
    const double diff = max_abs_diff(reference, converted);
    EXPECT_LE(diff, kF16Tolerance);
    std::printf("[ %s f16 ] max |diff| %.3g\n", GetParam().c_str(), diff);
}

// Every tensor of a quantized conversion equals quantize_row (the scalar reference) applied to the same
// tensor of the f32 conversion, with the type the policy picks (Q4_K rows of 64 fall back to Q5_0).
TEST_P(ConvertTiny, QuantizedTensorsEqualTheReferenceQuantizer) {
    auto f32 = GgufFile::open(convert(GetParam(), DType::F32));
    for (DType type : {DType::Q8_0, DType::Q4_0, DType::Q4_K}) {
        auto quantized = GgufFile::open(convert(GetParam(), type));
        ASSERT_EQ(quantized->tensor_infos().size(), f32->tensor_infos().size());
        for (const GgufTensorInfo& info : f32->tensor_infos()) {
            const Tensor& source = f32->weights().get(info.name);
            const Tensor& got = quantized->weights().get(info.name);
            const DType expected_type = tensor_type_for(type, info.shape);
            ASSERT_EQ(got.dtype(), expected_type) << info.name;
            ASSERT_EQ(got.shape(), source.shape()) << info.name;
            const int64_t inner = info.shape.back();
            std::vector<uint8_t> expected(row_bytes(expected_type, inner));
            for (int64_t r = 0; r < source.rows(); ++r) {
                quantize_row(expected_type, reinterpret_cast<const float*>(source.row_ptr(r)),
                             expected.data(), inner);
                ASSERT_EQ(0, std::memcmp(expected.data(), got.row_ptr(r), expected.size()))
                    << info.name << " row " << r << " as " << dtype_name(expected_type);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Decoders, ConvertTiny,
                         ::testing::Values("gpt2", "llama", "llama_rope_llama3", "mistral", "qwen2",
                                           "bloom"));

TEST(ConvertTinyMetadata, HyperparametersAndNames) {
    auto g = GgufFile::open(convert("mistral", DType::F32));
    EXPECT_EQ(g->get_string("general.architecture"),
              "llama");  // mistral converts as llama, as llama.cpp does
    EXPECT_EQ(g->get_uint("llama.block_count"), 2u);
    EXPECT_EQ(g->get_uint("llama.attention.head_count_kv"), 2u);
    EXPECT_EQ(g->get_uint("general.file_type"), 0u);
    EXPECT_TRUE(g->weights().contains("blk.1.ffn_gate.weight"));
    EXPECT_FALSE(g->has("tokenizer.ggml.model"));  // the tiny folders have no tokenizer.json
    auto q = GgufFile::open(convert("qwen2", DType::Q8_0));
    EXPECT_EQ(q->get_uint("general.file_type"), 7u);
    EXPECT_FALSE(q->weights().contains("output.weight"));  // tied output is not written twice
    auto l3 = GgufFile::open(convert("llama_rope_llama3", DType::F32));
    EXPECT_TRUE(l3->weights().contains("rope_freqs.weight"));
}

}  // namespace
}  // namespace loom
