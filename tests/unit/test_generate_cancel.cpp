// generate()'s cancel flag (GenerationOptions::cancel, set by `loom chat`'s Ctrl-C handler): read before each
// new token, it ends the generation with StopReason::Cancelled and keeps what was generated. Tiny random
// LLaMA (scripts/goldens/write_tiny_weights.py) + the LLaMA-3 tokenizer (its ids cover the tiny vocabulary).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "../tiny_models.h"
#include "formats/model_source.h"
#include "generate/generator.h"
#include "generate/sampling_params.h"
#include "models/decoder_model.h"

namespace loom {
namespace {

struct CancelFixture {
    ModelSource source;
    std::unique_ptr<DecoderModel> model;
    std::unique_ptr<Tokenizer> tokenizer;
};

CancelFixture& cancel_fixture() {
    static CancelFixture f = [] {
        const std::filesystem::path dir = test::tiny_models("write_tiny_weights", "--out ");
        CancelFixture x;
        x.source = open_model_source((dir / "llama").string());
        x.model = load_decoder_model(x.source);
        x.tokenizer = Tokenizer::from_file("tests/data/upstream/tokenizers/llama3/tokenizer.json");
        return x;
    }();
    return f;
}

GenerationResult generate_greedy(const GenerationOptions& options,
                                 const std::function<void(const GenerationStep&)>& on_step = {}) {
    CancelFixture& f = cancel_fixture();
    Session session(*f.model, 64);
    SamplingParams greedy;
    greedy.temperature = 0.0f;
    auto sampler = make_sampler_chain(greedy);
    const std::vector<int32_t> prompt = {1, 2, 3, 4};
    return generate(session, *f.tokenizer, prompt, *sampler, options, on_step);
}

TEST(GenerateCancel, WithoutTheFlagSetGenerationRunsToItsLimit) {
    std::atomic<bool> cancel{false};
    GenerationOptions options;
    options.n_predict = 8;
    options.cancel = &cancel;
    GenerationResult r = generate_greedy(options);
    EXPECT_EQ(r.stop, StopReason::MaxTokens);
    EXPECT_EQ(r.tokens.size(), 8u);
}

TEST(GenerateCancel, SettingTheFlagStopsBeforeTheNextTokenAndKeepsTheRest) {
    GenerationOptions options;
    options.n_predict = 8;
    const GenerationResult full = generate_greedy(options);

    std::atomic<bool> cancel{false};
    options.cancel = &cancel;
    int steps = 0;
    GenerationResult r = generate_greedy(options, [&](const GenerationStep&) {
        if (++steps == 3) cancel.store(true);
    });
    EXPECT_EQ(r.stop, StopReason::Cancelled);
    EXPECT_STREQ(stop_reason_name(r.stop), "cancelled");
    ASSERT_EQ(r.tokens.size(), 3u);
    EXPECT_TRUE(std::equal(r.tokens.begin(), r.tokens.end(), full.tokens.begin()));
}

TEST(GenerateCancel, AFlagAlreadySetGeneratesNothing) {
    std::atomic<bool> cancel{true};
    GenerationOptions options;
    options.n_predict = 8;
    options.cancel = &cancel;
    GenerationResult r = generate_greedy(options);
    EXPECT_EQ(r.stop, StopReason::Cancelled);
    EXPECT_TRUE(r.tokens.empty());
    EXPECT_TRUE(r.text.empty());
}

}  // namespace
}  // namespace loom
