// The individual samplers of the chain. Each takes its parameters in the constructor, validates them
// (throwing loom::Error with the bad value), and does one thing in apply().
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <unordered_map>

#include "generate/sampler.h"

namespace loom {

// --- selection (sets candidates.selected) -----------------------------------------------------------------

// Picks the highest logit; ties go to the lowest token id.
class GreedySampler : public Sampler {
  public:
    std::string name() const override { return "greedy"; }
    void apply(CandidateArray& c) override;
};

// Draws from softmax(logits) with std::mt19937_64 seeded by `seed`; reset() reseeds, so a seed replays.
class DistSampler : public Sampler {
  public:
    explicit DistSampler(uint64_t seed);
    std::string name() const override { return "dist"; }
    void apply(CandidateArray& c) override;
    void reset() override { rng_.seed(seed_); }

  private:
    uint64_t seed_;
    std::mt19937_64 rng_;
};

// --- logit transforms -------------------------------------------------------------------------------------

// logit /= T. T = 0 keeps only the argmax (greedy); T < 0 is an error.
class TemperatureSampler : public Sampler {
  public:
    explicit TemperatureSampler(float temperature);
    std::string name() const override { return "temperature"; }
    void apply(CandidateArray& c) override;

  private:
    float temperature_;
};

// logit += bias[id]; a bias of -inf bans the token.
class LogitBiasSampler : public Sampler {
  public:
    explicit LogitBiasSampler(std::unordered_map<int32_t, float> bias) : bias_(std::move(bias)) {}
    std::string name() const override { return "logit_bias"; }
    void apply(CandidateArray& c) override;

  private:
    std::unordered_map<int32_t, float> bias_;
};

// --- truncation (removes candidates; always keeps at least min_keep) ---------------------------------------

// Keeps the k highest logits. k = 0 disables; k < 0 is an error.
class TopKSampler : public Sampler {
  public:
    explicit TopKSampler(int32_t k);
    std::string name() const override { return "top_k"; }
    void apply(CandidateArray& c) override;

  private:
    int32_t k_;
};

// Nucleus: keeps the smallest prefix (by probability) whose mass is >= p. p must be in (0, 1]; 1 disables.
class TopPSampler : public Sampler {
  public:
    explicit TopPSampler(float p, size_t min_keep = 1);
    std::string name() const override { return "top_p"; }
    void apply(CandidateArray& c) override;

  private:
    float p_;
    size_t min_keep_;
};

// Keeps tokens with probability >= p * max probability. p in [0, 1]; 0 disables.
class MinPSampler : public Sampler {
  public:
    explicit MinPSampler(float p, size_t min_keep = 1);
    std::string name() const override { return "min_p"; }
    void apply(CandidateArray& c) override;

  private:
    float p_;
    size_t min_keep_;
};

// Locally typical sampling (Meister et al. 2022): ranks tokens by |-log p - H| (H = entropy) and keeps the
// smallest such set whose mass is >= typical_p. typical_p in (0, 1]; 1 disables.
class TypicalSampler : public Sampler {
  public:
    explicit TypicalSampler(float typical_p, size_t min_keep = 1);
    std::string name() const override { return "typical"; }
    void apply(CandidateArray& c) override;

  private:
    float typical_p_;
    size_t min_keep_;
};

// --- penalties over the recent history -------------------------------------------------------------------

// Counts of the last `window` accepted tokens (window < 0: unlimited, 0: nothing kept).
class TokenHistory {
  public:
    explicit TokenHistory(int32_t window) : window_(window) {}
    void push(int32_t token);
    void clear();
    const std::unordered_map<int32_t, int32_t>& counts() const { return counts_; }

  private:
    int32_t window_;
    std::deque<int32_t> tokens_;
    std::unordered_map<int32_t, int32_t> counts_;
};

// CTRL / HF form: for each distinct recent token, logit > 0 ? logit / penalty : logit * penalty.
class RepetitionPenaltySampler : public Sampler {
  public:
    RepetitionPenaltySampler(float penalty, int32_t last_n);
    std::string name() const override { return "repetition_penalty"; }
    void apply(CandidateArray& c) override;
    void accept(int32_t token) override { history_.push(token); }
    void reset() override { history_.clear(); }

  private:
    float penalty_;
    TokenHistory history_;
};

// OpenAI form: logit -= count * frequency + (count > 0) * presence, counts over the last_n tokens.
class PresenceFrequencySampler : public Sampler {
  public:
    PresenceFrequencySampler(float presence, float frequency, int32_t last_n);
    std::string name() const override { return "presence_frequency"; }
    void apply(CandidateArray& c) override;
    void accept(int32_t token) override { history_.push(token); }
    void reset() override { history_.clear(); }

  private:
    float presence_, frequency_;
    TokenHistory history_;
};

}  // namespace loom
