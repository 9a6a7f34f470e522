#include "attention_maps/attention_seq2seq.h"

#include <algorithm>

#include "core/error.h"
#include "models/seq2seq_model.h"

namespace loom {
namespace {

struct Seq2SeqHookGuard {
    Seq2SeqModel& model;
    ~Seq2SeqHookGuard() { model.set_attention_hook({}); }
};

}  // namespace

Seq2SeqCapture capture_seq2seq_attention(Seq2SeqModel& model, std::span<const int32_t> source,
                                         std::span<const int32_t> target_prefix,
                                         const Seq2SeqCaptureOptions& o) {
    if (source.empty()) throw Error("attention: empty source");
    if (target_prefix.empty()) throw Error("attention: the target must start with the decoder start token");
    if (o.n_generate < 0) throw Error("attention: --generate must be >= 0");
    const Seq2SeqConfig& c = model.config();
    const auto S = static_cast<int64_t>(source.size());
    const int64_t max_target = static_cast<int64_t>(target_prefix.size()) + o.n_generate;
    AttentionRecorder encoder(c.n_encoder_layers, c.n_head, S, o.encoder_selection);
    AttentionRecorder decoder(c.n_decoder_layers, c.n_head, max_target, o.decoder_selection);
    AttentionRecorder cross(c.n_decoder_layers, c.n_head, max_target, S, o.decoder_selection);
    const AttentionWeightsHook to_encoder = encoder.hook(), to_decoder = decoder.hook(),
                               to_cross = cross.hook();

    Seq2SeqCapture out;
    out.source.assign(source.begin(), source.end());
    out.target.assign(target_prefix.begin(), target_prefix.end());
    out.n_target_prefix = static_cast<int64_t>(target_prefix.size());
    {
        model.set_attention_hook([&](Seq2SeqAttentionKind kind, int64_t layer, int64_t head,
                                     int64_t query_pos, std::span<const float> weights) {
            const AttentionWeightsHook& to = kind == Seq2SeqAttentionKind::EncoderSelf   ? to_encoder
                                             : kind == Seq2SeqAttentionKind::DecoderSelf ? to_decoder
                                                                                         : to_cross;
            to(layer, head, query_pos, weights);
        });
        Seq2SeqHookGuard guard{model};
        std::vector<float> logits(static_cast<size_t>(c.n_vocab));  // [n_vocab] of the last target position
        Seq2SeqState state = model.start(model.encode(source), max_target);
        model.decode(state, target_prefix, logits.data(), false);
        for (int64_t g = 0; g < o.n_generate; ++g) {
            const auto next =
                static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
            out.target.push_back(next);
            model.decode(state, std::span<const int32_t>(&next, 1), logits.data(), false);
            if (std::find(o.end_of_generation.begin(), o.end_of_generation.end(), next) !=
                o.end_of_generation.end())
                break;
        }
    }
    out.encoder = encoder.maps();
    out.decoder = decoder.maps();
    out.cross = cross.maps();
    out.cross.n_tokens = out.decoder.n_tokens;  // the cross maps' rows are the decoder's
    return out;
}

}  // namespace loom
