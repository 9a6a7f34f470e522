#include "generate/grammar/grammar_beam_constraint.h"

#include <algorithm>
#include <limits>

namespace loom::grammar {

GrammarBeamConstraint::GrammarBeamConstraint(std::shared_ptr<const Grammar> grammar,
                                             std::shared_ptr<const TokenTrie> trie,
                                             std::vector<int32_t> end_of_generation)
    : grammar_(std::move(grammar)), masker_(std::move(trie)), end_of_generation_(std::move(end_of_generation)) {}

bool GrammarBeamConstraint::ends_generation(int32_t id) const {
    return std::find(end_of_generation_.begin(), end_of_generation_.end(), id) != end_of_generation_.end();
}

void GrammarBeamConstraint::begin(int32_t n_beams) {
    states_.assign(static_cast<size_t>(n_beams), GrammarMatcher(*grammar_));
}

void GrammarBeamConstraint::mask(int32_t beam, float* log_probs, int64_t n_vocab) {
    constexpr float kRefused = -std::numeric_limits<float>::infinity();
    const std::optional<GrammarMatcher>& state = states_.at(static_cast<size_t>(beam));
    if (!state) {
        std::fill(log_probs, log_probs + n_vocab, kRefused);
        return;
    }
    const bool may_end = state->can_end();
    // End-of-generation ids are decided by the grammar's end, whatever the mask says of their bytes.
    std::vector<float> end_scores;
    for (int32_t id : end_of_generation_)
        end_scores.push_back(may_end && id >= 0 && id < n_vocab ? log_probs[id] : kRefused);
    const std::vector<bool>* allowed = state->must_end() ? nullptr : &masker_.allowed(*state);
    const int64_t n_masked = allowed ? std::min<int64_t>(n_vocab, static_cast<int64_t>(allowed->size())) : 0;
    for (int64_t t = 0; t < n_masked; ++t)
        if (!(*allowed)[static_cast<size_t>(t)]) log_probs[t] = kRefused;
    std::fill(log_probs + n_masked, log_probs + n_vocab, kRefused);
    for (size_t i = 0; i < end_of_generation_.size(); ++i)
        if (end_of_generation_[i] >= 0 && end_of_generation_[i] < n_vocab) log_probs[end_of_generation_[i]] = end_scores[i];
}

void GrammarBeamConstraint::advance(std::span<const int32_t> parent_of_beam,
                                    std::span<const int32_t> token_of_beam) {
    std::vector<std::optional<GrammarMatcher>> next(parent_of_beam.size());
    for (size_t b = 0; b < parent_of_beam.size(); ++b) {
        const std::optional<GrammarMatcher>& parent = states_.at(static_cast<size_t>(parent_of_beam[b]));
        const int32_t token = token_of_beam[b];
        if (!parent || ends_generation(token)) continue;  // ended or dead: stays so
        const auto& bytes = masker_.trie().bytes_of(token);
        GrammarMatcher moved = *parent;
        if (bytes && moved.accept(*bytes)) next[b] = std::move(moved);
    }
    states_ = std::move(next);
}

std::unique_ptr<GrammarBeamConstraint> make_grammar_beam_constraint(std::string_view gbnf,
                                                                    const Tokenizer& tokenizer,
                                                                    std::vector<int32_t> end_of_generation) {
    auto grammar = std::make_shared<const Grammar>(parse_gbnf(gbnf));
    auto trie = std::make_shared<const TokenTrie>(TokenBytes::from_tokenizer(tokenizer));
    return std::make_unique<GrammarBeamConstraint>(std::move(grammar), std::move(trie),
                                                   std::move(end_of_generation));
}

}  // namespace loom::grammar
