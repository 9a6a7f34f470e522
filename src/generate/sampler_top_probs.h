// The N most likely next tokens and their probabilities under softmax of the raw logits (for --top-probs).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace loom {

struct TokenProbability {
    int32_t id;
    float probability;  // softmax(raw logits)[id], computed in double
};

// Sorted by probability descending, ties by lower id; n is clamped to logits.size().
std::vector<TokenProbability> top_probabilities(std::span<const float> logits, size_t n);

}  // namespace loom
