// `loom convert` of the encoder-only (BERT, RoBERTa, DistilBERT) and encoder-decoder (T5 v1.0 / v1.1, Marian,
// BART, mBART) tiny random-weight folders written by scripts/goldens/write_tiny_encoders.py and
// write_tiny_seq2seq.py (numpy-only), loaded back from the GGUF alone:
//   - f32: max |out(gguf) - out(folder)| <= 1e-5 (hidden states; teacher-forced logits). The weights are
//     the same f32 numbers, only renamed, so the bar is the summation noise of identical code (measured 0).
//   - f16: weights rounded to 11-bit mantissas: max |diff| <= 0.1 * max |output| (measured worst 0.07, tiny
//     T5 v1.1; <= 6e-3 for the others, see kF16Relative), and exactly the output of the same rounded weights
//     held as f32 (so none of the error comes from loom's f16 path).
//   - token ids from the GGUF's tokenizer equal the folder's; greedy outputs equal the folder's.
//   - quantized tensors equal the scalar reference quantizer applied to the f32 conversion.
//   - a T5 GGUF written with llama.cpp's keys only (no carried files: config rebuilt from t5.*,
//     tokenizer from tokenizer.ggml.* "t5") gives the same logits and token ids.
//   - errors: an unsupported model_type lists the supported ones; a missing tensor is named as the GGUF
//     spells it; a foreign vocabulary-only BERT GGUF opens plain and the encoder loader refuses it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../tiny_models.h"
#include "convert/encdec_to_gguf.h"
#include "convert/hf_to_gguf.h"
#include "core/error.h"
#include "core/parallel.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "formats/model_source.h"
#include "formats/model_tokenizer.h"
#include "models/bert.h"
#include "models/marian_tokenizer.h"
#include "models/seq2seq_generate.h"
#include "models/seq2seq_model.h"
#include "tasks/encoder_runner.h"
#include "tensor/quantize.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
constexpr double kF32Tolerance = 1e-5;
// Measured worst relative f16 errors: encoders 7.7e-4 (hidden states), Marian / BART / mBART 5.9e-3, T5 v1.0
// 5.0e-2 and v1.1 7.0e-2 (the tiny random T5s amplify weight rounding: no attention scaling). That this is
// all weight rounding, none of it loom's f16 path, is checked exactly by F16GgufRunsItsRoundedWeightsExactly.
constexpr double kF16Relative = 0.1;

const fs::path& out_dir() {
    static const fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("loom_convert_encdec_" + std::to_string(getpid()));
        fs::create_directories(d);
        return d;
    }();
    return dir;
}

std::string encoder_folder(const std::string& name) {
    return test::tiny_models("write_tiny_encoders", "") + "/" + name;
}
std::string seq2seq_folder(const std::string& name) {
    return test::tiny_models("write_tiny_seq2seq", "--out ") + "/" + name;
}

std::string convert(const std::string& folder, const std::string& tag, DType type, bool carry = true) {
    const fs::path out = out_dir() / (tag + "." + dtype_name(type) + (carry ? "" : ".bare") + ".gguf");
    if (!fs::exists(out)) {
        ConvertOptions options;
        options.type = type;
        options.carry_hf_files = carry;
        convert_hf_to_gguf(folder, out.string(), options);
    }
    return out.string();
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    double worst = 0.0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
    return worst;
}

// f32: max |got - want| <= kF32Tolerance. f16: max |got - want| <= kF16Relative * max |want|: f16 keeps 11
// significant bits (relative rounding 2^-11 = 4.9e-4 per weight), and the error of every matrix adds up
// through the layers, so the bar is relative to the size of the outputs. Measured worst case printed.
void expect_close(const std::vector<float>& want, const std::vector<float>& got, DType type,
                  const std::string& what) {
    const double diff = max_abs_diff(want, got);
    double scale = 0.0;
    for (float x : want) scale = std::max(scale, std::abs(static_cast<double>(x)));
    std::printf("[ %s %s ] max |diff| %.3g, max |value| %.3g, relative %.3g\n", what.c_str(),
                dtype_name(type), diff, scale, diff / scale);
    if (type == DType::F32)
        EXPECT_LE(diff, kF32Tolerance) << what;
    else
        EXPECT_LE(diff, kF16Relative * scale) << what << " " << dtype_name(type);
}

const std::vector<std::string> kTexts = {"Hello world, this is a test.", "the quick brown fox jumps",
                                         "Sentence three: numbers 12345 and symbols!?"};

