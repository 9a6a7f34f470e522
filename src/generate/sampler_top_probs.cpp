#include "generate/sampler_top_probs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace loom {

std::vector<TokenProbability> top_probabilities(std::span<const float> logits, size_t n) {
    if (logits.empty()) throw Error("top_probabilities: empty logits");
    n = std::min(n, logits.size());
    const float max_logit = *std::max_element(logits.begin(), logits.end());
    if (std::isinf(max_logit) && max_logit < 0) throw Error("top_probabilities: every logit is -inf");
    double sum = 0.0;
    for (float l : logits) sum += std::exp(static_cast<double>(l) - max_logit);
    std::vector<int32_t> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(
        ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end(),
        [&](int32_t a, int32_t b) { return logits[a] != logits[b] ? logits[a] > logits[b] : a < b; });
    std::vector<TokenProbability> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const double p = std::exp(static_cast<double>(logits[ids[i]]) - max_logit) / sum;
        out.push_back({ids[i], static_cast<float>(p)});
    }
    return out;
}

}  // namespace loom
