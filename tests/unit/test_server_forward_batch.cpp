// DecoderModel::forward_batch (one decode token for each of several sequences in one call) against running
// forward() on each sequence alone, for every decoder architecture (tiny random-weight models written by
// scripts/goldens/write_tiny_weights.py). The sequences have different lengths, so each row attends over its
// own cache at its own position. Bar: |batched - alone| <= 1e-4 for every logit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/model_source.h"
#include "models/decoder_model.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

fs::path tiny_dir() {
    static const fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("loom_server_tiny_" + std::to_string(getpid()));
        const std::string cmd = "python3 scripts/goldens/write_tiny_weights.py --out '" + d.string() +
                                "' --only llama qwen2 gpt2 bloom gemma3 qwen3 mistral_swa > /dev/null";
        if (std::system(cmd.c_str()) != 0)
            throw std::runtime_error("could not write the tiny models (needs python3 + numpy + safetensors)");
        return d;
    }();
    return dir;
}

// Deterministic token ids in [0, vocab).
std::vector<int32_t> sequence(int64_t length, int32_t salt, int64_t vocab) {
    std::vector<int32_t> ids;
    for (int64_t i = 0; i < length; ++i)
        ids.push_back(static_cast<int32_t>((i * 37 + salt * 11 + 5) % vocab));
    return ids;
}

class ForwardBatch : public ::testing::TestWithParam<std::string> {};

TEST_P(ForwardBatch, EqualsEachSequenceAlone) {
    ModelSource source = open_model_source((tiny_dir() / GetParam()).string());
    auto model = load_decoder_model(source);
    const int64_t V = model->config().n_vocab;
    const std::vector<int64_t> prompt_lengths = {5, 1, 17, 9};  // different positions per row
    const size_t B = prompt_lengths.size();

    std::vector<KvCache> batched, alone;
    std::vector<float> scratch(V);
    std::vector<int32_t> next;  // [B] the token each sequence decodes next
    for (size_t b = 0; b < B; ++b) {
        const std::vector<int32_t> prompt = sequence(prompt_lengths[b], static_cast<int32_t>(b), V);
        batched.push_back(model->make_cache(64));
        alone.push_back(model->make_cache(64));
        model->forward(prompt, batched.back(), scratch.data(), false);
        model->forward(prompt, alone.back(), scratch.data(), false);
        next.push_back(static_cast<int32_t>((b * 53 + 7) % V));
    }
    // Three decode steps, so later steps also read keys/values the batched call wrote.
    for (int step = 0; step < 3; ++step) {
        std::vector<KvCache*> caches;
        for (auto& c : batched) caches.push_back(&c);
        std::vector<float> logits(B * V);  // [B, V]
        model->forward_batch(next, caches, logits.data());
        for (size_t b = 0; b < B; ++b) {
            std::vector<float> ref(V);  // [V]
            model->forward({&next[b], 1}, alone[b], ref.data(), false);
            ASSERT_EQ(batched[b].size(), alone[b].size());
            double worst = 0.0;
            for (int64_t j = 0; j < V; ++j)
                worst = std::max(worst, std::abs(static_cast<double>(logits[b * V + j]) - ref[j]));
            EXPECT_LE(worst, 1e-4) << GetParam() << " step " << step << " row " << b;
            // Next input: the row's argmax, as greedy decoding would feed it.
            next[b] = static_cast<int32_t>(std::max_element(ref.begin(), ref.end()) - ref.begin());
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Architectures, ForwardBatch,
                         ::testing::Values("llama", "qwen2", "gpt2", "bloom", "gemma3", "qwen3", "mistral_swa"));

TEST(ForwardBatchErrors, RejectsMismatchedFullOrRepeatedCaches) {
    ModelSource source = open_model_source((tiny_dir() / "llama").string());
    auto model = load_decoder_model(source);
    const int64_t V = model->config().n_vocab;
    std::vector<float> logits(2 * V);
    KvCache a = model->make_cache(4), b = model->make_cache(4);
    std::vector<int32_t> two = {1, 2};
    std::vector<KvCache*> one_cache = {&a};
    EXPECT_THROW(model->forward_batch(two, one_cache, logits.data()), Error);
    std::vector<KvCache*> same = {&a, &a};
    EXPECT_THROW(model->forward_batch(two, same, logits.data()), Error);
    std::vector<int32_t> four = {1, 2, 3, 4};
    model->forward(four, b, logits.data(), false);  // b is now full
    std::vector<KvCache*> full = {&a, &b};
    EXPECT_THROW(model->forward_batch(two, full, logits.data()), Error);
    EXPECT_EQ(a.size(), 0);  // nothing ran
}

}  // namespace
}  // namespace loom
