// Beam search bookkeeping on hand-made numbers: n-gram blocking, the logits processors, length-penalised
// finished hypotheses, the early-stopping rules, and a whole search over a tiny Markov "model" whose outcome
// is worked out by hand in the comments. Parity with Hugging Face on real models:
// tests/parity/test_beam_tiny.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "generate/beam_hypotheses.h"
#include "generate/beam_ngram.h"
#include "generate/beam_processors.h"
#include "generate/beam_search.h"
#include "generate/beam_seq2seq_adapter.h"
#include "models/seq2seq_model.h"

namespace loom {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
using Ids = std::vector<int32_t>;

TEST(BeamNgram, BansTheTokenThatWouldRepeatAnNgram) {
    // Suffix (1, 2) already occurred followed by 3: the 3-gram (1, 2, 3) may not come again.
    EXPECT_EQ(repeated_ngram_bans(Ids{1, 2, 3, 1, 2}, 3), (Ids{3}));
    // Bigrams after 1: (1, 2) and (1, 4) occurred.
    EXPECT_EQ(repeated_ngram_bans(Ids{1, 2, 1, 4, 1}, 2), (Ids{2, 4}));
    // n = 1 bans every id already present.
    EXPECT_EQ(repeated_ngram_bans(Ids{5, 3, 5}, 1), (Ids{3, 5}));
}

TEST(BeamNgram, NothingToBanWithoutAWholeEarlierNgram) {
    EXPECT_TRUE(repeated_ngram_bans(Ids{1, 2}, 3).empty());     // shorter than n
    EXPECT_TRUE(repeated_ngram_bans(Ids{7, 1, 2}, 3).empty());  // (7, 1) is not the suffix (1, 2)
    EXPECT_TRUE(repeated_ngram_bans(Ids{1, 2, 3}, 0).empty());  // off
    // The suffix itself starts no complete window: (2, 2) with n = 3 has nothing after the second 2 yet.
    EXPECT_TRUE(repeated_ngram_bans(Ids{2, 2}, 3).empty());
}

TEST(BeamNgram, BanWritesMinusInfinityInsideTheVocabularyOnly) {
    std::vector<float> scores = {0.f, -1.f, -2.f, -3.f};
    ban_repeated_ngrams(Ids{1, 2, 1, 9, 1}, 2, scores.data(), 4);  // bans 2 and 9 (9 outside: ignored)
    EXPECT_EQ(scores, (std::vector<float>{0.f, -1.f, -kInf, -3.f}));
}

TEST(BeamProcessors, LogSoftmaxOfEqualLogitsIsMinusLogN) {
    std::vector<float> row = {3.f, 3.f, 3.f, 3.f};
    log_softmax_in_place(row.data(), 4);
    for (float v : row) EXPECT_NEAR(v, -std::log(4.0), 1e-6);
    std::vector<float> two = {std::log(3.f), 0.f};  // probabilities 3/4, 1/4
    log_softmax_in_place(two.data(), 2);
    EXPECT_NEAR(two[0], std::log(0.75), 1e-6);
    EXPECT_NEAR(two[1], std::log(0.25), 1e-6);
}

TEST(BeamProcessors, RepetitionPenaltyMultipliesNegativesDividesPositivesOncePerId) {
    std::vector<float> scores = {-1.f, 2.f, -3.f};
    apply_repetition_penalty(Ids{0, 1, 0}, 2.0f, scores.data(), 3);  // id 0 twice: penalised once
    EXPECT_EQ(scores, (std::vector<float>{-2.f, 1.f, -3.f}));
}

TEST(BeamProcessors, MinLengthsBanEosAndForcedTokensLeaveOneChoice) {
    BeamSearchOptions o;
    o.eos_token_ids = {0};
    o.min_new_tokens = 2;
    std::vector<float> s = {-1.f, -2.f, -3.f};
    apply_beam_processors(o, Ids{5, 6, 7}, /*prefix_len=*/2, /*max_length=*/10, s.data(), 3);  // 1 new < 2
    EXPECT_EQ(s[0], -kInf);
    s = {-1.f, -2.f, -3.f};
    apply_beam_processors(o, Ids{5, 6, 7, 8}, 2, 10, s.data(), 3);  // 2 new: EOS allowed
    EXPECT_EQ(s[0], -1.f);

    o = {};
    o.eos_token_ids = {0};
    o.min_length = 4;  // counts the prefix too
    s = {-1.f, -2.f, -3.f};
    apply_beam_processors(o, Ids{5, 6, 7}, 3, 10, s.data(), 3);
    EXPECT_EQ(s[0], -kInf);

    o = {};
    o.forced_bos_token_id = 2;  // only when the sequence holds a single id
    s = {-1.f, -2.f, -3.f};
    apply_beam_processors(o, Ids{5}, 1, 10, s.data(), 3);
    EXPECT_EQ(s, (std::vector<float>{-kInf, -kInf, 0.f}));
    s = {-1.f, -2.f, -3.f};
    apply_beam_processors(o, Ids{5, 1}, 1, 10, s.data(), 3);
    EXPECT_EQ(s, (std::vector<float>{-1.f, -2.f, -3.f}));

    o = {};
    o.forced_eos_token_ids = {1};  // at the last allowed step: length max_length - 1
    s = {-1.f, -2.f, -3.f};
    apply_beam_processors(o, Ids{5, 6, 7}, 1, 4, s.data(), 3);
    EXPECT_EQ(s, (std::vector<float>{-kInf, 0.f, -kInf}));
}

TEST(BeamProcessors, BannedTokensAreNeverChosenAtAnyStep) {
    BeamSearchOptions o;
    o.banned_token_ids = {1, 9};  // 9 outside the vocabulary: ignored here (beam_search rejects it)
    for (const Ids& seq : {Ids{5}, Ids{5, 6, 7}}) {
        std::vector<float> s = {-1.f, -0.5f, -3.f};
        apply_beam_processors(o, seq, 1, 10, s.data(), 3);
        EXPECT_EQ(s, (std::vector<float>{-1.f, -kInf, -3.f}));
    }
}

// The seq2seq options carry the config's single-token bad words (Marian's pad), as HF's generate() bans them
// in beam search too.
TEST(BeamProcessors, Seq2SeqOptionsBanTheConfigsBannedTokens) {
    Seq2SeqConfig config;
    config.eos_token_id = 0;
    config.banned_token_ids = {2};
    const BeamSearchOptions o = seq2seq_beam_options(config);
    EXPECT_EQ(o.banned_token_ids, (Ids{2}));
    std::vector<float> s = {-3.f, -2.f, -0.1f};
    apply_beam_processors(o, Ids{1}, 1, 10, s.data(), 3);
    EXPECT_EQ(s, (std::vector<float>{-3.f, -2.f, -kInf}));
}

// A finished hypothesis scores sum_logprobs / length ** length_penalty.
TEST(BeamHypotheses, LengthPenaltyDividesByLengthToThePower) {
    const std::vector<Ids> running = {Ids{4, 5, 6}};
    const BeamCandidate finishing{0, 9, -4.0f, true};
    for (auto [penalty, expected] : {std::pair{1.0f, -1.0f}, {0.5f, -2.0f}, {0.0f, -4.0f}, {2.0f, -0.25f}}) {
        FinishedHypotheses f(1, penalty, EarlyStopping::Heuristic);
        f.offer(std::span(&finishing, 1), running, /*generated_length=*/4);
        ASSERT_TRUE(f.all_finished());
        EXPECT_FLOAT_EQ(f.slots()[0].score, expected) << "length_penalty " << penalty;
        EXPECT_EQ(f.slots()[0].tokens, (Ids{4, 5, 6, 9}));
    }
}

TEST(BeamHypotheses, OnlyCandidatesRankedWithinNumBeamsCanFinish) {
    FinishedHypotheses f(2, 1.0f, EarlyStopping::Heuristic);
    const std::vector<Ids> running = {Ids{1}, Ids{2}};
    // Ranks 0, 1 run on; rank 2 stops but is a spare (only there so two beams can keep running).
    const std::vector<BeamCandidate> step = {
        {0, 3, -1.f, false}, {1, 3, -2.f, false}, {0, 0, -3.f, true}, {1, 0, -4.f, false}};
    f.offer(step, running, 2);
    EXPECT_EQ(f.n_finished(), 0);
    // Rank 1 stops: it enters; the better slot keeps first place once a better one comes.
    const std::vector<BeamCandidate> step2 = {{0, 3, -1.f, false}, {1, 0, -2.f, true}};
    f.offer(step2, running, 2);
    EXPECT_EQ(f.n_finished(), 1);
    EXPECT_FLOAT_EQ(f.slots()[0].score, -1.0f);  // -2 / 2
    EXPECT_EQ(f.slots()[0].tokens, (Ids{2, 0}));
    const std::vector<BeamCandidate> step3 = {{1, 0, -1.f, true}, {0, 0, -9.f, true}};
    f.offer(step3, running, 2);
    ASSERT_TRUE(f.all_finished());
    EXPECT_FLOAT_EQ(f.slots()[0].score, -0.5f);
    EXPECT_FLOAT_EQ(f.slots()[1].score, -1.0f);  // -9 / 2 = -4.5 lost to the slot it had
}

// After two hypotheses finished with -1 and -2, can a running beam with sum -3 or -5 at length 2 still win?
TEST(BeamHypotheses, EarlyStopHeuristicComparesTheBestRunningBeamWithTheWorstFinished) {
    auto filled = [](EarlyStopping mode) {
        FinishedHypotheses f(2, 1.0f, mode);
        const std::vector<Ids> running = {Ids{}};
        const std::vector<BeamCandidate> step = {{0, 0, -1.f, true}, {0, 1, -2.f, true}};
        f.offer(step, running, 1);
        return f;
    };
    FinishedHypotheses f = filled(EarlyStopping::Heuristic);
    f.update_improvement_possible(-3.f, 2, 10);  // -3 / 2 = -1.5 > -2: maybe
    EXPECT_TRUE(f.improvement_possible());
    f.update_improvement_possible(-5.f, 2, 10);  // -2.5 < -2: no; and it stays no
    EXPECT_FALSE(f.improvement_possible());
    f.update_improvement_possible(-0.1f, 2, 10);
    EXPECT_FALSE(f.improvement_possible());

    FinishedHypotheses never = filled(EarlyStopping::Never);
    never.update_improvement_possible(-5.f, 2, 10);  // "never" scores it at max length: -5 / 10 = -0.5 > -2
    EXPECT_TRUE(never.improvement_possible());

    // With an empty slot left, any running beam may still improve the set.
    FinishedHypotheses open(2, 1.0f, EarlyStopping::Heuristic);
    open.update_improvement_possible(-100.f, 2, 10);
    EXPECT_TRUE(open.improvement_possible());
}

TEST(BeamHypotheses, TopKKeepsIndexOrderOnTies) {
    const std::vector<float> v = {1.f, 3.f, 3.f, 2.f, 3.f};
    EXPECT_EQ(top_k_indices(v, 4), (std::vector<int32_t>{1, 2, 4, 3}));
    const std::vector<float> with_nan = {std::nanf(""), -1.f, -kInf, 0.f};
    EXPECT_EQ(top_k_indices(with_nan, 4), (std::vector<int32_t>{3, 1, 0, 2}));
}

// A "model" whose next-token probabilities depend only on the last id. Vocabulary: 0 = EOS, 1 = a, 2 = b,
// 3 = c; the prompt is [c]. Rows are probabilities (each sums to 1); logits = their logs.
class MarkovModel : public BeamStepModel {
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
            {0.10, 0.20, 0.30, 0.40},  // after EOS (continued only when 0 is no EOS)
            {0.90, 0.05, 0.03, 0.02},  // after a
            {0.12, 0.08, 0.50, 0.30},  // after b
            {0.50, 0.30, 0.19, 0.01},  // after c
        };
        for (size_t b = 0; b < last_.size(); ++b)
            for (int t = 0; t < 4; ++t) logits[b * 4 + t] = static_cast<float>(std::log(p[last_[b]][t]));
    }
    std::vector<int32_t> last_;
};

