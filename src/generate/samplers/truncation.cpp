// Samplers that remove unlikely candidates: top-k, top-p (nucleus), min-p, locally typical.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.h"
#include "generate/samplers/samplers.h"

namespace loom {

TopKSampler::TopKSampler(int32_t k) : k_(k) {
    if (k < 0) throw Error("top_k must be >= 0 (0 disables it), got " + std::to_string(k));
}

void TopKSampler::apply(CandidateArray& c) {
    if (k_ == 0 || static_cast<size_t>(k_) >= c.data.size()) return;
    c.keep_first(static_cast<size_t>(k_));
}

TopPSampler::TopPSampler(float p, size_t min_keep) : p_(p), min_keep_(min_keep) {
    if (!(p > 0.0f && p <= 1.0f)) throw Error("top_p must be in (0, 1], got " + std::to_string(p));
}

void TopPSampler::apply(CandidateArray& c) {
    if (p_ >= 1.0f) return;
    c.softmax();
    // Token i stays while the mass strictly before it is < p: the smallest prefix with mass >= p.
    double mass_before = 0.0;
    size_t keep = 0;
    while (keep < c.data.size() && mass_before < p_) mass_before += c.data[keep++].p;
    c.keep_first(std::max(keep, min_keep_));
}

MinPSampler::MinPSampler(float p, size_t min_keep) : p_(p), min_keep_(min_keep) {
    if (!(p >= 0.0f && p <= 1.0f)) throw Error("min_p must be in [0, 1], got " + std::to_string(p));
}

void MinPSampler::apply(CandidateArray& c) {
    if (p_ <= 0.0f) return;
    c.softmax();
    const float threshold = p_ * c.data.front().p;
    size_t keep = 0;
    while (keep < c.data.size() && c.data[keep].p >= threshold) ++keep;
    c.keep_first(std::max(keep, min_keep_));
}

TypicalSampler::TypicalSampler(float typical_p, size_t min_keep)
    : typical_p_(typical_p), min_keep_(min_keep) {
    if (!(typical_p > 0.0f && typical_p <= 1.0f)) {
        throw Error("typical_p must be in (0, 1], got " + std::to_string(typical_p));
    }
}

void TypicalSampler::apply(CandidateArray& c) {
    if (typical_p_ >= 1.0f) return;
    c.softmax();
    // Entropy H = -sum p log p (natural log); zero-probability tokens contribute nothing.
    double entropy = 0.0;
    for (const auto& t : c.data) {
        if (t.p > 0) entropy -= t.p * std::log(static_cast<double>(t.p));
    }
    // Rank by how far each token's surprisal -log p is from the expected surprisal H.
    std::vector<double> distance(c.data.size());
    for (size_t i = 0; i < c.data.size(); ++i) {
        const double p = c.data[i].p;
        distance[i] = p > 0 ? std::fabs(-std::log(p) - entropy) : INFINITY;
    }
    std::vector<size_t> order(c.data.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return distance[a] < distance[b]; });
    double mass_before = 0.0;
    size_t keep = 0;
    while (keep < order.size() && mass_before < typical_p_) mass_before += c.data[order[keep++]].p;
    keep = std::clamp(std::max(keep, min_keep_), size_t{1}, order.size());
    std::vector<TokenCandidate> kept;
    kept.reserve(keep);
    for (size_t i = 0; i < keep; ++i) kept.push_back(c.data[order[i]]);
    c.data = std::move(kept);
    c.sorted = false;
    c.selected = -1;
}

}  // namespace loom
