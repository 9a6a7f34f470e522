// A SamplerChain runs its samplers in the order the user added them; it is itself a Sampler.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "generate/sampler.h"

namespace loom {

class SamplerChain : public Sampler {
  public:
    SamplerChain& add(std::unique_ptr<Sampler> sampler);
    // Puts a stage before all others (a grammar mask goes before the user's samplers).
    SamplerChain& add_front(std::unique_ptr<Sampler> sampler);

    std::string name() const override;  // "chain(top_k -> temperature -> dist)"
    void apply(CandidateArray& candidates) override;
    void accept(int32_t token) override;
    void reset() override;

    // Runs the chain over one step's raw logits (vocab,) and returns the selected id; the chain must end
    // with a selecting sampler (greedy or dist). Does not call accept(): the caller decides what was emitted.
    int32_t sample(std::span<const float> logits);

    size_t size() const { return samplers_.size(); }
    const Sampler& at(size_t i) const { return *samplers_.at(i); }

  private:
    std::vector<std::unique_ptr<Sampler>> samplers_;
};

}  // namespace loom