BeamSearchResult search(float length_penalty, EarlyStopping mode, int32_t max_new_tokens = 3) {
    MarkovModel model;
    BeamSearchOptions o;
    o.num_beams = 2;
    o.num_return_sequences = 2;
    o.eos_token_ids = {0};
    o.length_penalty = length_penalty;
    o.early_stopping = mode;
    o.max_new_tokens = max_new_tokens;
    return beam_search(model, Ids{3}, o);
}

// Step 1 (from c): EOS .5 ranks first and finishes: [EOS], ln .5 = -0.693. a (.3) and b (.19) run on.
// Step 2: the best continuations are aE .3*.9 = .27, bb .095, bc .057, bE .0228; aE finishes at length 2.
//   length_penalty 1: ln .27 / 2 = -0.655 beats -0.693, so [a, EOS] is first. Both slots are full and the
//   best running beam bb scores ln .095 / 2 = -1.18 < -0.693 (the worst finished): the search stops.
//   length_penalty 0: ln .27 = -1.309 comes second; bb's -2.35 < -1.309: it stops too.
TEST(BeamSearchMarkov, LengthPenaltyDecidesBetweenShortAndLongHypotheses) {
    BeamSearchResult lp1 = search(1.0f, EarlyStopping::Heuristic);
    ASSERT_EQ(lp1.sequences.size(), 2u);
    EXPECT_EQ(lp1.sequences[0].tokens, (Ids{1, 0}));
    EXPECT_NEAR(lp1.sequences[0].score, std::log(0.27) / 2, 1e-6);
    EXPECT_EQ(lp1.sequences[1].tokens, (Ids{0}));
    EXPECT_NEAR(lp1.sequences[1].score, std::log(0.5), 1e-6);
    EXPECT_EQ(lp1.n_steps, 2);

    BeamSearchResult lp0 = search(0.0f, EarlyStopping::Heuristic);
    EXPECT_EQ(lp0.sequences[0].tokens, (Ids{0}));
    EXPECT_EQ(lp0.sequences[1].tokens, (Ids{1, 0}));
    EXPECT_NEAR(lp0.sequences[1].score, std::log(0.27), 1e-6);
    EXPECT_EQ(lp0.n_steps, 2);
}

