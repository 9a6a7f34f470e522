// The per-beam score pipeline of HF beam search: log_softmax of the raw logits, then the logits processors in
// the order `generate` builds them — repetition penalty, no-repeat n-gram, min length, min new tokens, forced
// BOS, forced EOS. They act on log-probabilities (HF does not renormalise afterwards, and neither do we).
#pragma once

#include <cstdint>
#include <span>

#include "generate/beam_search.h"

namespace loom {

// row[i] = row[i] - log(sum_j exp(row[j])), computed stably around the row's maximum. row: [n].
void log_softmax_in_place(float* row, int64_t n);

// Penalises every id present in `sequence` once: a negative score is multiplied by `penalty`, a positive one
// divided (HF RepetitionPenaltyLogitsProcessor). scores: [n_vocab].
void apply_repetition_penalty(std::span<const int32_t> sequence, float penalty, float* scores,
                              int64_t n_vocab);

// Applies every enabled processor of `options` to one beam's log-probs. sequence: the beam's ids, prefix
// included; prefix_len: how many of them are the prefix; max_length: prefix_len + max_new_tokens.
// log_probs: [n_vocab].
void apply_beam_processors(const BeamSearchOptions& options, std::span<const int32_t> sequence,
                           int64_t prefix_len, int64_t max_length, float* log_probs, int64_t n_vocab);

}  // namespace loom
