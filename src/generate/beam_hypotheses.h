// The finished hypotheses of one beam search (HF `_update_finished_beams` and `_check_early_stop_heuristic`):
// num_beams slots kept best first. Each step offers its ranked candidates; a candidate enters when it
// finished (ended on EOS or reached max_length), is ranked among the first num_beams of the step, and its
// length-penalised score beats a slot.
//
// HF marks "cannot enter" by adding -1e9 to a score, and empty slots hold -1e9. We keep the same float
// arithmetic rather than flags, so every edge case orders exactly as HF does: a finished hypothesis whose
// score is itself below -1e9 (a beam that only ran on because every candidate had stopped) stays out, as in
// HF.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "generate/beam_search.h"

namespace loom {

// The score HF gives an excluded candidate or an empty slot (added to the score, or as the score).
inline constexpr float kBeamExcluded = -1.0e9f;

struct BeamCandidate {
    int32_t parent = 0;      // the running beam it extends
    int32_t token = 0;       // the id it appends
    float sum_logprobs = 0;  // parent's running score + this token's processed log-prob
    bool hits_stop = false;  // the token is an EOS id, or the sequence reached max_length
};

class FinishedHypotheses {
  public:
    struct Slot {
        std::vector<int32_t> tokens;  // generated ids, EOS included
        float score = kBeamExcluded;  // sum_logprobs / length ** length_penalty
        bool finished = false;        // false: still the empty placeholder
    };

    FinishedHypotheses(int32_t num_beams, float length_penalty, EarlyStopping early_stopping);

    // Offers one step's candidates, ranked best first. running[p]: the generated ids of running beam p (the
    // candidates' parents); generated_length: the candidates' length (running length + 1).
    void offer(std::span<const BeamCandidate> candidates, std::span<const std::vector<int32_t>> running,
               int64_t generated_length);

    // After a step: can a running beam still beat the worst finished one? best_running_sum: the best running
    // beam's sum of log-probs; generated_length: the running beams' length; max_new_tokens bounds their
    // length for EarlyStopping::Never. Once false it stays false (HF ands it step after step).
    void update_improvement_possible(float best_running_sum, int64_t generated_length,
                                     int64_t max_new_tokens);

    bool improvement_possible() const { return improvement_possible_; }
    bool all_finished() const;  // every slot holds a finished hypothesis
    int32_t n_finished() const;
    const std::vector<Slot>& slots() const { return slots_; }  // best first

    // length ** length_penalty, as HF computes it (a double rounded to float before the division).
    float length_divisor(int64_t length) const;

  private:
    int32_t num_beams_;
    float length_penalty_;
    EarlyStopping early_stopping_;
    bool improvement_possible_ = true;
    std::vector<Slot> slots_;  // [num_beams]
};

// The indices of the k largest values, best first; equal values keep their index order (lower first), so the
// ranking is deterministic; NaN ranks as -inf. values: [n], k <= n.
std::vector<int32_t> top_k_indices(std::span<const float> values, int32_t k);

}  // namespace loom
