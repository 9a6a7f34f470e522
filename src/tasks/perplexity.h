// Perplexity of a decoder model over a token sequence: the sequence is cut into non-overlapping windows of
// n_ctx tokens, each window runs from an empty cache, and every token after a window's first is scored:
//   ppl = exp(-(1/N) * sum over scored tokens of log p(token | the window's tokens before it))
// Used to compare quantized types of one model (`loom perplexity`, scripts/bench/quantize_vs_llamacpp.py).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "models/decoder_model.h"

namespace loom {

struct PerplexityResult {
    double perplexity = 0.0;
    double mean_nll = 0.0;  // nats per scored token
    int64_t windows = 0, scored_tokens = 0;
};

// Sees each window's logits before the next window runs: window_logits(begin, len, logits[len, n_vocab]),
// where logits row i predicts tokens[begin + i + 1] (rows 0 .. len-2 are the scored ones). `--save-logits`
// and
// `--kl-divergence` (tasks/logits_file.h, tasks/kl_divergence.h) hook in here.
using WindowLogitsFn = std::function<void(int64_t begin, int64_t len, const float* logits)>;

// A trailing partial window shorter than 2 tokens is dropped; throws loom::Error when no window is left or
// n_ctx < 2. progress(windows done, total windows, running perplexity) after each window.
PerplexityResult compute_perplexity(DecoderModel& model, std::span<const int32_t> tokens, int64_t n_ctx,
                                    const std::function<void(int64_t, int64_t, double)>& progress = {},
                                    const WindowLogitsFn& window_logits = {});

// log p(target) from one row of logits, computed stably in double.
double log_softmax_at(const float* logits, int64_t n_vocab, int32_t target);

}  // namespace loom
