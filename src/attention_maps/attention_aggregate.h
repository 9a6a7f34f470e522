// Summaries of recorded attention maps (attention_maps.h).
#pragma once

#include <cstdint>
#include <vector>

#include "attention_maps/attention_maps.h"

namespace loom {

// The mean over the kept heads of each kept layer: [layers, n_tokens, n_keys].
std::vector<float> mean_over_heads(const AttentionMaps& maps);

// Attention rollout (Abnar & Zuidema 2020): per kept layer l, A_l = row_normalise(mean over heads + I), and
// R = A_last * ... * A_first (matrix product, bottom layer applied first): [n_tokens, n_tokens], where row q
// says how much of input token k flows into position q at the top kept layer. It is the rollout of the whole
// model only when every layer was kept. Rows sum to 1; causal models stay lower-triangular. Throws
// loom::Error for cross-attention maps.
std::vector<float> attention_rollout(const AttentionMaps& maps);

}  // namespace loom
