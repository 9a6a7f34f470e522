#include "attention_maps/attention_capture.h"

#include <algorithm>

#include "core/error.h"
#include "models/bert.h"
#include "models/decoder_model.h"

namespace loom {
namespace {

// Removes the model's hook when the capture ends, however it ends.
struct HookGuard {
    DecoderModel& model;
    ~HookGuard() { model.set_attention_hook({}); }
};

}  // namespace

DecoderCapture capture_decoder_attention(DecoderModel& model, std::span<const int32_t> prompt,
                                         int64_t n_generate, const AttentionSelection& selection,
                                         std::span<const int32_t> end_of_generation) {
    if (prompt.empty()) throw Error("attention: empty prompt");
    if (n_generate < 0) throw Error("attention: --generate must be >= 0");
    const ModelConfig& c = model.config();
    const int64_t max_tokens = static_cast<int64_t>(prompt.size()) + n_generate;
    AttentionRecorder recorder(c.n_layer, c.n_head, max_tokens, selection);
    KvCache cache = model.make_cache(max_tokens);
    std::vector<float> logits(static_cast<size_t>(c.n_vocab));  // [n_vocab] of the last position run

    DecoderCapture out;
    out.tokens.assign(prompt.begin(), prompt.end());
    out.n_prompt = static_cast<int64_t>(prompt.size());
    {
        model.set_attention_hook(recorder.hook());
        HookGuard guard{model};
        model.forward(prompt, cache, logits.data(), false);
        for (int64_t g = 0; g < n_generate; ++g) {
            const auto next =
                static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
            out.tokens.push_back(next);
            model.forward(std::span<const int32_t>(&next, 1), cache, logits.data(), false);
            if (std::find(end_of_generation.begin(), end_of_generation.end(), next) !=
                end_of_generation.end())
                break;
        }
    }
    out.maps = recorder.maps();
    return out;
}

AttentionMaps capture_encoder_attention(const EncoderModel& model, const EncoderBatch& batch,
                                        const AttentionSelection& selection) {
    if (batch.batch != 1) throw Error("attention: the encoder path records one sequence at a time");
    const EncoderConfig& c = model.config();
    AttentionRecorder recorder(c.n_layers, c.n_heads, batch.seq_len, selection);
    const AttentionWeightsHook hook = recorder.hook();
    model.forward(batch, &hook);
    return recorder.maps();
}

}  // namespace loom