// length_penalty 2 after step 2: [E] = -0.693, [a, E] = -1.309 / 4 = -0.327, both slots full. early_stopping
// True stops there. False asks whether bb (ln .095 / 2**2 = -0.589) beats the worst (-0.693): yes, it goes
// on.
TEST(BeamSearchMarkov, EarlyStoppingTrueStopsWhenFullFalseAsksTheHeuristic) {
    BeamSearchResult when_full = search(2.0f, EarlyStopping::WhenFull, 10);
    EXPECT_EQ(when_full.n_steps, 2);
    EXPECT_EQ(when_full.sequences[0].tokens, (Ids{1, 0}));
    EXPECT_GT(search(2.0f, EarlyStopping::Heuristic, 10).n_steps, 2);
}

// early_stopping "never" with length_penalty 1 and 10 new tokens: after step 2 bb is scored as if it reached
// length 10 (-2.35 / 10 > -0.693), so the search goes on where False stopped. [a, EOS] (-0.655) stays first:
// a longer hypothesis starts with p <= .3, continues with p <= .5 per token and ends with p(EOS) <= .9, so
// its score is at most (ln .3 + (L-2) ln .5 + ln .9) / L = -0.693 + 0.077 / L <= -0.667 for L >= 3.
TEST(BeamSearchMarkov, EarlyStoppingNeverAssumesTheLongestLength) {
    BeamSearchResult never = search(1.0f, EarlyStopping::Never, 10);
    EXPECT_GT(never.n_steps, 2);
    EXPECT_EQ(never.sequences[0].tokens, (Ids{1, 0}));
    EXPECT_EQ(search(1.0f, EarlyStopping::Heuristic, 10).n_steps, 2);
}