// Every tensor of a quantized conversion equals quantize_row (the scalar reference) of the f32 conversion.
void expect_reference_quantized(const std::string& folder, const std::string& tag) {
    auto f32 = GgufFile::open(convert(folder, tag, DType::F32));
    for (DType type : {DType::Q8_0, DType::Q4_K}) {
        auto quantized = GgufFile::open(convert(folder, tag, type));
        ASSERT_EQ(quantized->tensor_infos().size(), f32->tensor_infos().size());
        for (const GgufTensorInfo& info : f32->tensor_infos()) {
            const Tensor& source = f32->weights().get(info.name);
            const Tensor& got = quantized->weights().get(info.name);
            const DType expected_type = encdec_tensor_type(type, info.name, info.shape);
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

// ---- encoders ----

struct EncoderRun {
    std::vector<std::vector<int32_t>> ids;
    std::vector<float> hidden;
};

EncoderRun run_encoder(const std::string& path) {
    auto runner = EncoderRunner::open(path, {});
    std::vector<Encoding> encodings = runner->encode(kTexts);
    EncoderRun r;
    for (const Encoding& e : encodings) r.ids.push_back(e.ids);
    r.hidden = runner->run(encodings);
    return r;
}

class ConvertEncoder : public ::testing::TestWithParam<std::string> {
  protected:
    static void SetUpTestSuite() { set_num_threads(1); }
};

TEST_P(ConvertEncoder, GgufGivesTheFolderTokensAndHiddenStates) {
    const std::string folder = encoder_folder(GetParam());
    const EncoderRun reference = run_encoder(folder);
    for (DType type : {DType::F32, DType::F16}) {
        const EncoderRun got = run_encoder(convert(folder, GetParam(), type));
        EXPECT_EQ(got.ids, reference.ids) << GetParam();
        expect_close(reference.hidden, got.hidden, type, GetParam() + " hidden");
    }
}

TEST_P(ConvertEncoder, QuantizedTensorsEqualTheReferenceQuantizer) {
    expect_reference_quantized(encoder_folder(GetParam()), GetParam());
}

TEST_P(ConvertEncoder, GgufNamesFollowLlamaCppBert) {
    auto g = GgufFile::open(convert(encoder_folder(GetParam()), GetParam(), DType::F32));
    EXPECT_EQ(g->get_string("general.architecture").value(), GetParam() == "roberta" ? "roberta" : "bert");
    for (const char* name :
         {"token_embd.weight", "position_embd.weight", "token_embd_norm.weight", "blk.0.attn_q.weight",
          "blk.0.attn_output_norm.weight", "blk.0.ffn_up.weight", "blk.0.layer_output_norm.bias"})
        EXPECT_TRUE(g->weights().contains(name)) << name;
    EXPECT_TRUE(g->has("loom.hf_file.tokenizer.json"));
}

INSTANTIATE_TEST_SUITE_P(Encoders, ConvertEncoder,
                         ::testing::Values("bert", "roberta", "distilbert", "bert-ner", "bert-cls",
                                           "bert-mlm"),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// ---- encoder-decoders ----

nlohmann::json seq2seq_golden(const std::string& name) {
    std::ifstream in("tests/data/seq2seq/" + name + ".json");
    if (!in) throw std::runtime_error("missing tests/data/seq2seq/" + name + ".json");
    return nlohmann::json::parse(in);
}

struct Seq2SeqRun {
    std::vector<float> logits;                 // [n_target, vocab], teacher-forced
    std::vector<std::vector<int32_t>> greedy;  // per recorded source
};

Seq2SeqRun run_seq2seq(const std::string& path, const nlohmann::json& gold) {
    auto model = Seq2SeqModel::load(open_model_source(path));
    const auto src = gold["source"].get<std::vector<int32_t>>();
    const auto target = gold["target"].get<std::vector<int32_t>>();
    Seq2SeqRun r;
    Seq2SeqState st = model->start(model->encode(src), 32);
    r.logits.resize(target.size() * model->config().n_vocab);
    model->decode(st, target, r.logits.data(), /*all_logits=*/true);
    for (const auto& run : gold["generate"]) {
        Seq2SeqGenerateOptions opts;
        opts.max_new_tokens = gold["max_new_tokens"].get<int64_t>();
        opts.sampling.temperature = 0.0f;
        r.greedy.push_back(seq2seq_generate(*model, run["source"].get<std::vector<int32_t>>(), opts));
    }
    return r;
}

// Token ids of kTexts through the model's own tokenizer (Marian: its two-SentencePiece tokenizer).
std::vector<std::vector<int32_t>> token_ids(const std::string& path) {
    ModelSource source = open_model_source(path);
    std::vector<std::vector<int32_t>> out;
    if (source.architecture == "marian") {
        auto tok = MarianTokenizer::load(source.side_files_dir);
        for (const auto& t : kTexts) out.push_back(tok->encode(t));
    } else {
        // What tasks/translate.cpp feeds the encoder: the model's encoding, EOS appended when it did not add
        // it (a bare spiece.model folder adds none; the GGUF "t5" vocabulary adds EOS as T5's tokenizer
        // does).
        ModelTokenizer tok = load_model_tokenizer_with_info(source);
        const int32_t eos = source.hf_config.value("eos_token_id", -1);
        for (const auto& t : kTexts) {
            out.push_back(encode_for_model(tok, t));
            if (eos >= 0 && (out.back().empty() || out.back().back() != eos)) out.back().push_back(eos);
        }
    }
    return out;
}

class ConvertSeq2Seq : public ::testing::TestWithParam<std::string> {
  protected:
    static void SetUpTestSuite() { set_num_threads(1); }
};

TEST_P(ConvertSeq2Seq, GgufGivesTheFolderLogitsAndGreedyOutputs) {
    const std::string folder = seq2seq_folder(GetParam());
    const nlohmann::json gold = seq2seq_golden(GetParam());
    const Seq2SeqRun reference = run_seq2seq(folder, gold);
    for (DType type : {DType::F32, DType::F16}) {
        const Seq2SeqRun got = run_seq2seq(convert(folder, GetParam(), type), gold);
        expect_close(reference.logits, got.logits, type, GetParam() + " logits");
        if (type == DType::F32) {
            EXPECT_EQ(got.greedy, reference.greedy) << GetParam();
        }
    }
}

// The tiny BART / mBART folders carry no tokenizer files, so only T5 (spiece.model) and Marian (source.spm,
// target.spm, vocab.json) have token ids to compare.
class ConvertSeq2SeqTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvertSeq2SeqTokenizer, GgufTokenizerGivesTheFolderTokenIds) {
    const std::string folder = seq2seq_folder(GetParam());
    const auto reference = token_ids(folder);
    ASSERT_FALSE(reference.empty() || reference[0].size() < 3);
    EXPECT_EQ(token_ids(convert(folder, GetParam(), DType::F32)), reference);
}

INSTANTIATE_TEST_SUITE_P(WithTokenizer, ConvertSeq2SeqTokenizer,
                         ::testing::Values("t5-v1_0", "t5-v1_1", "marian"), [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST_P(ConvertSeq2Seq, QuantizedTensorsEqualTheReferenceQuantizer) {
    expect_reference_quantized(seq2seq_folder(GetParam()), GetParam());
}

// The f16 file computes exactly what an f32 file holding the same f16-rounded weights computes (the rows are
// widened to f32 before use), so the whole f16 error above is the rounding of the weights.
TEST_P(ConvertSeq2Seq, F16GgufRunsItsRoundedWeightsExactly) {
    const std::string f16 = convert(seq2seq_folder(GetParam()), GetParam(), DType::F16);
    auto g = GgufFile::open(f16);
    GgufWriter w;
    for (const auto& [key, value] : g->metadata())
        if (key != "general.alignment") w.set(key, value);
    for (const GgufTensorInfo& info : g->tensor_infos()) {
        std::vector<float> values = g->weights().get(info.name).to_f32();
        std::vector<uint8_t> bytes(values.size() * sizeof(float));
        std::memcpy(bytes.data(), values.data(), bytes.size());
        w.add_tensor(info.name, DType::F32, info.shape, std::move(bytes));
    }
    const std::string widened = (out_dir() / (GetParam() + ".f16-widened.gguf")).string();
    w.write(widened);
    const nlohmann::json gold = seq2seq_golden(GetParam());
    expect_close(run_seq2seq(widened, gold).logits, run_seq2seq(f16, gold).logits, DType::F32,
                 GetParam() + " f16 file vs its weights widened to f32");
}

INSTANTIATE_TEST_SUITE_P(Architectures, ConvertSeq2Seq,
                         ::testing::Values("t5-v1_0", "t5-v1_1", "marian", "bart", "mbart"),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// A T5 GGUF with only llama.cpp's keys and names (what llama.cpp's converter writes): loom rebuilds the
// config from t5.* and the tensors present, and the tokenizer from tokenizer.ggml.* ("t5").
class ConvertBareT5 : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvertBareT5, LlamaCppStyleT5GgufGivesTheFolderLogitsAndTokens) {
    set_num_threads(1);
    const std::string folder = seq2seq_folder(GetParam());
    const std::string bare = convert(folder, GetParam(), DType::F32, /*carry=*/false);
    auto g = GgufFile::open(bare);
    // The one loom key: the bucket distance GGUF has no key for (the tiny models use 20, not T5's 128).
    for (const auto& [key, value] : g->metadata())
        if (key != "loom.t5.relative_attention_max_distance") {
            EXPECT_NE(key.rfind("loom.", 0), 0u) << key;
        }
    for (const auto& info : g->tensor_infos()) EXPECT_NE(info.name.rfind("loom.", 0), 0u) << info.name;
    const nlohmann::json gold = seq2seq_golden(GetParam());
    const Seq2SeqRun reference = run_seq2seq(folder, gold), got = run_seq2seq(bare, gold);
    EXPECT_LE(max_abs_diff(reference.logits, got.logits), kF32Tolerance);
    EXPECT_EQ(got.greedy, reference.greedy);
    EXPECT_EQ(token_ids(bare), token_ids(folder));
}

INSTANTIATE_TEST_SUITE_P(T5, ConvertBareT5, ::testing::Values("t5-v1_0", "t5-v1_1"), [](const auto& info) {
    std::string n = info.param;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
});

// ---- errors ----

TEST(ConvertEncDecErrors, UnsupportedArchitectureListsTheSupportedOnes) {
    const fs::path folder = out_dir() / "gptj";
    fs::create_directories(folder);
    std::ofstream(folder / "config.json") << R"({"model_type": "gptj"})";
    fs::copy_file(seq2seq_folder("bart") + "/model.safetensors", folder / "model.safetensors",
                  fs::copy_options::overwrite_existing);
    try {
        convert_hf_to_gguf(folder.string(), (out_dir() / "gptj.gguf").string(), {});
        FAIL() << "converted an unsupported architecture";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("'gptj'"), std::string::npos) << what;
        for (const char* arch : {"llama", "bert", "distilbert", "t5", "marian", "bart"})
            EXPECT_NE(what.find(arch), std::string::npos) << what;
    }
}

// llama.cpp's vocabulary-only BERT file: no carried config, no tensors. It stays a plain GGUF (inspect and
// tokenize read it); the encoder loader refuses it with a message saying what it reads.
TEST(ConvertEncDecErrors, ForeignBertGgufOpensPlainAndTheEncoderRefusesIt) {
    ModelSource source = open_model_source("tests/data/upstream/vocab-tests/ggml-vocab-bert-bge.gguf");
    EXPECT_EQ(source.format, SourceFormat::Gguf);
    EXPECT_EQ(source.architecture, "bert");
    EXPECT_FALSE(source.hf_config.is_object());
    try {
        EncoderModel::load(source);
        FAIL() << "loaded an encoder from a vocabulary-only GGUF";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("GGUF files of `loom convert`"), std::string::npos) << e.what();
    }
}

TEST(ConvertEncDecErrors, MissingTensorIsNamedAsTheGgufSpellsIt) {
    auto g = GgufFile::open(convert(seq2seq_folder("t5-v1_0"), "t5-v1_0", DType::F32));
    GgufWriter w;
    for (const auto& [key, value] : g->metadata())
        if (key != "general.alignment") w.set(key, value);
    const std::string dropped = "dec.blk.1.cross_attn_k.weight";
    for (const GgufTensorInfo& info : g->tensor_infos()) {
        if (info.name == dropped) continue;
        const Tensor& t = g->weights().get(info.name);
        const uint8_t* data = static_cast<const uint8_t*>(t.data());
        w.add_tensor(info.name, info.dtype, info.shape, std::vector<uint8_t>(data, data + info.nbytes));
    }
    const std::string path = (out_dir() / "t5-missing.gguf").string();
    w.write(path);
    try {
        open_model_source(path);
        FAIL() << "opened a T5 GGUF without " << dropped;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("missing tensor '" + dropped + "'"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace loom
