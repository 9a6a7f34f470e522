// The sampler-chain stage that keeps generation inside a grammar: apply() bans every candidate whose bytes
// the grammar refuses from the current state (end-of-generation ids are allowed only where the grammar may
// end, and are the only choice once it must); accept() moves the grammar over the chosen token. It goes first
// in the chain, so the user's samplers (penalties, top-k, temperature ...) choose among allowed tokens only.
//
// With a token budget (set_token_budget: the generation's -n / max_tokens), a token is allowed only if the
// answer can still be finished after it, one byte a token, with a step left for the end-of-generation token;
// so a recursive grammar (nested JSON) closes in time instead of being cut off half-way. The candidates are
// judged in order of logit until kBudgetChoices pass (more only when fewer pass), and the rest are banned: a
// change to the distribution only once the budget is that close.
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

    // Tokens this generation may still produce in all, counted from the last reset(); <= 0: no budget.
    void set_token_budget(int64_t tokens);
    static constexpr int kBudgetChoices = 16;

    const GrammarMatcher& matcher() const { return matcher_; }

  private:
    std::shared_ptr<const Grammar> grammar_;
    TokenMasker masker_;
    std::vector<int32_t> end_of_generation_;
    GrammarMatcher matcher_;
    int64_t budget_ = 0;    // 0: none
    int64_t accepted_ = 0;  // tokens accepted since reset()
    std::unique_ptr<CompletionLengths> lengths_;
    bool is_end_of_generation(int32_t id) const;
    void keep_finishable(CandidateArray& candidates, int64_t steps_after);
};

// Parses `gbnf` (throws loom::Error naming line and column) and builds the stage for this tokenizer's
// vocabulary; `end_of_generation` are the ids that end the output.
std::unique_ptr<GrammarSampler> make_grammar_sampler(std::string_view gbnf, const Tokenizer& tokenizer,
                                                     std::vector<int32_t> end_of_generation);

}  // namespace loom::grammar
