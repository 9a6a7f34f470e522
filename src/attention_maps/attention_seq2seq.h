// Attention maps of an encoder-decoder model (T5, Marian, BART, mBART): encoder self-attention [S, S],
// decoder self-attention [T, T] (causal) and cross-attention [T, S], as transformers returns them in
// encoder_attentions / decoder_attentions / cross_attentions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "attention_maps/attention_maps.h"

namespace loom {

class Seq2SeqModel;

struct Seq2SeqCapture {
    AttentionMaps encoder;        // [enc layers, heads, S, S]
    AttentionMaps decoder;        // [dec layers, heads, T, T]
    AttentionMaps cross;          // [dec layers, heads, T, S]
    std::vector<int32_t> source;  // S ids
    std::vector<int32_t>
        target;  // T ids: the given target prefix (decoder start token first), then generated
    int64_t n_target_prefix = 0;
};

struct Seq2SeqCaptureOptions {
    AttentionSelection encoder_selection;  // layers of the encoder stack, heads
    AttentionSelection decoder_selection;  // layers of the decoder stack (self and cross), heads
    int64_t n_generate = 0;                // greedy tokens after the prefix, each run once (one row each)
    std::vector<int32_t> end_of_generation;
};

// Encodes `source`, runs `target_prefix` (teacher-forced, in one pass; must start with the decoder start
// token), then generates greedily. The model's hook is removed before returning. Throws loom::Error for an
// empty source or prefix.
Seq2SeqCapture capture_seq2seq_attention(Seq2SeqModel& model, std::span<const int32_t> source,
                                         std::span<const int32_t> target_prefix,
                                         const Seq2SeqCaptureOptions& options);

}  // namespace loom
