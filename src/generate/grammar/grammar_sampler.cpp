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
}

void GrammarSampler::accept(int32_t token) {
    if (is_end_of_generation(token)) return;
    const auto& bytes = masker_.trie().bytes_of(token);
    if (!bytes || !matcher_.accept(*bytes))
        throw Error("grammar: token " + std::to_string(token) + " was chosen though the grammar refuses it");
}

void GrammarSampler::reset() { matcher_ = GrammarMatcher(*grammar_); }


std::unique_ptr<GrammarSampler> make_grammar_sampler(std::string_view gbnf, const Tokenizer& tokenizer,
                                                     std::vector<int32_t> end_of_generation) {
    auto grammar = std::make_shared<const Grammar>(parse_gbnf(gbnf));
    auto trie = std::make_shared<const TokenTrie>(TokenBytes::from_tokenizer(tokenizer));
    return std::make_unique<GrammarSampler>(std::move(grammar), std::move(trie), std::move(end_of_generation));
}

}  // namespace loom::grammar
