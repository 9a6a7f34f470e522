#include "generate/beam_hypotheses.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace loom {

std::vector<int32_t> top_k_indices(std::span<const float> values, int32_t k) {
    std::vector<int32_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    // NaN ranks as -inf: the comparison must stay a strict weak order whatever a model produced.
    auto key = [&](int32_t i) {
        return std::isnan(values[i]) ? -std::numeric_limits<float>::infinity() : values[i];
    };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
        const float ka = key(a), kb = key(b);
        return ka > kb || (ka == kb && a < b);
    });
    order.resize(static_cast<size_t>(k));
    return order;
}

FinishedHypotheses::FinishedHypotheses(int32_t num_beams, float length_penalty, EarlyStopping early_stopping)
    : num_beams_(num_beams),
      length_penalty_(length_penalty),
      early_stopping_(early_stopping),
      slots_(static_cast<size_t>(num_beams)) {}

float FinishedHypotheses::length_divisor(int64_t length) const {
    return static_cast<float>(std::pow(static_cast<double>(length), static_cast<double>(length_penalty_)));
}

bool FinishedHypotheses::all_finished() const {
    return std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.finished; });
}

int32_t FinishedHypotheses::n_finished() const {
    return static_cast<int32_t>(
        std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.finished; }));
}

void FinishedHypotheses::offer(std::span<const BeamCandidate> candidates,
                               std::span<const std::vector<int32_t>> running, int64_t generated_length) {
    const float divisor = length_divisor(generated_length);
    const bool closed = all_finished() && early_stopping_ == EarlyStopping::WhenFull;
    // Merged list: the current slots, then the candidates (HF concatenates in this order before its top-k).
    const size_t n_slots = slots_.size();
    std::vector<float> merged(n_slots + candidates.size());
    for (size_t i = 0; i < n_slots; ++i) merged[i] = slots_[i].score;
    for (size_t c = 0; c < candidates.size(); ++c) {
        // Only candidates ranked in the first num_beams may finish: the others exist so that num_beams beams
        // can keep running when the best ones all stop.
        const bool just_finished = candidates[c].hits_stop && c < static_cast<size_t>(num_beams_);
        float score = candidates[c].sum_logprobs / divisor;
        if (closed) score += kBeamExcluded;
        if (!improvement_possible_) score += kBeamExcluded;
        if (!just_finished) score += kBeamExcluded;
        merged[n_slots + c] = score;
    }
    std::vector<Slot> next;
    next.reserve(n_slots);
    for (int32_t i : top_k_indices(merged, num_beams_)) {
        if (static_cast<size_t>(i) < n_slots) {
            next.push_back(std::move(slots_[static_cast<size_t>(i)]));
            continue;
        }
        const BeamCandidate& c = candidates[static_cast<size_t>(i) - n_slots];
        Slot slot;
        slot.tokens = running[static_cast<size_t>(c.parent)];
        slot.tokens.push_back(c.token);
        slot.score = merged[static_cast<size_t>(i)];
        slot.finished = c.hits_stop && static_cast<size_t>(i) - n_slots < static_cast<size_t>(num_beams_);
        next.push_back(std::move(slot));
    }
    slots_ = std::move(next);
}

void FinishedHypotheses::update_improvement_possible(float best_running_sum, int64_t generated_length,
                                                     int64_t max_new_tokens) {
    // With early_stopping "never" and a length penalty that rewards length, the running beam might grow to
    // the longest allowed length; otherwise HF scores it at its current length (a heuristic, not a bound).
    const int64_t best_length =
        early_stopping_ == EarlyStopping::Never && length_penalty_ > 0.0f ? max_new_tokens : generated_length;
    const float best_possible = best_running_sum / length_divisor(best_length);
    float worst_finished = slots_[0].score;
    for (const Slot& s : slots_) worst_finished = std::min(worst_finished, s.score);
    bool can_improve = false;
    for (const Slot& s : slots_)
        can_improve = can_improve || best_possible > (s.finished ? worst_finished : kBeamExcluded);
    improvement_possible_ = improvement_possible_ && can_improve;
}

}  // namespace loom
