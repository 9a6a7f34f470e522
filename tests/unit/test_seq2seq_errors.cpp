// Encoder-decoder models: bad input (unknown architecture, no decoder start token, a source longer than the
// encoder allows, a language pair the model lacks, a full state, bad ids) gives a loom::Error naming the
// problem; T5's relative-position buckets and Marian's sinusoidal table against their defining formulas; the
// attention hook sees every (layer, head, query) once with weights summing to 1. The tiny models are written
// by scripts/goldens/write_tiny_seq2seq.py (python3 + numpy + safetensors; fails without them).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../tiny_models.h"
#include "core/error.h"
#include "core/parallel.h"
#include "formats/model_source.h"
#include "models/seq2seq_attention.h"
#include "models/seq2seq_generate.h"
#include "models/seq2seq_model.h"
#include "models/seq2seq_weights.h"
#include "tasks/translate.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

fs::path tiny_dir() {
    static const fs::path dir = [] {
        set_num_threads(1);
        return fs::path(test::tiny_models("write_tiny_seq2seq", "--out "));
    }();
    return dir;
}

// A copy of a tiny model folder with config.json edited by `edit`.
fs::path edited_copy(const std::string& name, const std::string& copy_name,
                     const std::function<void(nlohmann::json&)>& edit) {
    const fs::path src = tiny_dir() / name, dst = tiny_dir() / copy_name;
    fs::remove_all(dst);
    fs::copy(src, dst);
    nlohmann::json cfg = nlohmann::json::parse(std::ifstream(src / "config.json"));
    edit(cfg);
    std::ofstream(dst / "config.json") << cfg.dump();
    return dst;
}

template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(Seq2SeqConfig, UnknownArchitectureIsNamed) {
    const nlohmann::json cfg = {{"model_type", "pegasus"}, {"d_model", 16}};
    EXPECT_NE(
        error_of([&] { seq2seq_config_from_hf(cfg); }).find("unknown encoder-decoder architecture 'pegasus'"),
        std::string::npos);
    EXPECT_FALSE(is_seq2seq_model_type("pegasus"));
    EXPECT_TRUE(is_seq2seq_model_type("marian"));
}

TEST(Seq2SeqConfig, MissingKeyIsNamed) {
    const nlohmann::json cfg = {{"model_type", "t5"}, {"d_model", 16}, {"num_heads", 2}};
    EXPECT_NE(error_of([&] { seq2seq_config_from_hf(cfg); }).find("'d_kv'"), std::string::npos);
}

TEST(Seq2SeqModel, NoDecoderStartTokenIsAClearError) {
    const fs::path dir = edited_copy("marian", "marian-no-start", [](nlohmann::json& c) {
        c.erase("decoder_start_token_id");
        c.erase("bos_token_id");
    });
    auto model = Seq2SeqModel::load(open_model_source(dir.string()));
    EXPECT_EQ(model->config().decoder_start_token_id, -1);
    const std::vector<int32_t> src = {5, 6, 2};
    EXPECT_NE(error_of([&] { seq2seq_generate(*model, src, {}); }).find("no decoder start token"),
              std::string::npos);
}

TEST(Seq2SeqModel, GenerationConfigOverridesAndBansTokens) {
    // The greedy output of the tiny T5 v1.0 for this source starts with 634
    // (tests/data/seq2seq/t5-v1_0.json); banning it through generation_config.json bad_words_ids must change
    // the first token.
    const fs::path dir = edited_copy("t5-v1_0", "t5-gen-config", [](nlohmann::json&) {});
    const std::vector<int32_t> src = {37, 512, 9, 100, 250, 6, 731, 14, 88, 2};
    Seq2SeqGenerateOptions opts;
    opts.max_new_tokens = 3;
    opts.sampling.temperature = 0.0f;
    auto plain = Seq2SeqModel::load(open_model_source(dir.string()));
    ASSERT_EQ(seq2seq_generate(*plain, src, opts).at(0), 762);
    std::ofstream(dir / "generation_config.json") << R"({"bad_words_ids": [[762]], "eos_token_id": [2, 5]})";
    auto banned = Seq2SeqModel::load(open_model_source(dir.string()));
    EXPECT_EQ(banned->config().banned_token_ids, std::vector<int32_t>{762});
    EXPECT_EQ(banned->config().eos_token_id, 2);
    const auto out = seq2seq_generate(*banned, src, opts);
    EXPECT_NE(out.at(0), 762);
    EXPECT_EQ(std::count(out.begin(), out.end(), 762), 0);
}

