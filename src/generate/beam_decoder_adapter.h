// DecoderBeamModel: beam search over a decoder-only model (GPT-2, LLaMA, Qwen2, BLOOM, ...). One KvCache per
// beam; the prompt is prefilled once and its cache copied to every beam; a reorder copies the filled prefix
// of a parent's cache into the beams that continue it (the first child takes the parent's cache as it is).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "generate/beam_step_model.h"
#include "generate/kv_cache.h"

namespace loom {

class DecoderModel;

// Makes dst hold the same positions as src (only the filled ones are copied). Throws loom::Error when the
// caches are shaped differently or dst is too small.
void copy_kv_cache(const KvCache& src, KvCache& dst);

class DecoderBeamModel : public BeamStepModel {
  public:
    // The model must outlive this object. Not thread-safe (the model's forward is not).
    explicit DecoderBeamModel(DecoderModel& model);

    int64_t n_vocab() const override;
    // Each beam's cache gets room for max_length positions (prompt + max_new_tokens).
    void begin(std::span<const int32_t> prefix, int32_t n_beams, int64_t max_length, float* logits) override;
    void reorder(std::span<const int32_t> parent_of_beam) override;
    void step(std::span<const int32_t> token_per_beam, float* logits) override;

  private:
    DecoderModel& model_;
    std::vector<std::unique_ptr<KvCache>> caches_;  // [n_beams]
};

}  // namespace loom
