// The real Gemma 3 270M (base model, GGUF Q4_K_M) against Hugging Face transformers loading the same GGUF
// (dequantized to f32), goldens from scripts/goldens/make_gemma3_goldens.py:
//   - the GGUF's tokenizer gives the reference's ids for every prompt;
//   - with f32 activations (ActivationPrecision::F32): 48 greedy tokens identical on 5 short prompts and on one
//     of 600 tokens (past the 512-token sliding window), and the 5 most likely first tokens' probabilities
//     within 1e-3; perplexity of one 1024-token window of botchan.txt within 0.1 %;
//   - the default fast kernels: that perplexity within 2 % (printed beside the f32 one).
// Needs models/gemma-3-270m-q4_k_m.gguf (scripts/fetch_gemma3.sh); fails without it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "formats/model_source.h"
#include "formats/model_tokenizer.h"
#include "kernels/cpu/matmul.h"
#include "models/decoder_model.h"
#include "tasks/perplexity.h"

namespace loom {
namespace {

constexpr const char* kGemmaModel = "models/gemma-3-270m-q4_k_m.gguf";
constexpr double kTopProbTolerance = 1e-3;
constexpr double kF32PerplexityTolerance = 0.001;
constexpr double kFastPerplexityTolerance = 0.02;

class Gemma3Model : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ASSERT_TRUE(std::filesystem::exists(kGemmaModel)) << kGemmaModel << " missing: run scripts/fetch_gemma3.sh";
        std::ifstream in("tests/data/decoders/gemma3_270m.json");
        ASSERT_TRUE(in) << "missing golden tests/data/decoders/gemma3_270m.json";
        gold_ = new nlohmann::json(nlohmann::json::parse(in));
        source_ = new ModelSource(open_model_source(kGemmaModel));
        model_ = load_decoder_model(*source_).release();
    }
    static void TearDownTestSuite() {
        delete model_;
        delete source_;
        delete gold_;
    }
    static nlohmann::json* gold_;
    static ModelSource* source_;
    static DecoderModel* model_;
};
nlohmann::json* Gemma3Model::gold_ = nullptr;
ModelSource* Gemma3Model::source_ = nullptr;
DecoderModel* Gemma3Model::model_ = nullptr;

struct PrecisionScope {
    explicit PrecisionScope(ActivationPrecision p) { set_activation_precision(p); }
    ~PrecisionScope() { set_activation_precision(ActivationPrecision::Fast); }
};

int32_t argmax(const std::vector<float>& row) {
    return static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

TEST_F(Gemma3Model, ConfigIsGemma3WithSlidingWindow) {
    const ModelConfig& c = model_->config();
    EXPECT_EQ(c.family, ModelFamily::Gemma3);
    EXPECT_EQ(c.n_layer, 18);
    EXPECT_EQ(c.sliding_window, 512);
    EXPECT_FALSE(c.swa_layers[5]);  // every 6th layer is global
    EXPECT_TRUE(c.swa_layers[0]);
    EXPECT_EQ(c.n_vocab, 262144);
}

TEST_F(Gemma3Model, GgufTokenizerGivesTheReferenceIds) {
    ModelTokenizer tok = load_model_tokenizer_with_info(*source_);
    for (const auto& p : (*gold_)["prompts"]) {
        if (p["text"].is_null()) continue;
        EXPECT_EQ(encode_for_model(tok, p["text"].get<std::string>()), p["tokens"].get<std::vector<int32_t>>())
            << p["text"];
    }
}

TEST_F(Gemma3Model, F32ActivationsGreedyAndTopProbsEqualReference) {
    PrecisionScope precise(ActivationPrecision::F32);
    const int64_t V = model_->config().n_vocab;
    double worst_prob = 0.0;
    for (const auto& p : (*gold_)["prompts"]) {
        const auto prompt = p["tokens"].get<std::vector<int32_t>>();
        const auto expected = p["greedy"].get<std::vector<int32_t>>();
        KvCache cache = model_->make_cache(static_cast<int64_t>(prompt.size() + expected.size()));
        std::vector<float> logits(V);
        model_->forward(prompt, cache, logits.data(), false);
        // Probabilities of the reference's top 5 first tokens.
        const double max = *std::max_element(logits.begin(), logits.end());
        double sum = 0.0;
        for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
        const auto ids = p["top5"]["ids"].get<std::vector<int32_t>>();
        const auto probs = p["top5"]["probs"].get<std::vector<double>>();
        for (size_t i = 0; i < ids.size(); ++i) {
            const double prob = std::exp(static_cast<double>(logits[ids[i]]) - max) / sum;
            worst_prob = std::max(worst_prob, std::abs(prob - probs[i]));
            EXPECT_NEAR(prob, probs[i], kTopProbTolerance) << prompt.size() << "-token prompt, rank " << i;
        }
        std::vector<int32_t> generated;
        for (size_t i = 0; i < expected.size(); ++i) {
            int32_t next = argmax(logits);
            generated.push_back(next);
            model_->forward(std::span(&next, 1), cache, logits.data(), false);
        }
        EXPECT_EQ(generated, expected) << prompt.size() << "-token prompt";
    }
    std::printf("max |top-5 prob - reference| %.3g\n", worst_prob);
}

TEST_F(Gemma3Model, PerplexityEqualsReference) {
    const auto tokens = (*gold_)["ppl_tokens"].get<std::vector<int32_t>>();
    const double ref = (*gold_)["ppl"].get<double>();
    double f32_ppl = 0.0;
    {
        PrecisionScope precise(ActivationPrecision::F32);
        f32_ppl = compute_perplexity(*model_, tokens, static_cast<int64_t>(tokens.size())).perplexity;
    }
    const double fast_ppl = compute_perplexity(*model_, tokens, static_cast<int64_t>(tokens.size())).perplexity;
    std::printf("perplexity (1024 tokens): reference %.4f, --f32-activations %.4f (%+.4f%%), default %.4f (%+.3f%%)\n",
                ref, f32_ppl, 100.0 * (f32_ppl / ref - 1.0), fast_ppl, 100.0 * (fast_ppl / ref - 1.0));
    EXPECT_LE(std::abs(f32_ppl / ref - 1.0), kF32PerplexityTolerance);
    EXPECT_LE(std::abs(fast_ppl / ref - 1.0), kFastPerplexityTolerance);
}

}  // namespace
}  // namespace loom
