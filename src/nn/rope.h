// Rotary position embedding. Each rotated pair (a, b) of a head at position p turns by p * inv_freq[i]:
//   a' = a cos - b sin,   b' = b cos + a sin
// Which dimensions pair up depends on how the weights were stored (RopeLayout in models/model_config.h).
// Scaling variants change inv_freq (linear, llama3, yarn, GGUF freq factors) or the base per sequence
// length (dynamic NTK); yarn also scales cos/sin by its attention factor.
#pragma once

#include <cstdint>
#include <vector>

#include "models/model_config.h"

namespace loom {

class Rope {
  public:
    Rope() = default;
    Rope(const RopeConfig& config, int64_t head_dim);

    // x: [n_tokens, n_heads * head_dim] with row stride ld (floats); token t is at position pos0 + t.
    void apply(float* x, int64_t ld, int64_t n_heads, int64_t pos0, int64_t n_tokens) const;

    const std::vector<float>& inv_freq() const { return inv_freq_; }  // [n_rot / 2]

  private:
    // Dynamic NTK recomputes inv_freq from a larger base once the sequence outgrows the trained context.
    // Stateless: it depends only on the sequence length the call reaches (pos0 + n_tokens), which only grows
    // during a generation, as in the reference (keys already cached keep the rotation they were stored with).
    std::vector<float> inv_freq_for_length(int64_t seq_len) const;

    RopeConfig config_;
    int64_t head_dim_ = 0;
    std::vector<float> inv_freq_;  // [n_rot / 2]
    float attention_factor_ = 1.0f;
};

}  // namespace loom
