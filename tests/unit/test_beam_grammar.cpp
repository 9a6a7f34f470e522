// Beam search under a grammar (generate/grammar/grammar_beam_constraint.h) over a tiny Markov "model" and a
// hand-made four-token vocabulary: the continuations the grammar refuses are never chosen, even where they
// are the most likely ones, and every beam keeps its own grammar state.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "generate/beam_search.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_beam_constraint.h"
#include "generate/grammar/token_mask.h"

namespace loom {
namespace {

using Ids = std::vector<int32_t>;

// Vocabulary: 0 = EOS (no bytes), 1 = "a", 2 = "b", 3 = "c". Next-token probabilities depend on the last id.
class LastTokenModel : public BeamStepModel {
  public:
    int64_t n_vocab() const override { return 4; }
    void begin(std::span<const int32_t> prefix, int32_t n_beams, int64_t, float* logits) override {
        last_.assign(static_cast<size_t>(n_beams), prefix.back());
        fill(logits);
    }
    void reorder(std::span<const int32_t> parents) override {
        std::vector<int32_t> next;
        for (int32_t p : parents) next.push_back(last_[static_cast<size_t>(p)]);
        last_ = next;
    }
    void step(std::span<const int32_t> tokens, float* logits) override {
        last_.assign(tokens.begin(), tokens.end());
        fill(logits);
    }

  private:
    void fill(float* logits) const {
        static const double p[4][4] = {
            {0.10, 0.20, 0.30, 0.40},  // after EOS
            {0.90, 0.05, 0.03, 0.02},  // after a: EOS is by far the likeliest
            {0.12, 0.08, 0.50, 0.30},  // after b: b again
            {0.50, 0.30, 0.19, 0.01},  // after c (the prompt): EOS, then a
        };
        for (size_t b = 0; b < last_.size(); ++b)
            for (int t = 0; t < 4; ++t) logits[b * 4 + t] = static_cast<float>(std::log(p[last_[b]][t]));
    }
    std::vector<int32_t> last_;
};

std::unique_ptr<grammar::GrammarBeamConstraint> constraint_for(const char* gbnf) {
    grammar::TokenBytes vocabulary;
    vocabulary.bytes = {std::nullopt, std::string("a"), std::string("b"), std::string("c")};
    return std::make_unique<grammar::GrammarBeamConstraint>(
        std::make_shared<const grammar::Grammar>(grammar::parse_gbnf(gbnf)),
        std::make_shared<const grammar::TokenTrie>(vocabulary), Ids{0});
}

BeamSearchResult search(BeamConstraint* constraint, int32_t num_beams) {
    LastTokenModel model;
    BeamSearchOptions o;
    o.num_beams = num_beams;
    o.eos_token_ids = {0};
    o.max_new_tokens = 6;
    o.constraint = constraint;
    return beam_search(model, Ids{3}, o);
}

TEST(BeamGrammar, TheMostLikelyContinuationIsNeverChosenWhenTheGrammarRefusesIt) {
    // Unconstrained, the best hypothesis is [EOS] (p .5) or [a, EOS] (p .27).
    const BeamSearchResult free = search(nullptr, 2);
    EXPECT_TRUE(free.sequences[0].tokens == (Ids{0}) || free.sequences[0].tokens == (Ids{1, 0}));
    // The grammar "b a": only b first (p .19), then only a (p .08), then only the end.
    for (int32_t beams : {1, 2, 3}) {
        auto constraint = constraint_for("root ::= \"b\" \"a\"");
        const BeamSearchResult r = search(constraint.get(), beams);
        EXPECT_EQ(r.sequences[0].tokens, (Ids{2, 1, 0})) << beams << " beams";
        EXPECT_NEAR(r.sequences[0].score, std::log(0.19 * 0.08 * 0.9) / 3, 1e-5);
    }
}

TEST(BeamGrammar, EachBeamFollowsItsOwnGrammarState) {
    // "a" or "b" followed by "b"s: after a, b is unlikely (.03) but a second a (.05) and EOS (.9) are refused.
    auto constraint = constraint_for("root ::= ( \"a\" | \"b\" ) \"b\" \"b\"");
    const BeamSearchResult r = search(constraint.get(), 2);
    ASSERT_FALSE(r.sequences[0].tokens.empty());
    const Ids& best = r.sequences[0].tokens;
    ASSERT_EQ(best.size(), 4u);
    EXPECT_TRUE(best[0] == 1 || best[0] == 2);
    EXPECT_EQ(best[1], 2);
    EXPECT_EQ(best[2], 2);
    EXPECT_EQ(best[3], 0);
    // a b b: .3 * .03 * .5 * .12 = .00054; b b b: .19 * .5 * .5 * .12 = .0057: b b b wins.
    EXPECT_EQ(best[0], 2);
}

TEST(BeamGrammar, MaskBansRefusedIdsAndAllowsTheEndOnlyWhereTheGrammarMayEnd) {
    auto constraint = constraint_for("root ::= \"a\" \"b\"?");
    constraint->begin(1);
    std::vector<float> row = {-1.f, -1.f, -1.f, -1.f};
    constraint->mask(0, row.data(), 4);
    const float refused = -std::numeric_limits<float>::infinity();
    EXPECT_EQ(row, (std::vector<float>{refused, -1.f, refused, refused}));  // only "a" at the start
    constraint->advance(Ids{0}, Ids{1});
    row = {-1.f, -1.f, -1.f, -1.f};
    constraint->mask(0, row.data(), 4);
    EXPECT_EQ(row, (std::vector<float>{-1.f, refused, -1.f, refused}));  // the end or "b"
    constraint->advance(Ids{0}, Ids{3});  // "c" is refused: the beam is dead
    EXPECT_FALSE(constraint->state(0).has_value());
    row = {-1.f, -1.f, -1.f, -1.f};
    constraint->mask(0, row.data(), 4);
    EXPECT_EQ(row, (std::vector<float>(4, refused)));
}

}  // namespace
}  // namespace loom
