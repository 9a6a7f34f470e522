// Seq2SeqBeamModel: beam search over an encoder-decoder model (T5, Marian, BART, mBART). The source is
// encoded once and every beam's Seq2SeqState shares it; a reorder copies a parent's state (its self-attention
// K/V) into the beams that continue it, and a step runs all beams in one batched decoder pass.
//
//   auto encoded = model->encode(source_ids);
//   Seq2SeqBeamModel beams(*model, encoded);
//   BeamSearchOptions opt = seq2seq_beam_options(model->config());   // EOS, forced BOS / EOS from config
//   opt.num_beams = 4;
//   BeamSearchResult r = beam_search(beams, seq2seq_beam_prefix(model->config()), opt);
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "generate/beam_search.h"
#include "generate/beam_step_model.h"
#include "models/seq2seq_model.h"

namespace loom {

class Seq2SeqBeamModel : public BeamStepModel {
  public:
    // The model must outlive this object; `encoded` is the source's encoder output (model.encode()).
    Seq2SeqBeamModel(const Seq2SeqModel& model, std::shared_ptr<const Seq2SeqEncoded> encoded);

    int64_t n_vocab() const override;
    // prefix: the decoder start token(s); max_length: the longest target, prefix included.
    void begin(std::span<const int32_t> prefix, int32_t n_beams, int64_t max_length, float* logits) override;
    void reorder(std::span<const int32_t> parent_of_beam) override;
    void step(std::span<const int32_t> token_per_beam, float* logits) override;

  private:
    const Seq2SeqModel& model_;
    std::shared_ptr<const Seq2SeqEncoded> encoded_;
    std::vector<Seq2SeqState> states_;  // [n_beams]
};

// What HF generate() takes from the model's config: the EOS id, forced_bos_token_id and forced_eos_token_id
// (when the config has them). Everything else at BeamSearchOptions' defaults.
BeamSearchOptions seq2seq_beam_options(const Seq2SeqConfig& config);

// The target prefix every hypothesis starts from: {decoder_start_token_id}. Throws loom::Error when the
// config has none.
std::vector<int32_t> seq2seq_beam_prefix(const Seq2SeqConfig& config);

// Encodes one source and runs the search. The returned tokens exclude the decoder start token.
BeamSearchResult seq2seq_beam_search(const Seq2SeqModel& model, std::span<const int32_t> source_ids,
                                     const BeamSearchOptions& options,
                                     const std::function<void(const BeamSearchProgress&)>& on_step = {});

}  // namespace loom
