// ALiBi (BLOOM): no position embedding; each head adds slope * key_position to its attention scores.
// (Adding slope * (key - query) instead would give the same softmax: the per-query constant cancels.)
#pragma once

#include <cstdint>
#include <vector>

namespace loom {

// Slopes [n_head]: for the largest power of two p <= n_head, head i (1-based) gets 2^(-8 i / p); heads beyond
// p take every other slope of the 2p-head sequence (odd exponents), as the ALiBi paper's reference code does.
std::vector<float> alibi_slopes(int64_t n_head);

}  // namespace loom
