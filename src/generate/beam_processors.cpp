#include "generate/beam_processors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "generate/beam_ngram.h"

namespace loom {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

void ban(std::span<const int32_t> ids, float* scores, int64_t n_vocab) {
    for (int32_t id : ids)
        if (id >= 0 && id < n_vocab) scores[id] = kNegInf;
}

// Leaves only `allowed` possible, each with log-prob 0 (HF's forced-token processors).
void force(std::span<const int32_t> allowed, float* scores, int64_t n_vocab) {
    std::fill(scores, scores + n_vocab, kNegInf);
    for (int32_t id : allowed)
        if (id >= 0 && id < n_vocab) scores[id] = 0.0f;
}

}  // namespace

void log_softmax_in_place(float* row, int64_t n) {
    const float max = *std::max_element(row, row + n);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(row[i]) - max);
    const float log_sum = static_cast<float>(std::log(sum));
    for (int64_t i = 0; i < n; ++i) row[i] = (row[i] - max) - log_sum;
}

void apply_repetition_penalty(std::span<const int32_t> sequence, float penalty, float* scores,
                              int64_t n_vocab) {
    std::vector<bool> seen(static_cast<size_t>(n_vocab), false);
    for (int32_t id : sequence) {
        if (id < 0 || id >= n_vocab || seen[static_cast<size_t>(id)]) continue;
        seen[static_cast<size_t>(id)] = true;
        float& s = scores[id];
        s = s < 0.0f ? s * penalty : s / penalty;
    }
}

void apply_beam_processors(const BeamSearchOptions& options, std::span<const int32_t> sequence,
                           int64_t prefix_len, int64_t max_length, float* log_probs, int64_t n_vocab) {
    const int64_t len = static_cast<int64_t>(sequence.size());
    const bool has_eos = !options.eos_token_ids.empty();
    if (options.repetition_penalty != 1.0f)
        apply_repetition_penalty(sequence, options.repetition_penalty, log_probs, n_vocab);
    if (options.no_repeat_ngram_size > 0)
        ban_repeated_ngrams(sequence, options.no_repeat_ngram_size, log_probs, n_vocab);
    ban(options.banned_token_ids, log_probs, n_vocab);
    if (has_eos && len < options.min_length) ban(options.eos_token_ids, log_probs, n_vocab);
    if (has_eos && len - prefix_len < options.min_new_tokens) ban(options.eos_token_ids, log_probs, n_vocab);
    if (options.forced_bos_token_id >= 0 && len == 1)
        force(std::span<const int32_t>(&options.forced_bos_token_id, 1), log_probs, n_vocab);
    if (!options.forced_eos_token_ids.empty() && len == max_length - 1)
        force(options.forced_eos_token_ids, log_probs, n_vocab);
}

}  // namespace loom
