// nn/ layers checked against math: RoPE (identity at 0, norm-preserving, relative-position property, the two
// layouts equal under the GGUF permutation), ALiBi slopes (the paper's values), attention over the KV cache,
// and the model config errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "generate/kv_cache.h"
#include "models/model_config.h"
#include "nn/alibi.h"
#include "nn/attention.h"
#include "nn/rope.h"

namespace loom {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist;
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
    return s;
}

RopeConfig rope_config(RopeLayout layout, int64_t n_rot) {
    RopeConfig c;
    c.freq_base = 10000.0f;
    c.n_rot = n_rot;
    c.layout = layout;
    return c;
}

TEST(Rope, PositionZeroIsIdentityAndRotationKeepsNorm) {
    for (RopeLayout layout : {RopeLayout::Halves, RopeLayout::AdjacentPairs}) {
        Rope rope(rope_config(layout, 16), 16);
        auto x = random_vector(16, 1), y = x;
        rope.apply(y.data(), 16, 1, 0, 1);
        for (size_t i = 0; i < x.size(); ++i) EXPECT_FLOAT_EQ(x[i], y[i]);
        rope.apply(y.data(), 16, 1, 37, 1);
        EXPECT_NEAR(dot(x, x), dot(y, y), 1e-4);
    }
}

// q at position m, k at position n: q.k after RoPE depends only on m - n.
TEST(Rope, DotProductDependsOnlyOnRelativePosition) {
    Rope rope(rope_config(RopeLayout::Halves, 32), 32);
    const auto q = random_vector(32, 2), k = random_vector(32, 3);
    auto at = [&](std::vector<float> v, int64_t pos) {
        rope.apply(v.data(), 32, 1, pos, 1);
        return v;
    };
    EXPECT_NEAR(dot(at(q, 10), at(k, 3)), dot(at(q, 107), at(k, 100)), 1e-3);
}

// GGUF llama weights put HF dimension i at 2i and i + d/2 at 2i + 1: rotating adjacent pairs there equals
// rotating halves in the HF order.
TEST(Rope, AdjacentPairsEqualHalvesUnderThePermutation) {
    const int64_t d = 16, half = d / 2;
    Rope halves(rope_config(RopeLayout::Halves, d), d), pairs(rope_config(RopeLayout::AdjacentPairs, d), d);
    auto hf = random_vector(d, 4);
    std::vector<float> gguf(d);
    for (int64_t i = 0; i < half; ++i) gguf[2 * i] = hf[i], gguf[2 * i + 1] = hf[i + half];
    halves.apply(hf.data(), d, 1, 5, 1);
    pairs.apply(gguf.data(), d, 1, 5, 1);
    for (int64_t i = 0; i < half; ++i) {
        EXPECT_FLOAT_EQ(gguf[2 * i], hf[i]);
        EXPECT_FLOAT_EQ(gguf[2 * i + 1], hf[i + half]);
    }
}

TEST(Rope, LinearScalingDividesFrequencies) {
    RopeConfig c = rope_config(RopeLayout::Halves, 8);
    Rope plain(c, 8);
    c.scaling = RopeScaling::Linear;
    c.factor = 4.0f;
    Rope scaled(c, 8);
    for (size_t i = 0; i < plain.inv_freq().size(); ++i)
        EXPECT_FLOAT_EQ(scaled.inv_freq()[i], plain.inv_freq()[i] / 4.0f);
}

// The ALiBi paper: 8 heads -> 2^-1 .. 2^-8; 6 heads -> the 4-head slopes 2^-2, 2^-4, 2^-6, 2^-8 followed by
// the odd ones of the 8-head sequence, 2^-1, 2^-3.
TEST(Alibi, SlopesForPowerOfTwoAndOtherHeadCounts) {
    auto s8 = alibi_slopes(8);
    ASSERT_EQ(s8.size(), 8u);
    for (int i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(s8[i], std::pow(2.0f, -(i + 1.0f)));
    std::vector<float> expected6 = {0.25f, 0.0625f, 0.015625f, 0.00390625f, 0.5f, 0.125f};
    auto s6 = alibi_slopes(6);
    ASSERT_EQ(s6.size(), 6u);
    for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(s6[i], expected6[i]);
    EXPECT_THROW(alibi_slopes(0), Error);
}

// With identical keys the softmax is uniform, so each query's output is the mean of the values so far.
TEST(Attention, EqualKeysAverageTheValues) {
    const int64_t hd = 4, n = 3;
    KvCache cache(1, 1, hd, 8);
    std::vector<float> k(n * hd, 1.0f), v(n * hd);
    for (int64_t t = 0; t < n; ++t)
        for (int64_t i = 0; i < hd; ++i) v[t * hd + i] = static_cast<float>(t * 10 + i);
    cache.store(0, 0, n, k.data(), v.data(), hd);
    std::vector<float> q(n * 2 * hd, 0.5f), out(n * 2 * hd);  // 2 query heads share the kv head (GQA)
    AttentionParams p{2, 1, hd, 0.5f, nullptr, nullptr};
    causal_attention(out.data(), 2 * hd, q.data(), 2 * hd, cache, 0, 0, n, p);
    for (int64_t t = 0; t < n; ++t)
        for (int64_t h = 0; h < 2; ++h)
            for (int64_t i = 0; i < hd; ++i)
                EXPECT_NEAR(out[t * 2 * hd + h * hd + i],
                            10.0f * static_cast<float>(t) / 2.0f + static_cast<float>(i), 1e-5);
}

TEST(KvCache, StorePastCapacityThrows) {
    KvCache cache(1, 1, 2, 2);
    std::vector<float> kv(3 * 2, 0.0f);
    EXPECT_THROW(cache.store(0, 0, 3, kv.data(), kv.data(), 2), Error);
    EXPECT_THROW(cache.advance(3), Error);
}

TEST(ModelConfig, UnknownArchitectureNamesWhatLoomRuns) {
    try {
        model_config_from_hf(nlohmann::json{{"model_type", "xyz"}});
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(
                      "unknown architecture 'xyz'; loom runs: gpt2, llama, mistral, qwen2, qwen3, bloom, gemma3"),
                  std::string::npos);
    }
}

TEST(ModelConfig, ReadsLlamaConfigWithRopeScaling) {
    nlohmann::json j = {
        {"model_type", "llama"},
        {"num_hidden_layers", 2},
        {"hidden_size", 64},
        {"intermediate_size", 128},
        {"num_attention_heads", 4},
        {"num_key_value_heads", 2},
        {"vocab_size", 256},
        {"rope_theta", 500000.0},
        {"max_position_embeddings", 128},
        {"rope_scaling",
         {{"rope_type", "llama3"}, {"factor", 8.0}, {"original_max_position_embeddings", 64}}}};
    ModelConfig c = model_config_from_hf(j);
    EXPECT_EQ(c.head_dim, 16);
    EXPECT_EQ(c.n_head_kv, 2);
    EXPECT_EQ(c.rope.scaling, RopeScaling::Llama3);
    EXPECT_EQ(c.rope.original_context, 64);
    EXPECT_FLOAT_EQ(c.rope.freq_base, 500000.0f);
    EXPECT_EQ(c.rope.layout, RopeLayout::Halves);
    j["num_key_value_heads"] = 3;
    EXPECT_THROW(model_config_from_hf(j), Error);  // 4 heads are not a multiple of 3 kv heads
}

}  // namespace
}  // namespace loom
