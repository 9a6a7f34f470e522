// Running a model with an AttentionRecorder installed: the decoder path (prompt, then greedy generation with
// one attention row per generated token) and the encoder path (one sequence).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "attention_maps/attention_maps.h"

namespace loom {

class DecoderModel;
class EncoderModel;
struct EncoderBatch;

struct DecoderCapture {
    AttentionMaps maps;           // [layers, heads, tokens, tokens]
    std::vector<int32_t> tokens;  // the prompt, then the generated ids
    int64_t n_prompt = 0;
};

// Runs `prompt` in one batched pass, then generates up to n_generate tokens greedily (argmax), stopping after
// an id in end_of_generation. Every generated token is also run through the model once, so it has its own
// row: the maps are square over prompt + generated tokens. The model's hook is removed before returning (also
// on error). Throws loom::Error for an empty prompt or a bad selection.
DecoderCapture capture_decoder_attention(DecoderModel& model, std::span<const int32_t> prompt,
                                         int64_t n_generate, const AttentionSelection& selection,
                                         std::span<const int32_t> end_of_generation = {});

// One sequence (batch.batch must be 1) through the encoder: [layers, heads, T, T].
AttentionMaps capture_encoder_attention(const EncoderModel& model, const EncoderBatch& batch,
                                        const AttentionSelection& selection);

}  // namespace loom
