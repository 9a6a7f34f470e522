#include "generate/beam_seq2seq_adapter.h"

#include <cstring>
#include <string>

#include "core/error.h"

namespace loom {

Seq2SeqBeamModel::Seq2SeqBeamModel(const Seq2SeqModel& model, std::shared_ptr<const Seq2SeqEncoded> encoded)
    : model_(model), encoded_(std::move(encoded)) {
    if (!encoded_) throw Error("beam search: no encoded source");
}

int64_t Seq2SeqBeamModel::n_vocab() const {
    return model_.config().n_vocab;
}

void Seq2SeqBeamModel::begin(std::span<const int32_t> prefix, int32_t n_beams, int64_t max_length,
                             float* logits) {
    states_.assign(1, model_.start(encoded_, max_length));
    model_.decode(states_[0], prefix, logits, /*all_logits=*/false);  // logits row 0
    const int64_t n_vocab = this->n_vocab();
    for (int32_t b = 1; b < n_beams; ++b) {
        states_.push_back(states_[0]);
        std::memcpy(logits + b * n_vocab, logits, static_cast<size_t>(n_vocab) * sizeof(float));
    }
}

void Seq2SeqBeamModel::reorder(std::span<const int32_t> parent_of_beam) {
    // Copy-assignment keeps the free state's buffer when it is large enough.
    reorder_beam_slots(states_, parent_of_beam,
                       [](const Seq2SeqState& parent, Seq2SeqState& free) { free = parent; });
}

void Seq2SeqBeamModel::step(std::span<const int32_t> token_per_beam, float* logits) {
    if (token_per_beam.size() != states_.size()) throw Error("beam step: expected one token per beam");
    std::vector<Seq2SeqState*> rows;
    for (Seq2SeqState& s : states_) rows.push_back(&s);
    model_.decode_batch(rows, token_per_beam, logits);
}

BeamSearchOptions seq2seq_beam_options(const Seq2SeqConfig& config) {
    BeamSearchOptions o;
    if (config.eos_token_id >= 0) o.eos_token_ids = {config.eos_token_id};
    o.forced_bos_token_id = config.forced_bos_token_id;
    o.banned_token_ids = config.banned_token_ids;
    if (config.forced_eos_token_id >= 0) o.forced_eos_token_ids = {config.forced_eos_token_id};
    return o;
}

std::vector<int32_t> seq2seq_beam_prefix(const Seq2SeqConfig& config) {
    if (config.decoder_start_token_id < 0)
        throw Error("the model's config has no decoder_start_token_id: cannot start a translation");
    return {config.decoder_start_token_id};
}

BeamSearchResult seq2seq_beam_search(const Seq2SeqModel& model, std::span<const int32_t> source_ids,
                                     const BeamSearchOptions& options,
                                     const std::function<void(const BeamSearchProgress&)>& on_step) {
    const std::vector<int32_t> prefix = seq2seq_beam_prefix(model.config());
    Seq2SeqBeamModel beams(model, model.encode(source_ids));
    return beam_search(beams, prefix, options, on_step);
}

}  // namespace loom
