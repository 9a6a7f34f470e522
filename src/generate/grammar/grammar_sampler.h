// The sampler-chain stage that keeps generation inside a grammar: apply() bans every candidate whose bytes
// the grammar refuses from the current state (end-of-generation ids are allowed only where the grammar may
// end, and are the only choice once it must); accept() moves the grammar over the chosen token. It goes first
// in the chain, so the user's samplers (penalties, top-k, temperature ...) choose among allowed tokens only.
#pragma once

#include <memory>
#include <vector>

#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_matcher.h"
#include "generate/grammar/json_schema.h"  // json_value_gbnf()
#include "generate/grammar/token_mask.h"
#include "generate/sampler.h"

namespace loom::grammar {

class GrammarSampler : public Sampler {
  public:
    GrammarSampler(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie,
                   std::vector<int32_t> end_of_generation);

    std::string name() const override { return "grammar"; }
    void apply(CandidateArray& candidates) override;
    void accept(int32_t token) override;
    void reset() override;

    const GrammarMatcher& matcher() const { return matcher_; }

  private:
    std::shared_ptr<const Grammar> grammar_;
    TokenMasker masker_;
    std::vector<int32_t> end_of_generation_;
    GrammarMatcher matcher_;
    bool is_end_of_generation(int32_t id) const;
};

// Parses `gbnf` (throws loom::Error naming line and column) and builds the stage for this tokenizer's
// vocabulary; `end_of_generation` are the ids that end the output.
std::unique_ptr<GrammarSampler> make_grammar_sampler(std::string_view gbnf, const Tokenizer& tokenizer,
                                                     std::vector<int32_t> end_of_generation);

}  // namespace loom::grammar
