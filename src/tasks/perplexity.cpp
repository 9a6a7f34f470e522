#include "tasks/perplexity.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace loom {

double log_softmax_at(const float* logits, int64_t n_vocab, int32_t target) {
    const float max_logit = *std::max_element(logits, logits + n_vocab);
    double sum = 0.0;
    for (int64_t j = 0; j < n_vocab; ++j) sum += std::exp(static_cast<double>(logits[j]) - max_logit);
    return static_cast<double>(logits[target]) - max_logit - std::log(sum);
}

PerplexityResult compute_perplexity(DecoderModel& model, std::span<const int32_t> tokens, int64_t n_ctx,
                                    const std::function<void(int64_t, int64_t, double)>& progress,
                                    const WindowLogitsFn& window_logits) {
    if (n_ctx < 2) throw Error("perplexity: context must be at least 2 tokens");
    const int64_t n = static_cast<int64_t>(tokens.size());
    int64_t windows = n / n_ctx + (n % n_ctx >= 2 ? 1 : 0);
    if (windows == 0) throw Error("perplexity: the text has fewer than 2 tokens");
    const int64_t n_vocab = model.config().n_vocab;
    KvCache cache = model.make_cache(n_ctx);
    std::vector<float> logits(static_cast<size_t>(n_ctx * n_vocab));  // [window tokens, n_vocab]
    PerplexityResult result;
    double nll_sum = 0.0;
    for (int64_t w = 0; w < windows; ++w) {
        const int64_t begin = w * n_ctx, len = std::min(n_ctx, n - begin);
        cache.clear();
        model.forward(tokens.subspan(begin, len), cache, logits.data(), /*all_logits=*/true);
        for (int64_t i = 0; i + 1 < len; ++i)  // the logits at i predict token i + 1
            nll_sum -= log_softmax_at(logits.data() + i * n_vocab, n_vocab, tokens[begin + i + 1]);
        if (window_logits) window_logits(begin, len, logits.data());
        result.scored_tokens += len - 1;
        result.windows += 1;
        if (progress) progress(w + 1, windows, std::exp(nll_sum / result.scored_tokens));
    }
    result.mean_nll = nll_sum / result.scored_tokens;
    result.perplexity = std::exp(result.mean_nll);
    return result;
}

}  // namespace loom
