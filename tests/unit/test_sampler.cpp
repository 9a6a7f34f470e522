// Sampler chain: each sampler on hand-computed distributions, validation, seeded reproducibility, and a
// goodness-of-fit check of the final draw.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/error.h"
#include "generate/sampler_chain.h"
#include "generate/sampler_top_probs.h"
#include "generate/samplers/samplers.h"
#include "generate/sampling_params.h"

using namespace loom;

namespace {

std::set<int32_t> ids_of(const CandidateArray& c) {
    std::set<int32_t> out;
    for (const auto& t : c.data) out.insert(t.id);
    return out;
}

// Logits whose softmax is exactly `probs` (up to rounding): log p.
std::vector<float> logits_for(const std::vector<double>& probs) {
    std::vector<float> out;
    for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
    return out;
}

float logit_of(const CandidateArray& c, int32_t id) {
    for (const auto& t : c.data)
        if (t.id == id) return t.logit;
    ADD_FAILURE() << "id " << id << " not in candidates";
    return NAN;
}

}  // namespace

TEST(Greedy, PicksArgmaxAndBreaksTiesToLowestId) {
    std::vector<float> logits = {1.0f, 3.0f, 3.0f, 2.0f};
    auto c = CandidateArray::from_logits(logits);
    GreedySampler().apply(c);
    EXPECT_EQ(c.data[c.selected].id, 1);
}

TEST(TopK, KeepsExactlyK) {
    std::vector<float> logits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    auto c = CandidateArray::from_logits(logits);
    TopKSampler(3).apply(c);
    EXPECT_EQ(ids_of(c), (std::set<int32_t>{7, 8, 9}));
    auto all = CandidateArray::from_logits(logits);
    TopKSampler(0).apply(all);  // 0 = off
    EXPECT_EQ(all.data.size(), 10u);
    EXPECT_THROW(TopKSampler(-1), Error);
}

TEST(TopP, KeepsSmallestPrefixReachingMass) {
    const auto logits = logits_for({0.5, 0.3, 0.15, 0.05});
    auto keep = [&](float p) {
        auto c = CandidateArray::from_logits(logits);
        TopPSampler(p).apply(c);
        return ids_of(c);
    };
    EXPECT_EQ(keep(0.45f), (std::set<int32_t>{0}));           // 0.5 >= 0.45
    EXPECT_EQ(keep(0.75f), (std::set<int32_t>{0, 1}));        // 0.8 >= 0.75
    EXPECT_EQ(keep(0.81f), (std::set<int32_t>{0, 1, 2}));     // 0.95 >= 0.81
    EXPECT_EQ(keep(0.96f), (std::set<int32_t>{0, 1, 2, 3}));  // needs everything
    EXPECT_THROW(TopPSampler(0.0f), Error);
    EXPECT_THROW(TopPSampler(1.5f), Error);
}

TEST(MinP, KeepsTokensAboveFractionOfMax) {
    const auto logits = logits_for({0.5, 0.3, 0.15, 0.05});
    auto c = CandidateArray::from_logits(logits);
    MinPSampler(0.2f).apply(c);  // threshold 0.2 * 0.5 = 0.1
    EXPECT_EQ(ids_of(c), (std::set<int32_t>{0, 1, 2}));
    auto d = CandidateArray::from_logits(logits);
    MinPSampler(0.7f).apply(d);  // threshold 0.35
    EXPECT_EQ(ids_of(d), (std::set<int32_t>{0}));
}

// p = (1/2, 1/4, 1/8, 1/8): H = 1.75 ln 2; surprisals 1, 2, 3, 3 (x ln 2) so the distances |s - H| are
// 0.75, 0.25, 1.25, 1.25 (x ln 2). Typical order: id 1 (mass 0.25), id 0 (0.5), then ids 2, 3 (0.125 each).
TEST(Typical, HandComputedEntropyExample) {
    const auto logits = logits_for({0.5, 0.25, 0.125, 0.125});
    auto keep = [&](float p) {
        auto c = CandidateArray::from_logits(logits);
        TypicalSampler(p).apply(c);
        return ids_of(c);
    };
    EXPECT_EQ(keep(0.2f), (std::set<int32_t>{1}));
    EXPECT_EQ(keep(0.3f), (std::set<int32_t>{0, 1}));
    EXPECT_EQ(keep(0.8f), (std::set<int32_t>{0, 1, 2}));
    EXPECT_EQ(keep(1.0f).size(), 4u);
}

