// SamplingParams: every knob of the sampler chain in one struct, with llama.cpp-like defaults, and the
// factory that validates it and builds the chain in the user's order.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "generate/sampler_chain.h"

namespace loom {

enum class SamplerStage { LogitBias, Penalties, TopK, Typical, TopP, MinP, Temperature };

struct SamplingParams {
    // Defaults follow llama.cpp's common sampling parameters.
    float temperature = 0.8f;     // 0 = greedy; < 0 is an error
    int32_t top_k = 40;           // 0 = off; < 0 is an error
    float top_p = 0.95f;          // (0, 1]; 1 = off
    float min_p = 0.05f;          // [0, 1]; 0 = off
    float typical_p = 1.0f;       // (0, 1]; 1 = off
    float repeat_penalty = 1.0f;  // > 0; 1 = off
    int32_t repeat_last_n = 64;   // window for all penalties; 0 = off, -1 = whole history
    float presence_penalty = 0.0f;
    float frequency_penalty = 0.0f;
    std::unordered_map<int32_t, float> logit_bias;  // id -> added to the logit; -inf bans
    uint64_t seed = kRandomSeed;                    // kRandomSeed: draw one from std::random_device
    // The stages before the final draw, in order. Stages at their "off" value are left out of the chain.
    std::vector<SamplerStage> order = {SamplerStage::LogitBias,  SamplerStage::Penalties, SamplerStage::TopK,
                                       SamplerStage::Typical,    SamplerStage::TopP,      SamplerStage::MinP,
                                       SamplerStage::Temperature};

    static constexpr uint64_t kRandomSeed = 0xFFFFFFFFu;
};

// Throws loom::Error naming the first invalid field and its value.
void validate(const SamplingParams& params);

// Validates, then builds: the ordered stages, then `greedy` when temperature == 0, else `dist(seed)`.
std::unique_ptr<SamplerChain> make_sampler_chain(const SamplingParams& params);

}  // namespace loom
