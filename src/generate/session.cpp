#include "generate/session.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace loom {

Session::Session(DecoderModel& model, int64_t n_ctx)
    : model_(model),
      cache_((n_ctx > 0 ? model.make_cache(n_ctx)
                        : throw Error("context size must be positive, got " + std::to_string(n_ctx)))),
      logits_(static_cast<size_t>(model.config().n_vocab)) {}

std::span<const float> Session::prefill(std::span<const int32_t> prompt) {
    const int64_t n = static_cast<int64_t>(prompt.size());
    if (n == 0) throw Error("empty prompt: nothing to run");
    if (n > n_ctx())
        throw Error("prompt is " + std::to_string(n) + " tokens, longer than the context window of " +
                    std::to_string(n_ctx()) + " tokens")
            .hint("use a larger -c or a shorter prompt");
    // Keep the shared prefix, but always re-run at least the last prompt token: its logits are needed.
    int64_t keep = 0;
    const int64_t limit = std::min<int64_t>(static_cast<int64_t>(tokens_.size()), n - 1);
    while (keep < limit && tokens_[keep] == prompt[keep]) ++keep;
    cache_.truncate(keep);
    tokens_.resize(static_cast<size_t>(keep));
    model_.forward(prompt.subspan(static_cast<size_t>(keep)), cache_, logits_.data(), false);
    tokens_.assign(prompt.begin(), prompt.end());
    return logits_;
}

std::span<const float> Session::decode(int32_t token) {
    model_.forward(std::span<const int32_t>(&token, 1), cache_, logits_.data(), false);
    tokens_.push_back(token);
    return logits_;
}

void Session::clear() {
    cache_.clear();
    tokens_.clear();
}

}  // namespace loom
