// BeamStepModel: what beam search needs from a model, whatever its family. A model behind this interface
// keeps n_beams hypotheses (one KV cache or decoder state each); the search tells it which beam each new beam
// continues (reorder) and which token each beam appends (step), and reads back one row of logits per beam.
//
// Adapters: DecoderBeamModel (beam_decoder_adapter.h, decoder-only) and Seq2SeqBeamModel
// (beam_seq2seq_adapter.h, encoder-decoder: the encoder runs once, beams share its output).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/error.h"

namespace loom {

class BeamStepModel {
  public:
    virtual ~BeamStepModel() = default;

    virtual int64_t n_vocab() const = 0;

    // Starts n_beams identical hypotheses that hold `prefix` (decoder-only: the prompt; encoder-decoder: the
    // decoder start token(s)). logits: [n_beams, n_vocab], the next-token logits after the prefix for each
    // beam (all rows equal). max_length: the longest a hypothesis can grow (prefix included), so the model
    // can size its caches once.
    virtual void begin(std::span<const int32_t> prefix, int32_t n_beams, int64_t max_length,
                       float* logits) = 0;

    // New beam b continues old beam parent_of_beam[b] (size n_beams; a parent may be chosen several times or
    // not at all). Called before every step() but the first.
    virtual void reorder(std::span<const int32_t> parent_of_beam) = 0;

    // Appends token_per_beam[b] to beam b. logits: [n_beams, n_vocab], the logits that follow.
    virtual void step(std::span<const int32_t> token_per_beam, float* logits) = 0;
};

// The bookkeeping of BeamStepModel::reorder for a model that keeps one slot (cache, state) per beam: slot b
// afterwards holds the history of old beam parent_of_beam[b]. The first child of each parent takes the
// parent's slot as it is; every other child gets a slot no beam continues (there are exactly as many of those
// as extra children), refilled by copy_into(parent_slot, free_slot) so its buffers are reused. Throws
// loom::Error for a parent list of the wrong size or out of range.
template <typename Slot, typename CopyInto>
void reorder_beam_slots(std::vector<Slot>& slots, std::span<const int32_t> parent_of_beam,
                        CopyInto copy_into) {
    const size_t n = slots.size();
    if (parent_of_beam.size() != n) throw Error("beam reorder: expected one parent per beam");
    std::vector<int32_t> first_child(n, -1);
    for (size_t b = 0; b < n; ++b) {
        const int32_t p = parent_of_beam[b];
        if (p < 0 || static_cast<size_t>(p) >= n) throw Error("beam reorder: parent out of range");
        if (first_child[p] < 0) first_child[p] = static_cast<int32_t>(b);
    }
    std::vector<Slot> unused;
    for (size_t p = 0; p < n; ++p)
        if (first_child[p] < 0) unused.push_back(std::move(slots[p]));
    std::vector<Slot> next(n);
    std::vector<bool> filled(n, false);
    for (size_t b = 0; b < n; ++b) {
        const int32_t p = parent_of_beam[b];
        if (first_child[p] == static_cast<int32_t>(b)) continue;
        next[b] = std::move(unused.back());
        unused.pop_back();
        copy_into(slots[p], next[b]);
        filled[b] = true;
    }
    for (size_t b = 0; b < n; ++b)
        if (!filled[b]) next[b] = std::move(slots[parent_of_beam[b]]);
    slots = std::move(next);
}

}  // namespace loom
