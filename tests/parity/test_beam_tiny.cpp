// Beam search parity with Hugging Face transformers `generate(num_beams > 1)` on the tiny random decoders.
// The weights are regenerated here by scripts/goldens/write_tiny_weights.py (python3 + numpy + safetensors;
// the test fails, it does not skip, without them); the expected outputs are tests/data/beam/<model>.json,
// recorded by scripts/goldens/make_beam_goldens.py (transformers, f32). Each case lists generate()'s options
// (num_beams 4 or 5, length_penalty 0.6 / 1 / 2, early_stopping True / False / "never", no_repeat_ngram_size,
// num_return_sequences, min lengths, repetition penalty, forced BOS / EOS) and the returned sequences.
// Bar: every returned sequence identical token for token, every sequence score within 1e-4.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../tiny_models.h"
#include "formats/model_source.h"
#include "generate/beam_decoder_adapter.h"
#include "generate/beam_search.h"
#include "models/decoder_model.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
constexpr double kScoreTolerance = 1e-4;

fs::path tiny_dir() {
    static const fs::path dir = test::tiny_models("write_tiny_weights", "--out ");
    return dir;
}

nlohmann::json golden(const std::string& name) {
    std::ifstream in("tests/data/beam/" + name + ".json");
    if (!in) throw std::runtime_error("missing golden tests/data/beam/" + name + ".json");
    return nlohmann::json::parse(in);
}

// The golden's option names are BeamSearchOptions' own (make_beam_goldens.py maps them onto generate()).
BeamSearchOptions options_from(const nlohmann::json& j) {
    BeamSearchOptions o;
    o.num_beams = j.at("num_beams").get<int32_t>();
    o.max_new_tokens = j.at("max_new_tokens").get<int32_t>();
    o.eos_token_ids = j.at("eos").get<std::vector<int32_t>>();
    o.length_penalty = j.at("length_penalty").get<float>();
    const std::string es = j.at("early_stopping").get<std::string>();
    o.early_stopping = es == "true"    ? EarlyStopping::WhenFull
                       : es == "never" ? EarlyStopping::Never
                                       : EarlyStopping::Heuristic;
    o.num_return_sequences = j.value("num_return_sequences", 1);
    o.no_repeat_ngram_size = j.value("no_repeat_ngram_size", 0);
    o.min_new_tokens = j.value("min_new_tokens", 0);
    o.min_length = j.value("min_length", 0);
    o.repetition_penalty = j.value("repetition_penalty", 1.0f);
    o.forced_bos_token_id = j.value("forced_bos_token_id", -1);
    if (j.contains("forced_eos_token_id"))
        o.forced_eos_token_ids = j.at("forced_eos_token_id").get<std::vector<int32_t>>();
    return o;
}

class TinyBeam : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyBeam, EveryCaseMatchesTransformers) {
    const nlohmann::json gold = golden(GetParam());
    ModelSource source = open_model_source((tiny_dir() / GetParam()).string());
    std::unique_ptr<DecoderModel> model = load_decoder_model(source);
    DecoderBeamModel beams(*model);
    ASSERT_GE(gold["cases"].size(), 10u);
    for (const nlohmann::json& c : gold["cases"]) {
        SCOPED_TRACE(GetParam() + " case " + c["name"].get<std::string>());
        const auto prompt = c["prompt"].get<std::vector<int32_t>>();
        const auto expected = c["sequences"].get<std::vector<std::vector<int32_t>>>();
        const auto expected_scores = c["scores"].get<std::vector<double>>();
        BeamSearchResult r = beam_search(beams, prompt, options_from(c["options"]));
        ASSERT_EQ(r.sequences.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            EXPECT_EQ(r.sequences[i].tokens, expected[i]) << "sequence " << i;
            EXPECT_NEAR(r.sequences[i].score, expected_scores[i], kScoreTolerance) << "sequence " << i;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Decoders, TinyBeam, ::testing::Values("gpt2", "llama", "qwen2", "bloom"));

// The progress callback sees every step, and its best running beam grows one token per step.
TEST(TinyBeamProgress, CallbackReportsEachStep) {
    ModelSource source = open_model_source((tiny_dir() / "llama").string());
    std::unique_ptr<DecoderModel> model = load_decoder_model(source);
    DecoderBeamModel beams(*model);
    BeamSearchOptions o;
    o.num_beams = 3;
    o.max_new_tokens = 6;
    std::vector<int64_t> steps;
    const std::vector<int32_t> prompt = {3, 17, 200};
    BeamSearchResult r = beam_search(beams, prompt, o, [&](const BeamSearchProgress& p) {
        EXPECT_EQ(static_cast<int64_t>(p.best_running.size()), p.step);
        steps.push_back(p.step);
    });
    EXPECT_EQ(steps, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(r.n_steps, 6);
    EXPECT_EQ(r.sequences[0].tokens.size(), 6u);  // no EOS: the hypotheses end at max_new_tokens
}

// After a reorder in which one parent has two children and another none, every beam's logits equal those of
// its own sequence run from scratch: the adapter's cache copies hold exactly the parent's positions.
TEST(TinyBeamAdapter, ReorderedBeamsMatchFreshSequences) {
    ModelSource source = open_model_source((tiny_dir() / "qwen2").string());
    std::unique_ptr<DecoderModel> model = load_decoder_model(source);
    const int64_t n_vocab = model->config().n_vocab;
    DecoderBeamModel beams(*model);
    const std::vector<int32_t> prompt = {3, 17, 200, 45};
    std::vector<float> logits(3 * n_vocab);  // [3 beams, n_vocab]
    beams.begin(prompt, 3, 16, logits.data());
    beams.step(std::vector<int32_t>{10, 20, 30}, logits.data());  // beams: prompt+10, prompt+20, prompt+30
    beams.reorder(std::vector<int32_t>{2, 0, 2});                 // prompt+30, prompt+10, prompt+30
    beams.step(std::vector<int32_t>{5, 6, 7}, logits.data());
    const std::vector<std::vector<int32_t>> expected = {
        {3, 17, 200, 45, 30, 5}, {3, 17, 200, 45, 10, 6}, {3, 17, 200, 45, 30, 7}};
    for (size_t b = 0; b < expected.size(); ++b) {
        KvCache cache = model->make_cache(16);
        std::vector<float> fresh(n_vocab);
        model->forward(expected[b], cache, fresh.data(), false);
        for (int64_t t = 0; t < n_vocab; ++t)
            ASSERT_NEAR(logits[b * n_vocab + t], fresh[t], 1e-4) << "beam " << b << " token " << t;
    }
}

}  // namespace
}  // namespace loom
