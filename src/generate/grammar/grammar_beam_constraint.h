// Beam search under a grammar (generate/beam_constraint.h): each beam carries its own GrammarMatcher; an id
// the grammar refuses from that beam's state is banned before the step's top-k, end-of-generation ids are
// allowed only where the grammar may end and are the only choice once it must. All beams share one
// TokenMasker, so a state reached by several beams has its mask computed once.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "generate/beam_constraint.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_matcher.h"
#include "generate/grammar/token_mask.h"

namespace loom::grammar {

class GrammarBeamConstraint : public BeamConstraint {
  public:
    GrammarBeamConstraint(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie,
                          std::vector<int32_t> end_of_generation);

    void begin(int32_t n_beams) override;
    void mask(int32_t beam, float* log_probs, int64_t n_vocab) override;
    void advance(std::span<const int32_t> parent_of_beam, std::span<const int32_t> token_of_beam) override;

    // Beam b's grammar state; nullopt once the beam ended (end of generation) or took a refused id (dead).
    const std::optional<GrammarMatcher>& state(int32_t beam) const { return states_.at(static_cast<size_t>(beam)); }

  private:
    std::shared_ptr<const Grammar> grammar_;
    TokenMasker masker_;
    std::vector<int32_t> end_of_generation_;
    std::vector<std::optional<GrammarMatcher>> states_;  // [n_beams]
    bool ends_generation(int32_t id) const;
};

// Parses `gbnf` (throws loom::Error naming line and column) and builds the constraint for this tokenizer.
std::unique_ptr<GrammarBeamConstraint> make_grammar_beam_constraint(std::string_view gbnf,
                                                                    const Tokenizer& tokenizer,
                                                                    std::vector<int32_t> end_of_generation);

}  // namespace loom::grammar
