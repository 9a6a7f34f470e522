#include "generate/grammar/grammar_sampler.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace loom::grammar {

GrammarSampler::GrammarSampler(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie,
                               std::vector<int32_t> end_of_generation)
    : grammar_(std::move(grammar)),
      masker_(std::move(trie)),
      end_of_generation_(std::move(end_of_generation)),
      matcher_(*grammar_) {}

bool GrammarSampler::is_end_of_generation(int32_t id) const {
    return std::find(end_of_generation_.begin(), end_of_generation_.end(), id) != end_of_generation_.end();
}

void GrammarSampler::apply(CandidateArray& candidates) {
    constexpr float kBanned = -std::numeric_limits<float>::infinity();
    const bool may_end = matcher_.can_end();
    const bool must_end = matcher_.must_end();
    const std::vector<bool>* allowed = must_end ? nullptr : &masker_.allowed(matcher_);
    bool any = false;
    for (TokenCandidate& c : candidates.data) {
        bool ok;
        if (is_end_of_generation(c.id))
            ok = may_end;
        else
            ok = allowed && static_cast<size_t>(c.id) < allowed->size() && (*allowed)[static_cast<size_t>(c.id)];
        if (!ok) c.logit = kBanned;
        any = any || (ok && c.logit != kBanned);
    }
    if (!any) {
        if (must_end || may_end)
            throw Error("grammar: the output is complete but the model has no end-of-generation token to stop with");
        throw Error("grammar: no token of this vocabulary can continue the output here; check the grammar");
    }
    if (budget_ > 0 && !must_end) keep_finishable(candidates, budget_ - accepted_ - 1);
}

void GrammarSampler::set_token_budget(int64_t tokens) {
    budget_ = std::max<int64_t>(0, tokens);
    if (budget_ > 0 && !lengths_) lengths_ = std::make_unique<CompletionLengths>(*grammar_);
}

// steps_after: the generation steps left once this one's token is chosen. A content token may be chosen when
// the answer it leaves can be finished in min_completion_bytes tokens with one step to spare for the end.
void GrammarSampler::keep_finishable(CandidateArray& candidates, int64_t steps_after) {
    constexpr float kBanned = -std::numeric_limits<float>::infinity();
    // Far from the budget, skip the check (a heuristic window, not a proof): the next token's bytes continue
    // one of the current parses (the longest needs max_completion_bytes) and may open rules, each adding at
    // most the grammar's longest alternative; twice that, plus 64 bytes of token, is the margin.
    const uint64_t worst = matcher_.max_completion_bytes(*lengths_);
    if (steps_after > 0 && static_cast<uint64_t>(steps_after) > 2 * (worst + lengths_->longest_alternative()) + 64)
        return;
    std::vector<size_t> order;
    for (size_t i = 0; i < candidates.data.size(); ++i)
        if (candidates.data[i].logit != kBanned && !is_end_of_generation(candidates.data[i].id)) order.push_back(i);
    // In logit order: the best 2 x kBudgetChoices first (usually enough), the rest sorted only if needed.
    const auto by_logit = [&](size_t a, size_t b) { return candidates.data[a].logit > candidates.data[b].logit; };
    const auto head = order.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(order.size(), 2 * kBudgetChoices));
    std::nth_element(order.begin(), head, order.end(), by_logit);
    std::sort(order.begin(), head, by_logit);
    int kept = 0;
    std::vector<size_t> banned;
    for (auto it = order.begin(); it != order.end(); ++it) {
        if (it == head && kept < kBudgetChoices) std::sort(head, order.end(), by_logit);
        bool ok = kept < kBudgetChoices && steps_after >= 1;
        if (ok) {
            GrammarMatcher after = matcher_;
            const auto& bytes = masker_.trie().bytes_of(candidates.data[*it].id);
            ok = bytes && after.accept(*bytes) &&
                 after.min_completion_bytes(*lengths_) + 1 <= static_cast<uint64_t>(steps_after);
        }
        if (ok)
            ++kept;
        else
            banned.push_back(*it);
    }
    // No token leaves room to finish and the grammar cannot end here either: the budget is already too short
    // (a grammar whose shortest sentence is longer than -n); leave the choice as it was, to be cut at -n.
    if (kept == 0 && !matcher_.can_end()) return;
    for (size_t i : banned) candidates.data[i].logit = kBanned;
}

void GrammarSampler::accept(int32_t token) {
    ++accepted_;
    if (is_end_of_generation(token)) return;
    const auto& bytes = masker_.trie().bytes_of(token);
    if (!bytes || !matcher_.accept(*bytes))
        throw Error("grammar: token " + std::to_string(token) + " was chosen though the grammar refuses it");
}

void GrammarSampler::reset() {
    matcher_ = GrammarMatcher(*grammar_);
    accepted_ = 0;
}


std::unique_ptr<GrammarSampler> make_grammar_sampler(std::string_view gbnf, const Tokenizer& tokenizer,
                                                     std::vector<int32_t> end_of_generation) {
    auto grammar = std::make_shared<const Grammar>(parse_gbnf(gbnf));
    auto trie = std::make_shared<const TokenTrie>(TokenBytes::from_tokenizer(tokenizer));
    return std::make_unique<GrammarSampler>(std::move(grammar), std::move(trie), std::move(end_of_generation));
}

}  // namespace loom::grammar