TEST(Seq2SeqModel, SourceLongerThanPositionsIsRejected) {
    auto model = Seq2SeqModel::load(open_model_source((tiny_dir() / "marian").string()));
    const std::vector<int32_t> src(65, 7);  // the tiny Marian has 64 positions
    EXPECT_NE(error_of([&] { model->encode(src); }).find("longer than the encoder allows (64)"),
              std::string::npos);
    EXPECT_NE(error_of([&] { model->encode(std::vector<int32_t>{}); }).find("empty source"),
              std::string::npos);
    EXPECT_NE(error_of([&] { model->encode(std::vector<int32_t>{5000}); }).find("outside the vocabulary"),
              std::string::npos);
}

TEST(Seq2SeqModel, StateCapacityAndBatchMisuseAreErrors) {
    auto model = Seq2SeqModel::load(open_model_source((tiny_dir() / "bart").string()));
    Seq2SeqState st = model->start(model->encode(std::vector<int32_t>{5, 6, 2}), 2);
    std::vector<float> logits(3 * model->config().n_vocab);
    const std::vector<int32_t> three = {2, 5, 6};
    EXPECT_NE(error_of([&] { model->decode(st, three, logits.data(), true); }).find("exceeds"),
              std::string::npos);
    EXPECT_NE(error_of([&] { model->start(st.encoded, 1000); }).find("exceeds the decoder's 64 positions"),
              std::string::npos);
    Seq2SeqState* twice[] = {&st, &st};
    const int32_t tokens[] = {2, 2};
    EXPECT_NE(error_of([&] { model->decode_batch(twice, tokens, logits.data()); }).find("twice"),
              std::string::npos);
}

TEST(Seq2SeqTextPipeline, LanguagePairsAndTasksAreChecked) {
    auto marian = Seq2SeqTextPipeline::open((tiny_dir() / "marian").string());
    EXPECT_EQ(marian->language_pair(), "en-de");  // from tokenizer_config.json
    EXPECT_NO_THROW(marian->set_translation("en", "de"));
    EXPECT_NO_THROW(marian->set_translation("", ""));
    EXPECT_NE(
        error_of([&] { marian->set_translation("en", "fr"); }).find("translates en -> de, not en -> fr"),
        std::string::npos);
    EXPECT_NE(error_of([&] { marian->set_summarization(); }).find("only translate"), std::string::npos);
    auto t5 = Seq2SeqTextPipeline::open((tiny_dir() / "t5-v1_0").string());
    EXPECT_NE(error_of([&] { t5->set_translation("", "de"); }).find("needs --from and --to"),
              std::string::npos);
    EXPECT_NE(error_of([&] { t5->set_translation("en", "xx"); }).find("no task prefix for language 'xx'"),
              std::string::npos);
    t5->set_translation("en", "de");
    const auto ids = t5->source_ids("hello", false);
    EXPECT_EQ(ids.back(), 2);  // EOS appended
}

TEST(Seq2SeqTextPipeline, TruncateKeepsEosOrFails) {
    auto marian = Seq2SeqTextPipeline::open((tiny_dir() / "marian").string());
    std::string text;
    for (int i = 0; i < 100; ++i) text += "word ";
    EXPECT_NE(error_of([&] { marian->source_ids(text, false); }).find("--truncate"), std::string::npos);
    const auto ids = marian->source_ids(text, true);
    EXPECT_EQ(ids.size(), 64u);
    EXPECT_EQ(ids.back(), 2);
}

