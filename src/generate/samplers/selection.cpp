// Samplers that pick the token (greedy, dist) or reshape the whole distribution (temperature, logit bias).
#include <cmath>
#include <limits>

#include "core/error.h"
#include "generate/samplers/samplers.h"

namespace loom {

namespace {

// Index of the highest logit, ties to the lowest id; works on unsorted arrays. A banned token (-inf) is never
// chosen: when every token is banned, greedy fails as dist does.
size_t argmax_index(const CandidateArray& c) {
    if (c.data.empty()) throw Error("sampler: no candidates to choose from");
    size_t best = 0;
    for (size_t i = 1; i < c.data.size(); ++i) {
        const auto& a = c.data[i];
        const auto& b = c.data[best];
        if (a.logit > b.logit || (a.logit == b.logit && a.id < b.id)) best = i;
    }
    if (std::isinf(c.data[best].logit) && c.data[best].logit < 0) throw NoTokenLeftError();
    return best;
}

}  // namespace

void GreedySampler::apply(CandidateArray& c) {
    c.selected = static_cast<int64_t>(argmax_index(c));
}

DistSampler::DistSampler(uint64_t seed) : seed_(seed), rng_(seed) {}

void DistSampler::apply(CandidateArray& c) {
    c.softmax();
    // 53 random bits -> uniform double in [0, 1); written out so results do not depend on the standard
    // library's uniform_real_distribution.
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    double total = 0.0;
    for (const auto& t : c.data) total += t.p;
    const double target = u * total;
    double cumulative = 0.0;
    for (size_t i = 0; i < c.data.size(); ++i) {
        cumulative += c.data[i].p;
        if (target < cumulative) {
            c.selected = static_cast<int64_t>(i);
            return;
        }
    }
    // Rounding left target at the very top: take the last token with non-zero probability.
    for (size_t i = c.data.size(); i-- > 0;) {
        if (c.data[i].p > 0) {
            c.selected = static_cast<int64_t>(i);
            return;
        }
    }
    c.selected = 0;
}

TemperatureSampler::TemperatureSampler(float temperature) : temperature_(temperature) {
    if (!(temperature >= 0.0f) || std::isinf(temperature)) {
        throw Error("temperature must be a finite number >= 0, got " + std::to_string(temperature));
    }
}

void TemperatureSampler::apply(CandidateArray& c) {
    if (temperature_ == 0.0f) {
        // T -> 0 is the argmax: keep only that candidate so a following dist sampler picks it.
        const TokenCandidate best = c.data.at(argmax_index(c));
        c.data.assign(1, best);
        c.sorted = true;
        c.selected = -1;
        return;
    }
    for (auto& t : c.data) t.logit /= temperature_;
}

void LogitBiasSampler::apply(CandidateArray& c) {
    if (bias_.empty()) return;
    for (auto& t : c.data) {
        auto it = bias_.find(t.id);
        if (it != bias_.end()) t.logit += it->second;
    }
    c.sorted = false;
    c.selected = -1;
}

}  // namespace loom
