// BeamStepModel: what beam search needs from a model, whatever its family. A model behind this interface
// keeps n_beams hypotheses (one KV cache or decoder state each); the search tells it which beam each new beam
// continues (reorder) and which token each beam appends (step), and reads back one row of logits per beam.
//
// Adapters: DecoderBeamModel (beam_decoder_adapter.h, decoder-only) and Seq2SeqBeamModel
// (beam_seq2seq_adapter.h, encoder-decoder: the encoder runs once, beams share its output).
#pragma once

#include <cstdint>
#include <span>

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

}  // namespace loom
