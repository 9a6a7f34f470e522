#include "generate/sampler_chain.h"

#include "core/error.h"

namespace loom {

SamplerChain& SamplerChain::add(std::unique_ptr<Sampler> sampler) {
    if (!sampler) throw Error("SamplerChain::add: null sampler");
    samplers_.push_back(std::move(sampler));
    return *this;
}

SamplerChain& SamplerChain::add_front(std::unique_ptr<Sampler> sampler) {
    if (!sampler) throw Error("SamplerChain::add_front: null sampler");
    samplers_.insert(samplers_.begin(), std::move(sampler));
    return *this;
}

std::string SamplerChain::name() const {
    std::string out = "chain(";
    for (size_t i = 0; i < samplers_.size(); ++i) {
        if (i) out += " -> ";
        out += samplers_[i]->name();
    }
    return out + ")";
}

void SamplerChain::apply(CandidateArray& candidates) {
    for (auto& s : samplers_) s->apply(candidates);
}

void SamplerChain::accept(int32_t token) {
    for (auto& s : samplers_) s->accept(token);
}

void SamplerChain::reset() {
    for (auto& s : samplers_) s->reset();
}

int32_t SamplerChain::sample(std::span<const float> logits) {
    if (logits.empty()) throw Error("SamplerChain::sample: empty logits");
    CandidateArray candidates = CandidateArray::from_logits(logits);
    apply(candidates);
    if (candidates.selected < 0 || candidates.selected >= static_cast<int64_t>(candidates.data.size())) {
        throw Error("SamplerChain::sample: no token selected").hint("end the chain with greedy or dist");
    }
    return candidates.data[candidates.selected].id;
}

}  // namespace loom
