#include "generate/sampling_params.h"

#include <cmath>
#include <random>
#include <string>

#include "core/error.h"
#include "generate/samplers/samplers.h"

namespace loom {

namespace {

[[noreturn]] void invalid(const std::string& field, const std::string& rule, double value) {
    throw Error("invalid sampling parameter " + field + " = " + std::to_string(value) + ": " + rule);
}

}  // namespace

void validate(const SamplingParams& p) {
    if (!(p.temperature >= 0.0f) || std::isinf(p.temperature)) {
        invalid("temperature", "must be finite and >= 0 (0 = greedy)", p.temperature);
    }
    if (p.top_k < 0) invalid("top_k", "must be >= 0 (0 = off)", p.top_k);
    if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) invalid("top_p", "must be in (0, 1] (1 = off)", p.top_p);
    if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) invalid("min_p", "must be in [0, 1] (0 = off)", p.min_p);
    if (!(p.typical_p > 0.0f && p.typical_p <= 1.0f)) {
        invalid("typical_p", "must be in (0, 1] (1 = off)", p.typical_p);
    }
    if (!(p.repeat_penalty > 0.0f) || std::isinf(p.repeat_penalty)) {
        invalid("repeat_penalty", "must be finite and > 0 (1 = off)", p.repeat_penalty);
    }
    if (p.repeat_last_n < -1) invalid("repeat_last_n", "must be >= -1 (-1 = whole history)", p.repeat_last_n);
    if (!std::isfinite(p.presence_penalty)) invalid("presence_penalty", "must be finite", p.presence_penalty);
    if (!std::isfinite(p.frequency_penalty))
        invalid("frequency_penalty", "must be finite", p.frequency_penalty);
    for (const auto& [id, bias] : p.logit_bias) {
        if (id < 0) invalid("logit_bias token id", "must be >= 0", id);
        if (std::isnan(bias) || (std::isinf(bias) && bias > 0)) {
            invalid("logit_bias[" + std::to_string(id) + "]", "must be finite or -inf", bias);
        }
    }
}

std::unique_ptr<SamplerChain> make_sampler_chain(const SamplingParams& p) {
    validate(p);
    auto chain = std::make_unique<SamplerChain>();
    for (SamplerStage stage : p.order) {
        switch (stage) {
            case SamplerStage::LogitBias:
                if (!p.logit_bias.empty()) chain->add(std::make_unique<LogitBiasSampler>(p.logit_bias));
                break;
            case SamplerStage::Penalties:
                if (p.repeat_last_n == 0) break;
                if (p.repeat_penalty != 1.0f) {
                    chain->add(std::make_unique<RepetitionPenaltySampler>(p.repeat_penalty, p.repeat_last_n));
                }
                if (p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f) {
                    chain->add(std::make_unique<PresenceFrequencySampler>(
                        p.presence_penalty, p.frequency_penalty, p.repeat_last_n));
                }
                break;
            case SamplerStage::TopK:
                if (p.top_k > 0) chain->add(std::make_unique<TopKSampler>(p.top_k));
                break;
            case SamplerStage::Typical:
                if (p.typical_p < 1.0f) chain->add(std::make_unique<TypicalSampler>(p.typical_p));
                break;
            case SamplerStage::TopP:
                if (p.top_p < 1.0f) chain->add(std::make_unique<TopPSampler>(p.top_p));
                break;
            case SamplerStage::MinP:
                if (p.min_p > 0.0f) chain->add(std::make_unique<MinPSampler>(p.min_p));
                break;
            case SamplerStage::Temperature:
                if (p.temperature != 1.0f) chain->add(std::make_unique<TemperatureSampler>(p.temperature));
                break;
        }
    }
    if (p.temperature == 0.0f) {
        chain->add(std::make_unique<GreedySampler>());
    } else {
        const uint64_t seed =
            p.seed == SamplingParams::kRandomSeed
                ? (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()
                : p.seed;
        chain->add(std::make_unique<DistSampler>(seed));
    }
    return chain;
}

}  // namespace loom
