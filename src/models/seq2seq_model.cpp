// Seq2SeqModel: loading, and the decoder pass over Seq2SeqWeights (the same code for T5, Marian, BART,
// mBART; the encoder pass is in seq2seq_encode.cpp):
//   decoder:  x = embed(tgt) * embed_scale (+ positions) (-> embed_norm)
//             per layer: x = sublayer(x, self_attn), sublayer(x, cross_attn), sublayer(x, ffn)
//             logits = lm_head(final_norm(x) * lm_head_scale) + final_logits_bias
// where sublayer(x, f) = x + f(norm(x)) for pre-norm models (T5, mBART), norm(x + f(x)) for post-norm ones
// (BART, Marian).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/parallel.h"
#include "formats/model_source.h"
#include "kernels/cpu/ops.h"
#include "models/seq2seq_attention.h"
#include "models/seq2seq_layers.h"
#include "models/seq2seq_weights.h"

namespace loom {

struct Seq2SeqModel::DecodeRow {
    Seq2SeqState* state;
    int64_t pos;
    int32_t token;
};

Seq2SeqModel::Seq2SeqModel(Seq2SeqConfig config, std::unique_ptr<Seq2SeqWeights> weights)
    : config_(std::move(config)), weights_(std::move(weights)) {}

Seq2SeqModel::~Seq2SeqModel() = default;

std::unique_ptr<Seq2SeqModel> Seq2SeqModel::load(const ModelSource& source) {
    if (!source.hf_config.is_object())  // HF folders, and GGUFs seen as one (formats/gguf_hf_view.h)
        throw Error("encoder-decoder models load from Hugging Face folders or T5 / BART / Marian GGUF files")
            .file(source.path);
    Seq2SeqConfig config = seq2seq_config_from_hf(source.hf_config);
    if (!source.generation_config_path.empty()) {
        const auto gen = nlohmann::json::parse(read_json_text(source.generation_config_path), nullptr,
                                               /*allow_exceptions=*/false);
        if (gen.is_discarded())
            throw Error("generation_config.json is not valid JSON").file(source.generation_config_path);
        apply_hf_generation_config(config, gen);
    }
    std::unique_ptr<Seq2SeqWeights> weights =
        config.arch == Seq2SeqArch::T5 ? load_t5_weights(source, config) : load_bart_weights(source, config);
    config.n_vocab = weights->lm_head.out_features();
    pack_seq2seq_weights(*weights);  // once here, so no matmul packs or re-reads W in tiles per step
    return std::unique_ptr<Seq2SeqModel>(new Seq2SeqModel(std::move(config), std::move(weights)));
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
    // Per-thread buffers kept between steps: decoding allocates nothing but K/V cache growth.
    float* x = seq2seq_scratch<10>(R * D);        // [R, D]
    float* in = seq2seq_scratch<11>(R * D);       // [R, D]
    float* out = seq2seq_scratch<12>(R * D);      // [R, D]
    float* q = seq2seq_scratch<13>(R * inner);    // [R, inner]
    float* k = seq2seq_scratch<14>(R * inner);    // [R, inner]
    float* v = seq2seq_scratch<15>(R * inner);    // [R, inner]
    float* att = seq2seq_scratch<16>(R * inner);  // [R, inner]
    seq2seq_embed(w, w.decoder, tokens, positions, x, D);

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
        seq2seq_sublayer(w.pre_norm, L.self_norm, x, in, out, R, D, [&](const float* h_in, float* o) {
            L.self.q.forward(h_in, q, R);
            L.self.k.forward(h_in, k, R);
            L.self.v.forward(h_in, v, R);
            for (int64_t r = 0; r < R; ++r) {  // append this layer's K/V at each row's position
                float* dst = rows[r].state->self_kv.data() + rows[r].pos * pos_stride + l * 2 * inner;
                std::copy_n(k + r * inner, inner, dst);
                std::copy_n(v + r * inner, inner, dst + inner);
            }
            parallel_for(R * H, seq2seq_attention_grain(max_keys, hd), [&](int64_t begin, int64_t end) {
                float* weights = seq2seq_scratch<17>(max_keys);  // [keys]
                for (int64_t item = begin; item < end; ++item) {
                    const int64_t r = item / H, h = item % H;
                    const float* base = rows[r].state->self_kv.data() + l * 2 * inner + h * hd;
                    const KeyValueRun kv{base, base + inner, pos_stride, rows[r].pos + 1};
                    attend_row(att + r * inner + h * hd, q + r * inner + h * hd, kv, hd, w.attention_scale,
                               bias.empty() ? nullptr : bias.data() + (r * H + h) * max_keys, weights);
                    if (attention_hook_)
                        attention_hook_(Seq2SeqAttentionKind::DecoderSelf, l, h, rows[r].pos,
                                        std::span<const float>(weights, kv.n));
                }
            });
            L.self.o.forward(att, o, R);
        });
        seq2seq_sublayer(w.pre_norm, L.cross_norm, x, in, out, R, D, [&](const float* h_in, float* o) {
            L.cross.q.forward(h_in, q, R);
            parallel_for(R * H, seq2seq_attention_grain(max_keys, hd), [&](int64_t begin, int64_t end) {
                float* weights = seq2seq_scratch<17>(max_keys);  // [keys]
                for (int64_t item = begin; item < end; ++item) {
                    const int64_t r = item / H, h = item % H;
                    const Seq2SeqEncoded& enc = *rows[r].state->encoded;
                    const int64_t S = enc.n_source, off = ((l * H) + h) * S * hd;
                    const KeyValueRun kv{enc.cross_k.data() + off, enc.cross_v.data() + off, hd, S};
                    attend_row(att + r * inner + h * hd, q + r * inner + h * hd, kv, hd, w.attention_scale,
                               nullptr, weights);
                    if (attention_hook_)
                        attention_hook_(Seq2SeqAttentionKind::Cross, l, h, rows[r].pos,
                                        std::span<const float>(weights, S));
                }
            });
            L.cross.o.forward(att, o, R);
        });
        seq2seq_sublayer(w.pre_norm, L.ffn_norm, x, in, out, R, D,
                         [&](const float* h_in, float* o) { seq2seq_ffn(L.ffn, w.activation, o, h_in, R); });
    }
    // Gather the rows that want logits: [n_out, D].
    const int64_t n_out = static_cast<int64_t>(logit_rows.size());
    for (int64_t i = 0; i < n_out; ++i) std::copy_n(x + logit_rows[i] * D, D, in + i * D);
    if (seq2seq_has_norm(w.decoder.final_norm)) w.decoder.final_norm.forward(in, in, n_out);
    if (w.lm_head_scale != 1.0f) scale(in, w.lm_head_scale, n_out * D);
    w.lm_head.forward(in, logits, n_out);  // [n_out, n_vocab]
    if (!w.final_logits_bias.empty())
        for (int64_t i = 0; i < n_out; ++i)
            add(logits + i * c.n_vocab, logits + i * c.n_vocab, w.final_logits_bias.data(), c.n_vocab);
}

}  // namespace loom
