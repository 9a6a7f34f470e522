// Session: one conversation's state over a model — the KV cache (owned here, never by the model) and the
// tokens it holds. feed() reuses the longest prefix already in the cache, so a chat turn that re-renders the
// whole conversation only runs the new tokens.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "generate/kv_cache.h"
#include "models/decoder_model.h"

namespace loom {

class Session {
  public:
    // n_ctx: the context window in tokens (the cache's capacity); must be positive.
    Session(DecoderModel& model, int64_t n_ctx);

    DecoderModel& model() { return model_; }
    int64_t n_ctx() const { return cache_.n_ctx(); }
    int64_t n_past() const { return cache_.size(); }
    const std::vector<int32_t>& tokens() const { return tokens_; }  // [n_past]

    // Makes the cache hold exactly `prompt`: keeps the common prefix with what it holds, runs the rest in one
    // batched pass (at least the last token, to get its logits). Returns the next-token logits [n_vocab].
    // Throws loom::Error when the prompt is empty or longer than the context window.
    std::span<const float> prefill(std::span<const int32_t> prompt);

    // Appends one token and returns the logits that follow it [n_vocab].
    std::span<const float> decode(int32_t token);

    void clear();

  private:
    DecoderModel& model_;
    KvCache cache_;
    std::vector<int32_t> tokens_;  // [n_past] ids whose keys/values are in the cache
    std::vector<float> logits_;    // [n_vocab] of the last position run
};

}  // namespace loom
