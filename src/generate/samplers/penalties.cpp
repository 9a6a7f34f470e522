// Penalties that look at the recently generated tokens: repetition (CTRL/HF form) and presence/frequency
// (OpenAI form).
#include <cmath>
#include <string>

#include "core/error.h"
#include "generate/samplers/samplers.h"

namespace loom {

void TokenHistory::push(int32_t token) {
    if (window_ == 0) return;
    tokens_.push_back(token);
    ++counts_[token];
    if (window_ > 0 && tokens_.size() > static_cast<size_t>(window_)) {
        const int32_t old = tokens_.front();
        tokens_.pop_front();
        if (--counts_[old] == 0) counts_.erase(old);
    }
}

void TokenHistory::clear() {
    tokens_.clear();
    counts_.clear();
}

RepetitionPenaltySampler::RepetitionPenaltySampler(float penalty, int32_t last_n)
    : penalty_(penalty), history_(last_n) {
    if (!(penalty > 0.0f) || std::isinf(penalty)) {
        throw Error("repeat_penalty must be a finite number > 0 (1 disables it), got " +
                    std::to_string(penalty));
    }
}

void RepetitionPenaltySampler::apply(CandidateArray& c) {
    if (penalty_ == 1.0f || history_.counts().empty()) return;
    for (auto& t : c.data) {
        if (!history_.counts().contains(t.id)) continue;
        // Dividing a positive logit and multiplying a negative one both make the token less likely.
        t.logit = t.logit > 0 ? t.logit / penalty_ : t.logit * penalty_;
    }
    c.sorted = false;
    c.selected = -1;
}

PresenceFrequencySampler::PresenceFrequencySampler(float presence, float frequency, int32_t last_n)
    : presence_(presence), frequency_(frequency), history_(last_n) {
    if (!std::isfinite(presence) || !std::isfinite(frequency)) {
        throw Error("presence and frequency penalties must be finite");
    }
}

void PresenceFrequencySampler::apply(CandidateArray& c) {
    if ((presence_ == 0.0f && frequency_ == 0.0f) || history_.counts().empty()) return;
    for (auto& t : c.data) {
        auto it = history_.counts().find(t.id);
        if (it == history_.counts().end()) continue;
        t.logit -= static_cast<float>(it->second) * frequency_ + presence_;
    }
    c.sorted = false;
    c.selected = -1;
}

}  // namespace loom
