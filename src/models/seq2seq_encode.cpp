// The encoder pass of Seq2SeqModel, for one source or several at once:
//   x = embed(src) * embed_scale (+ positions) (-> embed_norm)
//   per layer: x = sublayer(x, self_attn), x = sublayer(x, ffn)      -> final_norm
// then every decoder layer's cross-attention K/V of the result, computed here once per source.
// Batched, the sources' rows are stacked ([sum T_s, d_model]) so every linear runs once over all of them (a
// tall matmul instead of one short one per source); attention stays within each source.
#include <algorithm>

#include "core/error.h"
#include "models/seq2seq_attention.h"
#include "models/seq2seq_layers.h"

namespace loom {
namespace {

// T5: bias[h][i][j] = relative_bias[bucket(j - i)][h] for one source of T tokens.  -> [H, T, T]
void t5_encoder_relative_bias(const Seq2SeqWeights& w, int64_t H, int64_t T, float* bias) {
    for (int64_t i = 0; i < T; ++i)
        for (int64_t j = 0; j < T; ++j) {
            const int64_t b = t5_relative_bucket(j - i, true, w.relative_buckets, w.relative_max_distance);
            for (int64_t h = 0; h < H; ++h) bias[(h * T + i) * T + j] = w.encoder.relative_bias[b * H + h];
        }
}

}  // namespace

std::shared_ptr<const Seq2SeqEncoded> Seq2SeqModel::encode(std::span<const int32_t> source_ids) const {
    const std::vector<int32_t> one(source_ids.begin(), source_ids.end());
    return encode_batch({&one, 1}).at(0);
}

std::vector<std::shared_ptr<const Seq2SeqEncoded>> Seq2SeqModel::encode_batch(
    std::span<const std::vector<int32_t>> sources) const {
    const Seq2SeqConfig& c = config_;
    const Seq2SeqWeights& w = *weights_;
    const int64_t D = c.d_model, H = c.n_head, hd = c.head_dim, inner = H * hd;
    const int64_t n_src = static_cast<int64_t>(sources.size());
    // Row r of the stack belongs to source row_source[r], at position positions[r] of it.
    std::vector<int64_t> first_row(n_src + 1, 0), bias_offset(n_src + 1, 0);
    int64_t max_T = 0;
    for (int64_t s = 0; s < n_src; ++s) {
        const int64_t T = static_cast<int64_t>(sources[s].size());
        if (T == 0) throw Error("encode: empty source");
        if (!c.positions_unbounded && T > c.max_source_positions)
            throw Error("source of " + std::to_string(T) + " tokens is longer than the encoder allows (" +
                        std::to_string(c.max_source_positions) + ")")
                .hint("shorten the input or pass --truncate");
        first_row[s + 1] = first_row[s] + T;
        bias_offset[s + 1] = bias_offset[s] + H * T * T;
        max_T = std::max(max_T, T);
    }
    const int64_t R = first_row[n_src];
    std::vector<int32_t> tokens;
    std::vector<int64_t> positions, row_source;
    tokens.reserve(R);
    for (int64_t s = 0; s < n_src; ++s)
        for (size_t t = 0; t < sources[s].size(); ++t) {
            tokens.push_back(sources[s][t]);
            positions.push_back(static_cast<int64_t>(t));
            row_source.push_back(s);
        }
    std::vector<float> x(R * D);                 // [R, D]
    float* in = seq2seq_scratch<0>(R * D);       // [R, D]
    float* out = seq2seq_scratch<1>(R * D);      // [R, D]
    float* q = seq2seq_scratch<2>(R * inner);    // [R, inner]
    float* k = seq2seq_scratch<3>(R * inner);    // [R, inner]
    float* v = seq2seq_scratch<4>(R * inner);    // [R, inner]
    float* att = seq2seq_scratch<5>(R * inner);  // [R, inner]
    seq2seq_embed(w, w.encoder, tokens, positions, x.data(), D);

    std::vector<float> bias;  // T5: per source [H, T_s, T_s], shared by every layer
    if (!w.encoder.relative_bias.empty()) {
        bias.resize(bias_offset[n_src]);
        for (int64_t s = 0; s < n_src; ++s)
            t5_encoder_relative_bias(w, H, first_row[s + 1] - first_row[s], bias.data() + bias_offset[s]);
    }
    for (int64_t l = 0; l < c.n_encoder_layers; ++l) {
        const Seq2SeqLayerWeights& L = w.encoder.layers[l];
        seq2seq_sublayer(w.pre_norm, L.self_norm, x.data(), in, out, R, D, [&](const float* h_in, float* o) {
            L.self.q.forward(h_in, q, R);
            L.self.k.forward(h_in, k, R);
            L.self.v.forward(h_in, v, R);
            parallel_for(R * H, seq2seq_attention_grain(max_T, hd), [&](int64_t begin, int64_t end) {
                float* weights = seq2seq_scratch<6>(max_T);  // [T_s]
                for (int64_t item = begin; item < end; ++item) {
                    const int64_t r = item / H, h = item % H, s = row_source[r];
                    const int64_t r0 = first_row[s], T = first_row[s + 1] - r0, i = r - r0;
                    const KeyValueRun kv{k + r0 * inner + h * hd, v + r0 * inner + h * hd, inner, T};
                    attend_row(att + r * inner + h * hd, q + r * inner + h * hd, kv, hd, w.attention_scale,
                               bias.empty() ? nullptr : bias.data() + bias_offset[s] + (h * T + i) * T,
                               weights);
                    if (attention_hook_)
                        attention_hook_(Seq2SeqAttentionKind::EncoderSelf, l, h, i,
                                        std::span<const float>(weights, T));
                }
            });
            L.self.o.forward(att, o, R);
        });
        seq2seq_sublayer(w.pre_norm, L.ffn_norm, x.data(), in, out, R, D,
                         [&](const float* h_in, float* o) { seq2seq_ffn(L.ffn, w.activation, o, h_in, R); });
    }
    if (seq2seq_has_norm(w.encoder.final_norm)) w.encoder.final_norm.forward(x.data(), x.data(), R);

    std::vector<std::shared_ptr<Seq2SeqEncoded>> encoded(n_src);
    for (int64_t s = 0; s < n_src; ++s) {
        const int64_t T = first_row[s + 1] - first_row[s];
        auto& e = encoded[s] = std::make_shared<Seq2SeqEncoded>();
        e->n_source = T;
        e->hidden.assign(x.begin() + first_row[s] * D, x.begin() + first_row[s + 1] * D);
        e->cross_k.resize(c.n_decoder_layers * H * T * hd);
        e->cross_v.resize(c.n_decoder_layers * H * T * hd);
    }
    for (int64_t l = 0; l < c.n_decoder_layers; ++l) {
        const Seq2SeqAttentionWeights& A = w.decoder.layers[l].cross;
        A.k.forward(x.data(), k, R);  // [R, inner]
        A.v.forward(x.data(), v, R);
        for (int64_t s = 0; s < n_src; ++s) {  // -> per source [H, T_s, hd]
            Seq2SeqEncoded& e = *encoded[s];
            const int64_t T = e.n_source, r0 = first_row[s];
            for (int64_t h = 0; h < H; ++h)
                for (int64_t t = 0; t < T; ++t) {
                    const int64_t dst = ((l * H + h) * T + t) * hd, src = (r0 + t) * inner + h * hd;
                    std::copy_n(k + src, hd, e.cross_k.data() + dst);
                    std::copy_n(v + src, hd, e.cross_v.data() + dst);
                }
        }
    }
    return {encoded.begin(), encoded.end()};
}

}  // namespace loom
