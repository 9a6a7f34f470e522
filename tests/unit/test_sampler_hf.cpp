// Compares loom's samplers with Hugging Face transformers' logits processors on seeded random logits.
// Goldens: tests/data/sampler/hf_logits_processors.json, made by scripts/goldens/make_sampler_goldens.py
// (cases near a truncation threshold were excluded there, so membership must match exactly).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "generate/samplers/samplers.h"

using namespace loom;

namespace {

nlohmann::json load_cases() {
    std::ifstream in("tests/data/sampler/hf_logits_processors.json");
    if (!in) throw std::runtime_error("cannot open tests/data/sampler/hf_logits_processors.json");
    return nlohmann::json::parse(in)["cases"];
}

}  // namespace

TEST(HfLogitsProcessors, SameSurvivorsAndLogits) {
    const auto cases = load_cases();
    ASSERT_GE(cases.size(), 24u);
    for (size_t n = 0; n < cases.size(); ++n) {
        const auto& tc = cases[n];
        const std::string kind = tc["kind"];
        SCOPED_TRACE("case " + std::to_string(n) + " (" + kind + ")");
        const auto logits = tc["logits"].get<std::vector<float>>();
        auto c = CandidateArray::from_logits(logits);
        if (kind == "top_k") {
            TopKSampler(tc["k"].get<int32_t>()).apply(c);
        } else if (kind == "top_p") {
            TopPSampler(tc["p"].get<float>()).apply(c);
        } else if (kind == "min_p") {
            MinPSampler(tc["p"].get<float>()).apply(c);
        } else if (kind == "typical") {
            TypicalSampler(tc["p"].get<float>()).apply(c);
        } else if (kind == "temperature") {
            TemperatureSampler(tc["temperature"].get<float>()).apply(c);
        } else if (kind == "repetition") {
            RepetitionPenaltySampler s(tc["penalty"].get<float>(), -1);
            for (int32_t t : tc["history"].get<std::vector<int32_t>>()) s.accept(t);
            s.apply(c);
        } else {
            FAIL() << "unknown kind " << kind;
        }
        std::set<int32_t> got;
        for (const auto& t : c.data) got.insert(t.id);
        const auto want = tc["survivors"].get<std::set<int32_t>>();
        EXPECT_EQ(got, want);
        if (tc.contains("expected_logits")) {
            const auto expected = tc["expected_logits"].get<std::vector<float>>();
            for (const auto& t : c.data)
                EXPECT_NEAR(t.logit, expected[t.id], 1e-6f * (1 + std::abs(expected[t.id])));
        }
    }
}
