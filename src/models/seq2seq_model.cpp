// The forward passes of Seq2SeqModel over Seq2SeqWeights (the same code for T5, Marian, BART, mBART):
//   encoder:  x = embed(src) * embed_scale (+ positions) (-> embed_norm)
//             per layer: x = sublayer(x, self_attn), x = sublayer(x, ffn)      -> final_norm
//   decoder:  the same with a cross-attention sublayer over the encoder output between the two,
//             logits = lm_head(final_norm(x) * lm_head_scale) + final_logits_bias
// where sublayer(x, f) = x + f(norm(x)) for pre-norm models (T5, mBART), norm(x + f(x)) for post-norm ones
// (BART, Marian).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/parallel.h"
#include "formats/model_source.h"
#include "kernels/cpu/ops.h"
#include "models/seq2seq_attention.h"
#include "models/seq2seq_weights.h"

namespace loom {

namespace {
// Attention items (query row x head) per parallel chunk: about 64k multiply-adds each, so tiny models and
// single-token steps stay on the calling thread.
int64_t attention_grain(int64_t n_keys, int64_t head_dim) {
    return std::max<int64_t>(1, 65536 / (2 * n_keys * head_dim));
}
}  // namespace

struct Seq2SeqModel::DecodeRow {
    Seq2SeqState* state;
    int64_t pos;
    int32_t token;
};

namespace {

void apply_activation(Seq2SeqActivation act, float* x, int64_t n) {
    switch (act) {
        case Seq2SeqActivation::Relu:
            for (int64_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
            break;
        case Seq2SeqActivation::GeluErf:
            gelu_erf(x, n);
            break;
        case Seq2SeqActivation::GeluTanh:
            gelu_tanh(x, n);
            break;
        case Seq2SeqActivation::Silu:
            silu(x, n);
            break;
    }
}

// out: [T, d_model], x: [T, d_model] (may alias).
void run_ffn(const Seq2SeqFfnWeights& f, Seq2SeqActivation act, float* out, const float* x, int64_t T) {
    const int64_t F = f.up.out_features();
    std::vector<float> up(T * F);  // [T, F]
    f.up.forward(x, up.data(), T);
    if (f.gated) {
        std::vector<float> gate(T * F);  // [T, F]
        f.gate.forward(x, gate.data(), T);
        apply_activation(act, gate.data(), T * F);
        mul(up.data(), up.data(), gate.data(), T * F);
    } else {
        apply_activation(act, up.data(), T * F);
    }
    f.down.forward(up.data(), out, T);
}

bool has(const Norm& n) {
    return !n.weight.empty();
}

// Token embeddings (scaled) plus absolute positions; positions[t] is the position of row t.
void embed(const Seq2SeqWeights& w, const Seq2SeqStackWeights& stack, std::span<const int32_t> tokens,
           std::span<const int64_t> positions, float* x, int64_t D) {
    const int64_t n_rows = w.embed_tokens.dim(0);
    const bool has_positions = stack.positions.rank() == 2;  // T5 has none
    std::vector<float> pos_row(has_positions ? D : 0);
    for (size_t t = 0; t < tokens.size(); ++t) {
        if (tokens[t] < 0 || tokens[t] >= n_rows)
            throw Error("token id " + std::to_string(tokens[t]) + " outside the vocabulary [0, " +
                        std::to_string(n_rows) + ")");
        float* row = x + t * D;
        embedding_row(w.embed_tokens, tokens[t], row);
        if (w.embed_scale != 1.0f) scale(row, w.embed_scale, D);
        if (has_positions) {
            embedding_row(stack.positions, positions[t] + stack.position_offset, pos_row.data());
            add(row, row, pos_row.data(), D);
        }
    }
    if (has(stack.embed_norm)) stack.embed_norm.forward(x, x, static_cast<int64_t>(tokens.size()));
}

// x = sublayer(x, f): f reads its input from `in` and writes `out` ([T, D] scratch buffers).
template <typename F>
void sublayer(bool pre_norm, const Norm& norm, float* x, float* in, float* out, int64_t T, int64_t D, F&& f) {
    if (pre_norm) {
        norm.forward(in, x, T);
        f(in, out);
        add(x, x, out, T * D);
    } else {
        f(x, out);
        add(x, x, out, T * D);
        norm.forward(x, x, T);
    }
}

}  // namespace

Seq2SeqModel::Seq2SeqModel(Seq2SeqConfig config, std::unique_ptr<Seq2SeqWeights> weights)
    : config_(std::move(config)), weights_(std::move(weights)) {}

Seq2SeqModel::~Seq2SeqModel() = default;

std::unique_ptr<Seq2SeqModel> Seq2SeqModel::load(const ModelSource& source) {
    if (source.format != SourceFormat::HuggingFace)
        throw Error(
            "encoder-decoder models load from Hugging Face folders only (GGUF T5 is not supported yet)")
            .file(source.path);
    Seq2SeqConfig config = seq2seq_config_from_hf(source.hf_config);
    if (!source.generation_config_path.empty()) {
        std::ifstream in(source.generation_config_path);
        const auto gen = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
        if (gen.is_discarded())
            throw Error("generation_config.json is not valid JSON").file(source.generation_config_path);
        apply_hf_generation_config(config, gen);
    }
    std::unique_ptr<Seq2SeqWeights> weights =
        config.arch == Seq2SeqArch::T5 ? load_t5_weights(source, config) : load_bart_weights(source, config);
    config.n_vocab = weights->lm_head.out_features();
    return std::unique_ptr<Seq2SeqModel>(new Seq2SeqModel(std::move(config), std::move(weights)));
}

std::shared_ptr<const Seq2SeqEncoded> Seq2SeqModel::encode(std::span<const int32_t> source_ids) const {
    const Seq2SeqConfig& c = config_;
    const Seq2SeqWeights& w = *weights_;
    const int64_t T = static_cast<int64_t>(source_ids.size()), D = c.d_model, H = c.n_head, hd = c.head_dim;
    const int64_t inner = H * hd;
    if (T == 0) throw Error("encode: empty source");
    if (!c.positions_unbounded && T > c.max_source_positions)
        throw Error("source of " + std::to_string(T) + " tokens is longer than the encoder allows (" +
                    std::to_string(c.max_source_positions) + ")")
            .hint("shorten the input or pass --truncate");
    std::vector<int64_t> positions(T);
    for (int64_t t = 0; t < T; ++t) positions[t] = t;
    std::vector<float> x(T * D), in(T * D), out(T * D);                           // [T, D]
    std::vector<float> q(T * inner), k(T * inner), v(T * inner), att(T * inner);  // [T, inner]
    embed(w, w.encoder, source_ids, positions, x.data(), D);

    // T5: bias[h][i][j] = relative_bias[bucket(j - i)][h], shared by every layer.  [H, T, T]
    std::vector<float> bias;
    if (!w.encoder.relative_bias.empty()) {
        bias.resize(H * T * T);
        for (int64_t i = 0; i < T; ++i)
            for (int64_t j = 0; j < T; ++j) {
                const int64_t b =
                    t5_relative_bucket(j - i, true, w.relative_buckets, w.relative_max_distance);
                for (int64_t h = 0; h < H; ++h)
                    bias[(h * T + i) * T + j] = w.encoder.relative_bias[b * H + h];
            }
    }
    for (int64_t l = 0; l < c.n_encoder_layers; ++l) {
        const Seq2SeqLayerWeights& L = w.encoder.layers[l];
        sublayer(
            w.pre_norm, L.self_norm, x.data(), in.data(), out.data(), T, D, [&](const float* h_in, float* o) {
                L.self.q.forward(h_in, q.data(), T);
                L.self.k.forward(h_in, k.data(), T);
                L.self.v.forward(h_in, v.data(), T);
                parallel_for(T * H, attention_grain(T, hd), [&](int64_t begin, int64_t end) {
                    std::vector<float> weights(T);
                    for (int64_t item = begin; item < end; ++item) {
                        const int64_t i = item / H, h = item % H;
                        const KeyValueRun kv{k.data() + h * hd, v.data() + h * hd, inner, T};
                        attend_row(att.data() + i * inner + h * hd, q.data() + i * inner + h * hd, kv, hd,
                                   w.attention_scale, bias.empty() ? nullptr : bias.data() + (h * T + i) * T,
                                   weights.data());
                        if (attention_hook_)
                            attention_hook_(Seq2SeqAttentionKind::EncoderSelf, l, h, i, weights);
                    }
                });
                L.self.o.forward(att.data(), o, T);
            });
        sublayer(w.pre_norm, L.ffn_norm, x.data(), in.data(), out.data(), T, D,
                 [&](const float* h_in, float* o) { run_ffn(L.ffn, w.activation, o, h_in, T); });
    }
    if (has(w.encoder.final_norm)) w.encoder.final_norm.forward(x.data(), x.data(), T);

    auto enc = std::make_shared<Seq2SeqEncoded>();
    enc->n_source = T;
    enc->hidden = std::move(x);
    enc->cross_k.resize(c.n_decoder_layers * H * T * hd);
    enc->cross_v.resize(c.n_decoder_layers * H * T * hd);
    for (int64_t l = 0; l < c.n_decoder_layers; ++l) {
        const Seq2SeqAttentionWeights& A = w.decoder.layers[l].cross;
        A.k.forward(enc->hidden.data(), k.data(), T);  // [T, inner]
        A.v.forward(enc->hidden.data(), v.data(), T);
        for (int64_t h = 0; h < H; ++h)  // -> [H, T, hd]
            for (int64_t t = 0; t < T; ++t) {
                const int64_t dst = ((l * H + h) * T + t) * hd;
                std::copy_n(k.data() + t * inner + h * hd, hd, enc->cross_k.data() + dst);
                std::copy_n(v.data() + t * inner + h * hd, hd, enc->cross_v.data() + dst);
            }
    }
    return enc;
}

Seq2SeqState Seq2SeqModel::start(std::shared_ptr<const Seq2SeqEncoded> encoded,
                                 int64_t max_target_len) const {
    if (!encoded) throw Error("start: no encoded source");
    if (max_target_len <= 0) throw Error("start: max_target_len must be positive");
    if (!config_.positions_unbounded && max_target_len > config_.max_target_positions)
        throw Error("target length " + std::to_string(max_target_len) + " exceeds the decoder's " +
                    std::to_string(config_.max_target_positions) + " positions");
    Seq2SeqState st;
    st.encoded = std::move(encoded);
    st.max_target = max_target_len;
    st.self_kv.reserve(std::min<int64_t>(max_target_len, 64) * config_.n_decoder_layers * 2 * config_.n_head *
                       config_.head_dim);
    return st;
}

void Seq2SeqModel::decode(Seq2SeqState& state, std::span<const int32_t> tokens, float* logits,
                          bool all_logits) const {
    const int64_t n = static_cast<int64_t>(tokens.size());
    if (n == 0) throw Error("decode: no tokens");
    if (!state.encoded) throw Error("decode: state has no encoded source (call start())");
    if (state.n_past + n > state.max_target)
        throw Error("decode: target of " + std::to_string(state.n_past + n) +
                    " positions exceeds the state's " + std::to_string(state.max_target));
    std::vector<DecodeRow> rows;
    for (int64_t i = 0; i < n; ++i) rows.push_back({&state, state.n_past + i, tokens[i]});
    std::vector<int64_t> logit_rows;
    for (int64_t i = all_logits ? 0 : n - 1; i < n; ++i) logit_rows.push_back(i);
    run_decoder(rows, logits, logit_rows);
    state.n_past += n;
}

void Seq2SeqModel::decode_batch(std::span<Seq2SeqState* const> states, std::span<const int32_t> tokens,
                                float* logits) const {
    if (states.empty()) throw Error("decode_batch: no states");
    if (states.size() != tokens.size())
        throw Error("decode_batch: " + std::to_string(tokens.size()) + " tokens for " +
                    std::to_string(states.size()) + " states");
    std::vector<DecodeRow> rows;
    std::vector<int64_t> logit_rows;
    for (size_t i = 0; i < states.size(); ++i) {
        Seq2SeqState* st = states[i];
        if (!st || !st->encoded) throw Error("decode_batch: state " + std::to_string(i) + " was not started");
        if (st->n_past + 1 > st->max_target)
            throw Error("decode_batch: state " + std::to_string(i) + " is full (" +
                        std::to_string(st->max_target) + " positions)");
        for (size_t j = 0; j < i; ++j)
            if (states[j] == st) throw Error("decode_batch: one state given twice");
        rows.push_back({st, st->n_past, tokens[i]});
        logit_rows.push_back(static_cast<int64_t>(i));
    }
    run_decoder(rows, logits, logit_rows);
    for (Seq2SeqState* st : states) st->n_past += 1;
}

void Seq2SeqModel::run_decoder(std::span<const DecodeRow> rows, float* logits,
                               std::span<const int64_t> logit_rows) const {
    const Seq2SeqConfig& c = config_;
    const Seq2SeqWeights& w = *weights_;
    const int64_t R = static_cast<int64_t>(rows.size()), D = c.d_model, H = c.n_head, hd = c.head_dim;
    const int64_t inner = H * hd, L_n = c.n_decoder_layers;
    const int64_t pos_stride = L_n * 2 * inner;  // floats per target position in Seq2SeqState::self_kv

    std::vector<int32_t> tokens(R);
    std::vector<int64_t> positions(R);
    int64_t max_keys = 0;
    for (int64_t r = 0; r < R; ++r) {
        tokens[r] = rows[r].token;
        positions[r] = rows[r].pos;
        max_keys = std::max({max_keys, rows[r].pos + 1, rows[r].state->encoded->n_source});
        Seq2SeqState& st = *rows[r].state;
        const size_t need = static_cast<size_t>((rows[r].pos + 1) * pos_stride);
        if (st.self_kv.size() < need) st.self_kv.resize(need);
    }
    std::vector<float> x(R * D), in(R * D), out(R * D);                           // [R, D]
    std::vector<float> q(R * inner), k(R * inner), v(R * inner), att(R * inner);  // [R, inner]
    embed(w, w.decoder, tokens, positions, x.data(), D);

    // T5: bias[r][h][j] = relative_bias[bucket(j - pos_r)][h] for keys j <= pos_r.  [R, H, max_keys]
    std::vector<float> bias;
    if (!w.decoder.relative_bias.empty()) {
        bias.resize(R * H * max_keys);
        for (int64_t r = 0; r < R; ++r)
            for (int64_t j = 0; j <= positions[r]; ++j) {
                const int64_t b =
                    t5_relative_bucket(j - positions[r], false, w.relative_buckets, w.relative_max_distance);
                for (int64_t h = 0; h < H; ++h)
                    bias[(r * H + h) * max_keys + j] = w.decoder.relative_bias[b * H + h];
            }
    }
    for (int64_t l = 0; l < L_n; ++l) {
        const Seq2SeqLayerWeights& L = w.decoder.layers[l];
        sublayer(
            w.pre_norm, L.self_norm, x.data(), in.data(), out.data(), R, D, [&](const float* h_in, float* o) {
                L.self.q.forward(h_in, q.data(), R);
                L.self.k.forward(h_in, k.data(), R);
                L.self.v.forward(h_in, v.data(), R);
                for (int64_t r = 0; r < R; ++r) {  // append this layer's K/V at each row's position
                    float* dst = rows[r].state->self_kv.data() + rows[r].pos * pos_stride + l * 2 * inner;
                    std::copy_n(k.data() + r * inner, inner, dst);
                    std::copy_n(v.data() + r * inner, inner, dst + inner);
                }
                parallel_for(R * H, attention_grain(max_keys, hd), [&](int64_t begin, int64_t end) {
                    std::vector<float> weights(max_keys);
                    for (int64_t item = begin; item < end; ++item) {
                        const int64_t r = item / H, h = item % H;
                        const float* base = rows[r].state->self_kv.data() + l * 2 * inner + h * hd;
                        const KeyValueRun kv{base, base + inner, pos_stride, rows[r].pos + 1};
                        attend_row(att.data() + r * inner + h * hd, q.data() + r * inner + h * hd, kv, hd,
                                   w.attention_scale,
                                   bias.empty() ? nullptr : bias.data() + (r * H + h) * max_keys,
                                   weights.data());
                        if (attention_hook_)
                            attention_hook_(Seq2SeqAttentionKind::DecoderSelf, l, h, rows[r].pos,
                                            std::span<const float>(weights.data(), kv.n));
                    }
                });
                L.self.o.forward(att.data(), o, R);
            });
        sublayer(w.pre_norm, L.cross_norm, x.data(), in.data(), out.data(), R, D,
                 [&](const float* h_in, float* o) {
                     L.cross.q.forward(h_in, q.data(), R);
                     parallel_for(R * H, attention_grain(max_keys, hd), [&](int64_t begin, int64_t end) {
                         std::vector<float> weights(max_keys);
                         for (int64_t item = begin; item < end; ++item) {
                             const int64_t r = item / H, h = item % H;
                             const Seq2SeqEncoded& enc = *rows[r].state->encoded;
                             const int64_t S = enc.n_source, off = ((l * H) + h) * S * hd;
                             const KeyValueRun kv{enc.cross_k.data() + off, enc.cross_v.data() + off, hd, S};
                             attend_row(att.data() + r * inner + h * hd, q.data() + r * inner + h * hd, kv,
                                        hd, w.attention_scale, nullptr, weights.data());
                             if (attention_hook_)
                                 attention_hook_(Seq2SeqAttentionKind::Cross, l, h, rows[r].pos,
                                                 std::span<const float>(weights.data(), S));
                         }
                     });
                     L.cross.o.forward(att.data(), o, R);
                 });
        sublayer(w.pre_norm, L.ffn_norm, x.data(), in.data(), out.data(), R, D,
                 [&](const float* h_in, float* o) { run_ffn(L.ffn, w.activation, o, h_in, R); });
    }
    // Gather the rows that want logits: [n_out, D].
    const int64_t n_out = static_cast<int64_t>(logit_rows.size());
    for (int64_t i = 0; i < n_out; ++i) std::copy_n(x.data() + logit_rows[i] * D, D, in.data() + i * D);
    if (has(w.decoder.final_norm)) w.decoder.final_norm.forward(in.data(), in.data(), n_out);
    if (w.lm_head_scale != 1.0f) scale(in.data(), w.lm_head_scale, n_out * D);
    w.lm_head.forward(in.data(), logits, n_out);  // [n_out, n_vocab]
    if (!w.final_logits_bias.empty())
        for (int64_t i = 0; i < n_out; ++i)
            add(logits + i * c.n_vocab, logits + i * c.n_vocab, w.final_logits_bias.data(), c.n_vocab);
}

}  // namespace loom
