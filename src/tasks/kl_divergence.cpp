#include "tasks/kl_divergence.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace loom {

void KlAccumulator::add(const ReferenceRow& ref, const float* logits, int32_t target) {
    const size_t n_vocab = ref.logp.size();
    size_t argmax = 0;
    for (size_t v = 1; v < n_vocab; ++v)
        if (logits[v] > logits[argmax]) argmax = v;
    const double max_logit = logits[argmax];
    double sum = 0.0;
    for (size_t v = 0; v < n_vocab; ++v) sum += std::exp(static_cast<double>(logits[v]) - max_logit);
    const double shift = max_logit + std::log(sum);  // log q(v) = logits[v] - shift
    double kl = 0.0;
    for (size_t v = 0; v < n_vocab; ++v)
        kl += std::exp(ref.logp[v]) * (ref.logp[v] - (static_cast<double>(logits[v]) - shift));
    kl_.push_back(std::max(kl, 0.0));  // >= 0 exactly; a -1e-17 is summation order
    top1_same_ += static_cast<int64_t>(argmax) == ref.argmax ? 1 : 0;
    nll_ -= static_cast<double>(logits[target]) - shift;
    ref_nll_ -= ref.target_logprob;
}

KlStats KlAccumulator::finish() const {
    if (kl_.empty()) throw Error("KL divergence: no positions were compared");
    KlStats s;
    const double n = static_cast<double>(kl_.size());
    s.positions = static_cast<int64_t>(kl_.size());
    double sum = 0.0, sum_sq = 0.0;
    for (double k : kl_) sum += k, sum_sq += k * k;
    s.mean_kl = sum / n;
    s.kl_stderr =
        kl_.size() > 1 ? std::sqrt(std::max(sum_sq / n - s.mean_kl * s.mean_kl, 0.0) / (n - 1)) : 0.0;
    std::vector<double> sorted = kl_;
    std::sort(sorted.begin(), sorted.end());
    // The 99th percentile as the smallest value with at least 99% of positions at or below it.
    const size_t rank = static_cast<size_t>(std::ceil(0.99 * n));
    s.p99_kl = sorted[std::max<size_t>(rank, 1) - 1];
    s.max_kl = sorted.back();
    s.top1_agreement = static_cast<double>(top1_same_) / n;
    s.perplexity = std::exp(nll_ / n);
    s.ref_perplexity = std::exp(ref_nll_ / n);
    return s;
}

}  // namespace loom
