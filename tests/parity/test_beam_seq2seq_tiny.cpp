// Beam search parity with Hugging Face transformers `generate(num_beams=4)` on the tiny random
// encoder-decoder models (T5 v1.0 / v1.1, Marian, BART, mBART) through Seq2SeqBeamModel. The weights are
// regenerated here by scripts/goldens/write_tiny_seq2seq.py (python3 + numpy + safetensors; fails without
// them, never skips); the expected outputs are the "beams" entries of tests/data/seq2seq/<model>.json,
// recorded by scripts/goldens/make_seq2seq_goldens.py (length_penalty 0.6 / 1, no_repeat_ngram_size 3,
// num_return_sequences 2, early_stopping True / False; EOS and forced BOS / EOS from each model's config).
// Bar: every returned sequence identical token for token, every sequence score within 1e-4.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../tiny_models.h"
#include "core/error.h"
#include "formats/model_source.h"
#include "generate/beam_seq2seq_adapter.h"
#include "models/seq2seq_model.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
constexpr double kScoreTolerance = 1e-4;

fs::path tiny_dir() {
    static const fs::path dir = test::tiny_models("write_tiny_seq2seq", "--out ");
    return dir;
}

nlohmann::json golden(const std::string& name) {
    std::ifstream in("tests/data/seq2seq/" + name + ".json");
    if (!in) throw std::runtime_error("missing golden tests/data/seq2seq/" + name + ".json");
    return nlohmann::json::parse(in);
}

// generate() returns [decoder_start, generated..., padding]: a hypothesis ends at its first EOS (EOS ends
// it), else it ran to max_new_tokens.
std::vector<int32_t> generated_part(const std::vector<int32_t>& sequence, int32_t eos) {
    std::vector<int32_t> out(sequence.begin() + 1, sequence.end());
    auto end = std::find(out.begin(), out.end(), eos);
    if (end != out.end()) out.erase(end + 1, out.end());
    return out;
}

class TinySeq2SeqBeam : public ::testing::TestWithParam<std::string> {};

TEST_P(TinySeq2SeqBeam, BeamOutputsMatchTransformers) {
    const nlohmann::json gold = golden(GetParam());
    ModelSource source = open_model_source((tiny_dir() / GetParam()).string());
    std::unique_ptr<Seq2SeqModel> model = Seq2SeqModel::load(source);
    const Seq2SeqConfig& config = model->config();
    ASSERT_EQ(config.decoder_start_token_id, gold["decoder_start_token_id"].get<int32_t>());
    ASSERT_EQ(config.eos_token_id, gold["eos_token_id"].get<int32_t>());
    size_t n_cases = 0;
    for (const nlohmann::json& run : gold["generate"]) {
        const auto source_ids = run["source"].get<std::vector<int32_t>>();
        for (const nlohmann::json& beam : run["beams"]) {
            const nlohmann::json& opt = beam["options"];
            SCOPED_TRACE(GetParam() + " source of " + std::to_string(source_ids.size()) + " ids, options " +
                         opt.dump());
            BeamSearchOptions o = seq2seq_beam_options(config);
            o.max_new_tokens = gold["max_new_tokens"].get<int32_t>();
            o.num_beams = opt["num_beams"].get<int32_t>();
            o.length_penalty = opt["length_penalty"].get<float>();
            o.no_repeat_ngram_size = opt["no_repeat_ngram_size"].get<int32_t>();
            o.num_return_sequences = opt["num_return_sequences"].get<int32_t>();
            o.early_stopping =
                opt["early_stopping"].get<bool>() ? EarlyStopping::WhenFull : EarlyStopping::Heuristic;
            const BeamSearchResult r = seq2seq_beam_search(*model, source_ids, o);
            const auto expected = beam["sequences"].get<std::vector<std::vector<int32_t>>>();
            const auto scores = beam["scores"].get<std::vector<double>>();
            ASSERT_EQ(r.sequences.size(), expected.size());
            for (size_t i = 0; i < expected.size(); ++i) {
                EXPECT_EQ(r.sequences[i].tokens, generated_part(expected[i], config.eos_token_id))
                    << "sequence " << i;
                EXPECT_NEAR(r.sequences[i].score, scores[i], kScoreTolerance) << "sequence " << i;
            }
            ++n_cases;
        }
    }
    EXPECT_GE(n_cases, 4u);
}

INSTANTIATE_TEST_SUITE_P(Seq2Seq, TinySeq2SeqBeam,
                         ::testing::Values("t5-v1_0", "t5-v1_1", "marian", "bart", "mbart"),
                         [](const auto& info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

// After a reorder in which one parent has two children and another none, every beam's logits equal those of
// its own target run from scratch over the same encoding, and the batched step equals single decodes.
TEST(Seq2SeqBeamAdapter, ReorderedBeamsMatchFreshTargets) {
    ModelSource source = open_model_source((tiny_dir() / "bart").string());
    std::unique_ptr<Seq2SeqModel> model = Seq2SeqModel::load(source);
    const int64_t n_vocab = model->config().n_vocab;
    const int32_t start = model->config().decoder_start_token_id;
    auto encoded = model->encode(std::vector<int32_t>{37, 512, 9, 100, 2});
    Seq2SeqBeamModel beams(*model, encoded);
    std::vector<float> logits(3 * n_vocab);  // [3 beams, n_vocab]
    beams.begin(std::vector<int32_t>{start}, 3, 16, logits.data());
    beams.step(std::vector<int32_t>{10, 20, 30}, logits.data());
    beams.reorder(std::vector<int32_t>{2, 0, 2});
    beams.step(std::vector<int32_t>{5, 6, 7}, logits.data());
    const std::vector<std::vector<int32_t>> targets = {{start, 30, 5}, {start, 10, 6}, {start, 30, 7}};
    for (size_t b = 0; b < targets.size(); ++b) {
        Seq2SeqState state = model->start(encoded, 16);
        std::vector<float> fresh(n_vocab);
        model->decode(state, targets[b], fresh.data(), false);
        for (int64_t t = 0; t < n_vocab; ++t)
            ASSERT_NEAR(logits[b * n_vocab + t], fresh[t], 1e-4) << "beam " << b << " token " << t;
    }
}

TEST(Seq2SeqBeamErrors, ModelWithoutDecoderStartIsAnError) {
    Seq2SeqConfig config;
    config.decoder_start_token_id = -1;
    EXPECT_THROW(seq2seq_beam_prefix(config), Error);
}

}  // namespace
}  // namespace loom
