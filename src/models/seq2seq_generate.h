// Greedy and sampled generation for encoder-decoder models, through the same sampler chain as the decoders
// (generate/sampling_params.h; temperature 0 is greedy). Follows what transformers' generate() does for these
// models: the target starts with decoder_start_token_id (not returned), forced_bos_token_id is forced as the
// first generated token, forced_eos_token_id as the last allowed one, EOS is banned before min_new_tokens,
// single-token bad_words_ids never.
// Beam search lives in generate/beam_search.h.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "generate/sampling_params.h"
#include "models/seq2seq_model.h"

namespace loom {

struct Seq2SeqGenerateOptions {
    int64_t max_new_tokens = 256;  // EOS included; capped by the decoder positions (BART, Marian)
    int64_t min_new_tokens = 0;
    SamplingParams sampling;  // temperature 0: greedy
};

// The processed logits of one step, in place (forced tokens, EOS ban): `step` counts generated tokens so far.
void apply_seq2seq_constraints(const Seq2SeqConfig& config, const Seq2SeqGenerateOptions& options,
                               int64_t step, std::span<float> logits);

// One source: the generated ids, EOS included when the model produced it. on_token (optional) sees each id
// as it is chosen; returning false stops generation. Throws loom::Error when the model has no decoder start
// token.
std::vector<int32_t> seq2seq_generate(const Seq2SeqModel& model, std::span<const int32_t> source_ids,
                                      const Seq2SeqGenerateOptions& options,
                                      const std::function<bool(int32_t)>& on_token = {});

// Several sources decoded together (one decode_batch per step over the unfinished ones); sampled runs seed
// source i with sampling.seed + i. on_done (optional) is called with each source's index when it finishes.
std::vector<std::vector<int32_t>> seq2seq_generate_batch(const Seq2SeqModel& model,
                                                         const std::vector<std::vector<int32_t>>& sources,
                                                         const Seq2SeqGenerateOptions& options,
                                                         const std::function<void(size_t)>& on_done = {});

}  // namespace loom
