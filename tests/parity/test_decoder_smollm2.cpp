// The default model (SmolLM2-135M-Instruct, GGUF Q4_1) against Hugging Face transformers loading the same
// GGUF (dequantized to f32), goldens from scripts/goldens/make_default_model_golden.py:
//   - top-1 next-token agreement >= 93% over 600 tokens of text (loom's Q4_1 kernels quantize activations to
//     8 bits, so near-ties flip; measured 94.8%, printed by the test),
//   - perplexity within 1% of the reference,
//   - the decode path following the reference's 64 greedy tokens (see the test for why not exact equality).
// Needs models/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch_default_model.sh); fails without it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/parallel.h"
#include "formats/model_source.h"
#include "models/decoder_model.h"

namespace loom {
namespace {

constexpr const char* kModel = "models/SmolLM2-135M-Instruct.Q4_1.gguf";

class DefaultModel : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ASSERT_TRUE(std::filesystem::exists(kModel))
            << kModel << " missing: run scripts/fetch_default_model.sh";
        std::ifstream in("tests/data/decoders/smollm2_default.json");
        ASSERT_TRUE(in) << "missing golden tests/data/decoders/smollm2_default.json";
        gold_ = new nlohmann::json(nlohmann::json::parse(in));
        source_ = new ModelSource(open_model_source(kModel));
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
nlohmann::json* DefaultModel::gold_ = nullptr;
ModelSource* DefaultModel::source_ = nullptr;
DecoderModel* DefaultModel::model_ = nullptr;

TEST_F(DefaultModel, TopOneAgreementAndPerplexityMatchReference) {
    const auto tokens = (*gold_)["tokens"].get<std::vector<int32_t>>();
    const auto ref_top1 = (*gold_)["top1"].get<std::vector<int32_t>>();
    const auto ref_nll = (*gold_)["nll"].get<std::vector<double>>();
    const int64_t V = model_->config().n_vocab, n = static_cast<int64_t>(tokens.size());
    KvCache cache = model_->make_cache(n);
    constexpr int64_t kChunk = 128;  // prefill in chunks: exercises batched prefill over a filled cache
    int64_t agree = 0;
    double nll_sum = 0.0, ref_nll_sum = 0.0;
    std::vector<float> logits(kChunk * V);  // [chunk, vocab]
    for (int64_t start = 0; start < n; start += kChunk) {
        const int64_t len = std::min(kChunk, n - start);
        model_->forward(std::span(tokens).subspan(start, len), cache, logits.data(), true);
        for (int64_t t = 0; t < len; ++t) {
            const float* row = logits.data() + t * V;
            const int64_t pos = start + t;
            agree += (std::max_element(row, row + V) - row) == ref_top1[pos];
            if (pos + 1 >= n) continue;
            const double max = *std::max_element(row, row + V);
            double sum = 0.0;
            for (int64_t j = 0; j < V; ++j) sum += std::exp(static_cast<double>(row[j]) - max);
            nll_sum += -(static_cast<double>(row[tokens[pos + 1]]) - max - std::log(sum));
            ref_nll_sum += ref_nll[pos];
        }
    }
    const double agreement = static_cast<double>(agree) / static_cast<double>(n);
    const double ppl = std::exp(nll_sum / static_cast<double>(n - 1));
    const double ref_ppl = std::exp(ref_nll_sum / static_cast<double>(n - 1));
    std::printf("top-1 agreement %.4f (%lld/%lld), perplexity %.4f vs reference %.4f (%.3f%%)\n", agreement,
                static_cast<long long>(agree), static_cast<long long>(n), ppl, ref_ppl,
                100.0 * (ppl / ref_ppl - 1.0));
    EXPECT_GE(agreement, 0.93);  // measured 0.948 (569/600) with 8-bit activations in the Q4_1 row kernels
    EXPECT_LE(std::abs(ppl / ref_ppl - 1.0), 0.01);
}

// The single-token decode path (M = 1) fed the reference's 64 greedy tokens (teacher forcing): its top-1 must
// be the reference's next greedy token at >= 90% of the steps. Free-running greedy equality over all 64
// tokens is not asserted: loom's Q4_1 row kernels quantize activations to 8 bits (as llama.cpp does) while
// the reference computes in f32, and SmolLM2 has near-ties (at step 9 of this prompt, ',' vs ':'); the length
// of the identical greedy prefix is printed.
TEST_F(DefaultModel, DecodePathFollowsReferenceGreedy) {
    const auto prompt = (*gold_)["prompt_tokens"].get<std::vector<int32_t>>();
    const auto expected = (*gold_)["greedy"].get<std::vector<int32_t>>();
    const int64_t V = model_->config().n_vocab;
    auto argmax = [&](const std::vector<float>& row) {
        return static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
    };
    KvCache cache = model_->make_cache(256);
    std::vector<float> logits(V);
    model_->forward(prompt, cache, logits.data(), false);
    int64_t agree = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        agree += argmax(logits) == expected[i];
        model_->forward(std::span(&expected[i], 1), cache, logits.data(), false);
    }
    KvCache free_cache = model_->make_cache(256);
    model_->forward(prompt, free_cache, logits.data(), false);
    size_t same_prefix = 0;
    for (; same_prefix < expected.size(); ++same_prefix) {
        int32_t next = argmax(logits);
        if (next != expected[same_prefix]) break;
        model_->forward(std::span(&next, 1), free_cache, logits.data(), false);
    }
    std::printf(
        "teacher-forced greedy agreement %lld/%zu; free-running greedy identical for %zu/%zu tokens\n",
        static_cast<long long>(agree), expected.size(), same_prefix, expected.size());
    EXPECT_GE(static_cast<double>(agree) / static_cast<double>(expected.size()), 0.90);
    EXPECT_GE(same_prefix, 8u);  // measured: the first 8 tokens match, then a near-tie (see above)
}

}  // namespace
}  // namespace loom