// With no EOS id, 0 is an ordinary token and every hypothesis ends at max_new_tokens, scored by its log-prob
// sum / length. Step 1 keeps 0 (.5) and a (.3) running; step 2's best are a,0 (.3*.9 = .27) and 0,c (.5*.4 =
// .2).
TEST(BeamSearchMarkov, WithoutEosHypothesesEndAtMaxLength) {
    MarkovModel model;
    BeamSearchOptions o;
    o.num_beams = 2;
    o.num_return_sequences = 2;
    o.max_new_tokens = 2;
    BeamSearchResult r = beam_search(model, Ids{3}, o);
    EXPECT_EQ(r.sequences[0].tokens, (Ids{1, 0}));
    EXPECT_NEAR(r.sequences[0].score, std::log(0.27) / 2, 1e-6);
    EXPECT_EQ(r.sequences[1].tokens, (Ids{0, 3}));
    EXPECT_NEAR(r.sequences[1].score, std::log(0.2) / 2, 1e-6);
}

TEST(BeamSearchOptionsCheck, InvalidOptionsAreErrors) {
    MarkovModel model;
    BeamSearchOptions o;
    o.num_beams = 2;
    o.num_return_sequences = 3;
    EXPECT_THROW(beam_search(model, Ids{3}, o), Error);
    o.num_return_sequences = 1;
    o.max_new_tokens = 0;
    EXPECT_THROW(beam_search(model, Ids{3}, o), Error);
    o.max_new_tokens = 2;
    o.eos_token_ids = {4};  // outside a vocabulary of 4
    EXPECT_THROW(beam_search(model, Ids{3}, o), Error);
    o.eos_token_ids = {0};
    EXPECT_THROW(beam_search(model, Ids{}, o), Error);  // empty prefix
    o.banned_token_ids = {4};                           // outside a vocabulary of 4
    EXPECT_THROW(beam_search(model, Ids{3}, o), Error);
    o.banned_token_ids = {};
    o.num_beams = 3;
    o.eos_token_ids = {0, 1, 2, 3};  // 5 * 3 candidates > 3 * 4 continuations
    EXPECT_THROW(beam_search(model, Ids{3}, o), Error);
}

}  // namespace
}  // namespace loom