TEST(Temperature, ScalesLogitsAndZeroIsGreedy) {
    std::vector<float> logits = {1.0f, -2.0f, 3.0f, 3.0f};
    auto c = CandidateArray::from_logits(logits);
    TemperatureSampler(0.5f).apply(c);
    EXPECT_FLOAT_EQ(logit_of(c, 0), 2.0f);
    EXPECT_FLOAT_EQ(logit_of(c, 1), -4.0f);
    auto g = CandidateArray::from_logits(logits);
    TemperatureSampler(0.0f).apply(g);
    ASSERT_EQ(g.data.size(), 1u);
    EXPECT_EQ(g.data[0].id, 2);
    EXPECT_THROW(TemperatureSampler(-0.1f), Error);
}

TEST(RepetitionPenalty, DividesPositiveMultipliesNegative) {
    std::vector<float> logits = {2.0f, -2.0f, 1.0f, 0.5f};
    RepetitionPenaltySampler s(2.0f, 64);
    for (int32_t t : {0, 1, 1}) s.accept(t);
    auto c = CandidateArray::from_logits(logits);
    s.apply(c);
    EXPECT_FLOAT_EQ(logit_of(c, 0), 1.0f);   // 2 / 2, once although counted once
    EXPECT_FLOAT_EQ(logit_of(c, 1), -4.0f);  // -2 * 2, once although seen twice
    EXPECT_FLOAT_EQ(logit_of(c, 2), 1.0f);
    EXPECT_FLOAT_EQ(logit_of(c, 3), 0.5f);
    s.reset();
    auto d = CandidateArray::from_logits(logits);
    s.apply(d);
    EXPECT_FLOAT_EQ(logit_of(d, 0), 2.0f);
}

TEST(RepetitionPenalty, OnlyTheLastNTokensCount) {
    RepetitionPenaltySampler s(2.0f, 2);
    for (int32_t t : {0, 1, 2}) s.accept(t);
    std::vector<float> logits = {4.0f, 4.0f, 4.0f};
    auto c = CandidateArray::from_logits(logits);
    s.apply(c);
    EXPECT_FLOAT_EQ(logit_of(c, 0), 4.0f);  // fell out of the window
    EXPECT_FLOAT_EQ(logit_of(c, 1), 2.0f);
    EXPECT_FLOAT_EQ(logit_of(c, 2), 2.0f);
}

TEST(PresenceFrequency, OpenAIForm) {
    PresenceFrequencySampler s(0.5f, 0.25f, 64);
    for (int32_t t : {0, 1, 1}) s.accept(t);
    std::vector<float> logits = {1.0f, 1.0f, 1.0f};
    auto c = CandidateArray::from_logits(logits);
    s.apply(c);
    EXPECT_FLOAT_EQ(logit_of(c, 0), 1.0f - (1 * 0.25f + 0.5f));
    EXPECT_FLOAT_EQ(logit_of(c, 1), 1.0f - (2 * 0.25f + 0.5f));
    EXPECT_FLOAT_EQ(logit_of(c, 2), 1.0f);
}

TEST(LogitBias, AddsAndBans) {
    std::vector<float> logits = {5.0f, 1.0f, 1.0f};
    LogitBiasSampler s({{0, -std::numeric_limits<float>::infinity()}, {2, 0.5f}});
    auto c = CandidateArray::from_logits(logits);
    s.apply(c);
    EXPECT_FLOAT_EQ(logit_of(c, 2), 1.5f);
    DistSampler dist(7);
    for (int i = 0; i < 200; ++i) {
        auto d = CandidateArray::from_logits(logits);
        s.apply(d);
        dist.apply(d);
        EXPECT_NE(d.data[d.selected].id, 0);
    }
}

TEST(Dist, AllBannedIsAnError) {
    const float ninf = -std::numeric_limits<float>::infinity();
    std::vector<float> logits = {ninf, ninf};
    auto c = CandidateArray::from_logits(logits);
    EXPECT_THROW(DistSampler(1).apply(c), Error);
}

