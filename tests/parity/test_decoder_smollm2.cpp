// The default model (SmolLM2-135M-Instruct, GGUF Q4_1) against Hugging Face transformers loading the same
// GGUF (dequantized to f32), goldens from scripts/goldens/make_default_model_golden.py:
//   - batched prefill: top-1 agreement >= 99% over 600 tokens of text, perplexity within 1%;
//   - with f32 activations (ActivationPrecision::F32): the 64 greedy tokens identical;
//   - with the default fast decode kernels (Q4_1 rows meet 8-bit activations, as in llama.cpp): the decode
//     path following the reference's greedy tokens (teacher-forced >= 90%), identical for the first 8.
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
#include "kernels/cpu/matmul.h"
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

struct PrefillScore {
    double agreement, ppl, ref_ppl;
};

// Runs the golden text through batched prefill (chunks of 128 over a filling cache) and compares each
// position's top-1 and the text's perplexity with the reference's.
PrefillScore score_prefill(DecoderModel& model, const nlohmann::json& gold) {
    const auto tokens = gold["tokens"].get<std::vector<int32_t>>();
    const auto ref_top1 = gold["top1"].get<std::vector<int32_t>>();
    const auto ref_nll = gold["nll"].get<std::vector<double>>();
    const int64_t V = model.config().n_vocab, n = static_cast<int64_t>(tokens.size());
    KvCache cache = model.make_cache(n);
    constexpr int64_t kChunk = 128;
    int64_t agree = 0;
    double nll_sum = 0.0, ref_nll_sum = 0.0;
    std::vector<float> logits(kChunk * V);  // [chunk, vocab]
    for (int64_t start = 0; start < n; start += kChunk) {
        const int64_t len = std::min(kChunk, n - start);
        model.forward(std::span(tokens).subspan(start, len), cache, logits.data(), true);
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
    PrefillScore s{static_cast<double>(agree) / static_cast<double>(n),
                   std::exp(nll_sum / static_cast<double>(n - 1)),
                   std::exp(ref_nll_sum / static_cast<double>(n - 1))};
    std::printf("top-1 agreement %.4f (%lld/%lld), perplexity %.4f vs reference %.4f (%.3f%%)\n", s.agreement,
                static_cast<long long>(agree), static_cast<long long>(n), s.ppl, s.ref_ppl,
                100.0 * (s.ppl / s.ref_ppl - 1.0));
    return s;
}

struct GreedyScore {
    double teacher_forced;  // fraction of steps whose top-1 is the reference's next token
    size_t same_prefix;     // free-running greedy tokens identical to the reference's
    size_t n;
};

// The single-token decode path (M = 1): free-running, and (when asked) fed the reference's greedy tokens
// (teacher forcing).
GreedyScore score_greedy(DecoderModel& model, const nlohmann::json& gold, bool teacher_forcing) {
    const auto prompt = gold["prompt_tokens"].get<std::vector<int32_t>>();
    const auto expected = gold["greedy"].get<std::vector<int32_t>>();
    const int64_t V = model.config().n_vocab;
    auto argmax = [&](const std::vector<float>& row) {
        return static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
    };
    std::vector<float> logits(V);
    int64_t agree = 0;
    KvCache cache = model.make_cache(256);
    if (teacher_forcing) model.forward(prompt, cache, logits.data(), false);
    for (size_t i = 0; teacher_forcing && i < expected.size(); ++i) {
        agree += argmax(logits) == expected[i];
        model.forward(std::span(&expected[i], 1), cache, logits.data(), false);
    }
    KvCache free_cache = model.make_cache(256);
    model.forward(prompt, free_cache, logits.data(), false);
    size_t same_prefix = 0;
    for (; same_prefix < expected.size(); ++same_prefix) {
        int32_t next = argmax(logits);
        if (next != expected[same_prefix]) break;
        model.forward(std::span(&next, 1), free_cache, logits.data(), false);
    }
    if (teacher_forcing)
        std::printf("teacher-forced greedy agreement %lld/%zu\n", static_cast<long long>(agree),
                    expected.size());
    std::printf("free-running greedy identical for %zu/%zu tokens\n", same_prefix, expected.size());
    return {static_cast<double>(agree) / static_cast<double>(expected.size()), same_prefix, expected.size()};
}

// Restores the default (fast) activation precision when a test ends.
struct PrecisionScope {
    explicit PrecisionScope(ActivationPrecision p) { set_activation_precision(p); }
    ~PrecisionScope() { set_activation_precision(ActivationPrecision::Fast); }
};

// Batched prefill (chunks of 128 rows) on the default path: the int8 VNNI GEMM, activations quantized to int8
// blocks of 32 as in llama.cpp. Measured 572/600 top-1 (95.3%) and perplexity -0.6% against the f32
// reference, the same top-1 rate as the int8 decode path's teacher-forced 61/64 below (SmolLM2-135M has many
// near-ties); the bar leaves room for summation-order changes, not for a wrong kernel (which scores < 50%).
TEST_F(DefaultModel, PrefillTopOneAgreementAndPerplexity) {
    PrefillScore s = score_prefill(*model_, *gold_);
    EXPECT_GE(s.agreement, 0.93);
    EXPECT_LE(std::abs(s.ppl / s.ref_ppl - 1.0), 0.01);
}

// The same prefill with --f32-activations (weights dequantized, f32 GEMM): the reference's top-1 everywhere
// (measured 600/600) and its perplexity.
TEST_F(DefaultModel, F32ActivationsPrefillMatchesReference) {
    PrecisionScope f32(ActivationPrecision::F32);
    PrefillScore s = score_prefill(*model_, *gold_);
    EXPECT_GE(s.agreement, 0.99);
    EXPECT_LE(std::abs(s.ppl / s.ref_ppl - 1.0), 0.001);
}

// Free-running greedy equality is not asserted for the fast kernels: SmolLM2 has a near-tie at step 9 of this
// prompt (',' vs ':') that 8-bit activations flip; the identical prefix is printed.
TEST_F(DefaultModel, FastKernelsDecodePathFollowsReferenceGreedy) {
    GreedyScore g = score_greedy(*model_, *gold_, true);
    EXPECT_GE(g.teacher_forced, 0.90);
    EXPECT_GE(g.same_prefix, 8u);
}

// F32 activations (ActivationPrecision::F32: quantized weights dequantized and multiplied in f32, as the
// reference does): the 64 greedy tokens identical. (Prefill of >= 16 rows already runs the f32 gemm path in
// both modes, so the test above covers its top-1 and perplexity; this one exercises the M = 1 decode path,
// the one that differs.)
TEST_F(DefaultModel, F32ActivationsGreedyEqualsReference) {
    PrecisionScope precise(ActivationPrecision::F32);
    GreedyScore g = score_greedy(*model_, *gold_, false);
    EXPECT_EQ(g.same_prefix, g.n);
}

}  // namespace
}  // namespace loom
