// The sampler interface: every stage of token selection (penalties, truncation, temperature, the final draw)
// is a small Sampler that edits a candidate array. A SamplerChain (sampler_chain.h) is itself a Sampler, so
// users compose and order stages freely.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace loom {

// Thrown when the sampling settings leave no token to choose (a logit_bias that bans every token, say): the
// caller's settings are at fault, not the model, so a server answers it as a bad request.
class NoTokenLeftError : public Error {
  public:
    NoTokenLeftError()
        : Error(
              "every token is banned (logit_bias or the sampling settings set all logits to -inf); "
              "allow at least one token") {}
};

struct TokenCandidate {
    int32_t id;   // vocabulary id
    float logit;  // -inf means banned
    float p;      // probability; only meaningful after CandidateArray::softmax()
};

struct CandidateArray {
    std::vector<TokenCandidate> data;  // (n_candidates,), a subset of the vocabulary
    bool sorted = false;               // true when data is ordered by logit descending, ties by id ascending
    int64_t selected = -1;             // index into data chosen by a final sampler (greedy, dist); -1 = none

    // One candidate per vocabulary entry, id = position in logits.
    static CandidateArray from_logits(std::span<const float> logits);

    // Sorts by logit descending (ties: lower id first), so truncation keeps a deterministic prefix.
    void sort_by_logit();
    // Sorts, then sets p = softmax(logit) over the current candidates. Throws when every logit is -inf.
    void softmax();
    // Keeps the first n candidates (after sorting); n is clamped to [1, size].
    void keep_first(size_t n);
    // Drops candidates whose logit is -inf (banned); keeps order.
    void drop_banned();
};

class Sampler {
  public:
    virtual ~Sampler() = default;
    virtual std::string name() const = 0;
    // Edits the candidates: changes logits, removes entries, or sets `selected`.
    virtual void apply(CandidateArray& candidates) = 0;
    // Told about every token that was finally chosen (penalties keep history here).
    virtual void accept(int32_t /*token*/) {}
    // Forgets history and restores the initial RNG state.
    virtual void reset() {}
};

}  // namespace loom
