// A constraint on what beam search may generate (a grammar: generate/grammar/grammar_beam_constraint.h). It
// keeps one state per beam: before each step's top-k it bans, in each beam's processed log-probs, every id
// that beam may not append; after the step it learns which beam each new beam continues and with which id.
// A banned id is -inf, so it can only be picked when fewer continuations than the search keeps are allowed;
// such a beam is dead (every continuation -inf afterwards) and never finishes.
#pragma once

#include <cstdint>
#include <span>

namespace loom {

class BeamConstraint {
  public:
    virtual ~BeamConstraint() = default;
    // n_beams beams, all at the constraint's start (the prefix is not constrained).
    virtual void begin(int32_t n_beams) = 0;
    // Sets log_probs[id] = -inf for every id beam `beam` may not append. log_probs: [n_vocab].
    virtual void mask(int32_t beam, float* log_probs, int64_t n_vocab) = 0;
    // New beam b is old beam parent_of_beam[b] followed by token_of_beam[b].
    virtual void advance(std::span<const int32_t> parent_of_beam, std::span<const int32_t> token_of_beam) = 0;
};

}  // namespace loom