TEST(T5RelativeBucket, MatchesTheFormula) {
    // Bidirectional, 32 buckets, max distance 128: 16 per sign, exact below 8, log-spaced 8..15 up to 128.
    EXPECT_EQ(t5_relative_bucket(0, true, 32, 128), 0);
    EXPECT_EQ(t5_relative_bucket(-1, true, 32, 128), 1);
    EXPECT_EQ(t5_relative_bucket(1, true, 32, 128), 17);
    EXPECT_EQ(t5_relative_bucket(-7, true, 32, 128), 7);
    EXPECT_EQ(t5_relative_bucket(-8, true, 32, 128), 8);  // 8 + floor(log(1) ...) = 8
    // -32: 8 + floor(log(4) / log(16) * 8) = 8 + 4
    EXPECT_EQ(t5_relative_bucket(-32, true, 32, 128), 12);
    EXPECT_EQ(t5_relative_bucket(-128, true, 32, 128), 15);  // min(16, 15)
    EXPECT_EQ(t5_relative_bucket(500, true, 32, 128), 31);
    // Causal: only the past counts, exact below 16.
    EXPECT_EQ(t5_relative_bucket(5, false, 32, 128), 0);
    EXPECT_EQ(t5_relative_bucket(-15, false, 32, 128), 15);
    EXPECT_EQ(t5_relative_bucket(-16, false, 32, 128), 16);
    EXPECT_EQ(t5_relative_bucket(-64, false, 32, 128), 26);  // 16 + floor(log(4) / log(8) * 16) = 16 + 10
    EXPECT_EQ(t5_relative_bucket(-1000, false, 32, 128), 31);
}

TEST(MarianPositions, SinusoidalTable) {
    const Tensor t = marian_sinusoidal_positions(10, 8);
    const float* p = t.data_as<float>();
    for (int j = 0; j < 4; ++j) {
        EXPECT_FLOAT_EQ(p[j], 0.0f);      // sin(0)
        EXPECT_FLOAT_EQ(p[4 + j], 1.0f);  // cos(0)
    }
    for (int pos = 0; pos < 10; ++pos)
        for (int j = 0; j < 4; ++j) {
            const double angle = pos / std::pow(10000.0, 2.0 * j / 8);
            EXPECT_NEAR(p[pos * 8 + j], std::sin(angle), 1e-6);
            EXPECT_NEAR(p[pos * 8 + 4 + j], std::cos(angle), 1e-6);
        }
}

TEST(Seq2SeqModel, AttentionHookSeesEveryRowOnce) {
    auto model = Seq2SeqModel::load(open_model_source((tiny_dir() / "t5-v1_0").string()));
    const Seq2SeqConfig& c = model->config();
    std::mutex mu;
    std::map<Seq2SeqAttentionKind, int> calls;
    double worst = 0.0;
    model->set_attention_hook(
        [&](Seq2SeqAttentionKind kind, int64_t, int64_t, int64_t, std::span<const float> w) {
            double sum = 0.0;
            for (float x : w) sum += x;
            std::lock_guard<std::mutex> lock(mu);
            ++calls[kind];
            worst = std::max(worst, std::abs(sum - 1.0));
        });
    const std::vector<int32_t> src = {5, 6, 7, 2};
    Seq2SeqState st = model->start(model->encode(src), 8);
    std::vector<float> logits(3 * c.n_vocab);
    model->decode(st, std::vector<int32_t>{0, 5, 9}, logits.data(), true);
    EXPECT_EQ(calls[Seq2SeqAttentionKind::EncoderSelf], c.n_encoder_layers * c.n_head * 4);
    EXPECT_EQ(calls[Seq2SeqAttentionKind::DecoderSelf], c.n_decoder_layers * c.n_head * 3);
    EXPECT_EQ(calls[Seq2SeqAttentionKind::Cross], c.n_decoder_layers * c.n_head * 3);
    EXPECT_LT(worst, 1e-5);
}

}  // namespace
}  // namespace loom