TEST(Chain, SameSeedSameTokensAndResetReplays) {
    SamplingParams params;
    params.seed = 1234;
    params.top_k = 0;
    params.top_p = 1.0f;
    params.min_p = 0.0f;
    params.temperature = 1.0f;
    std::vector<float> logits(50);
    for (size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>(std::sin(i * 0.7) * 2.0);
    auto a = make_sampler_chain(params);
    auto b = make_sampler_chain(params);
    std::vector<int32_t> ta, tb;
    for (int i = 0; i < 100; ++i) {
        ta.push_back(a->sample(logits));
        tb.push_back(b->sample(logits));
    }
    EXPECT_EQ(ta, tb);
    EXPECT_GT(std::set<int32_t>(ta.begin(), ta.end()).size(), 5u);  // it does sample, not argmax
    a->reset();
    std::vector<int32_t> again;
    for (int i = 0; i < 100; ++i) again.push_back(a->sample(logits));
    EXPECT_EQ(again, ta);
    params.seed = 99;
    auto c = make_sampler_chain(params);
    std::vector<int32_t> tc;
    for (int i = 0; i < 100; ++i) tc.push_back(c->sample(logits));
    EXPECT_NE(tc, ta);
}

TEST(Chain, DefaultsAndOrder) {
    SamplingParams params;
    params.seed = 1;
    EXPECT_EQ(make_sampler_chain(params)->name(), "chain(top_k -> top_p -> min_p -> temperature -> dist)");
    params.order = {SamplerStage::Temperature, SamplerStage::TopK};
    params.repeat_penalty = 1.1f;
    EXPECT_EQ(make_sampler_chain(params)->name(), "chain(temperature -> top_k -> dist)");
    params.temperature = 0.0f;
    params.order = {SamplerStage::Penalties, SamplerStage::Temperature};
    EXPECT_EQ(make_sampler_chain(params)->name(), "chain(repetition_penalty -> temperature -> greedy)");
}

TEST(Chain, GreedyWhenTemperatureZeroFollowsPenalties) {
    SamplingParams params;
    params.temperature = 0.0f;
    params.repeat_penalty = 4.0f;
    auto chain = make_sampler_chain(params);
    std::vector<float> logits = {1.0f, 3.0f, 2.0f};
    EXPECT_EQ(chain->sample(logits), 1);
    chain->accept(1);  // 3 / 4 = 0.75 now loses to 2
    EXPECT_EQ(chain->sample(logits), 2);
}

TEST(Validation, ClearMessages) {
    auto message_for = [](auto mutate) {
        SamplingParams p;
        mutate(p);
        try {
            make_sampler_chain(p);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message_for([](SamplingParams& p) { p.top_p = 0.0f; }).find("top_p"), std::string::npos);
    EXPECT_NE(message_for([](SamplingParams& p) { p.top_p = 1.01f; }).find("(0, 1]"), std::string::npos);
    EXPECT_NE(message_for([](SamplingParams& p) { p.temperature = -1.0f; }).find("temperature"),
              std::string::npos);
    EXPECT_NE(message_for([](SamplingParams& p) { p.top_k = -3; }).find("top_k"), std::string::npos);
    EXPECT_NE(message_for([](SamplingParams& p) { p.min_p = 2.0f; }).find("min_p"), std::string::npos);
    EXPECT_NE(message_for([](SamplingParams& p) { p.typical_p = 0.0f; }).find("typical_p"),
              std::string::npos);
    EXPECT_NE(message_for([](SamplingParams& p) { p.repeat_penalty = 0.0f; }).find("repeat_penalty"),
              std::string::npos);
    EXPECT_NE(message_for([](SamplingParams& p) { p.logit_bias[3] = NAN; }).find("logit_bias"),
              std::string::npos);
    EXPECT_EQ(message_for([](SamplingParams&) {}), "no error");
}

// 20,000 seeded draws from a 6-way softmax; Pearson's chi-square with 5 degrees of freedom must stay below
// 20.52 (the 0.1% critical value). The seed is fixed, so the test is deterministic; a biased sampler (e.g.
// one that ignores the smallest bins or draws from the logits directly) lands far above it.
TEST(Dist, FrequenciesMatchSoftmax) {
    const std::vector<double> probs = {0.4, 0.25, 0.15, 0.1, 0.07, 0.03};
    const auto logits = logits_for(probs);
    DistSampler dist(20240601);
    const int draws = 20000;
    std::vector<int> counts(probs.size(), 0);
    for (int i = 0; i < draws; ++i) {
        auto c = CandidateArray::from_logits(logits);
        dist.apply(c);
        ++counts[c.data[c.selected].id];
    }
    double chi2 = 0.0;
    for (size_t i = 0; i < probs.size(); ++i) {
        const double expected = probs[i] * draws;
        chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
    }
    EXPECT_LT(chi2, 20.52);
}

TEST(TopProbabilities, SoftmaxOfRawLogits) {
    const auto logits = logits_for({0.1, 0.6, 0.3});
    auto top = top_probabilities(logits, 2);
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0].id, 1);
    EXPECT_NEAR(top[0].probability, 0.6, 1e-6);
    EXPECT_EQ(top[1].id, 2);
    EXPECT_NEAR(top[1].probability, 0.3, 1e-6);
    EXPECT_EQ(top_probabilities(logits, 10).size(), 3u);
}
