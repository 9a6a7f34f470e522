#include "models/bert.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "formats/model_source.h"
#include "kernels/cpu/ops.h"
#include "models/encoder_attention.h"

namespace loom {
namespace {

// Tensor names of one layer, relative to the body prefix.
struct LayerNames {
    std::string query, key, value, attn_out, attn_norm, up, down, ffn_norm;
};

LayerNames layer_names(EncoderArch arch, int64_t i) {
    const std::string n = std::to_string(i);
    if (arch == EncoderArch::DistilBert) {
        const std::string p = "transformer.layer." + n + ".";
        return {p + "attention.q_lin", p + "attention.k_lin", p + "attention.v_lin", p + "attention.out_lin",
                p + "sa_layer_norm",   p + "ffn.lin1",        p + "ffn.lin2",        p + "output_layer_norm"};
    }
    const std::string p = "encoder.layer." + n + ".";
    return {p + "attention.self.query",
            p + "attention.self.key",
            p + "attention.self.value",
            p + "attention.output.dense",
            p + "attention.output.LayerNorm",
            p + "intermediate.dense",
            p + "output.dense",
            p + "output.LayerNorm"};
}

// Where the body sits: a bare model ("embeddings.…") or inside a task model ("bert.embeddings.…").
std::string find_prefix(const WeightMap& weights, const std::string& path) {
    for (const char* prefix : {"", "bert.", "roberta.", "distilbert.", "model."})
        if (weights.contains(std::string(prefix) + "embeddings.word_embeddings.weight")) return prefix;
    throw Error(
        "no encoder embeddings found (expected a tensor named like 'embeddings.word_embeddings.weight' or "
        "'bert.embeddings.word_embeddings.weight')")
        .file(path);
}

Norm load_layernorm(const WeightMap& w, const std::string& name, int64_t n, float eps) {
    Norm norm;
    norm.kind = Norm::Kind::Layer;
    norm.eps = eps;
    norm.weight = require_vector(w, name + ".weight", n);
    norm.bias = require_vector(w, name + ".bias", n);
    return norm;
}

Linear load_dense(const WeightMap& w, const std::string& name, int64_t out, int64_t in) {
    return load_linear(w, name + ".weight", out, in, name + ".bias", /*bias_required=*/true);
}

}  // namespace

void apply_activation(EncoderActivation act, float* x, int64_t n) {
    switch (act) {
        case EncoderActivation::GeluErf:
            gelu_erf(x, n);
            break;
        case EncoderActivation::GeluTanh:
            gelu_tanh(x, n);
            break;
        case EncoderActivation::Relu:
            for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
            break;
    }
}

std::unique_ptr<EncoderModel> EncoderModel::load(const ModelSource& source) {
    if (!source.hf_config.is_object())  // HF folders, and GGUFs seen as one (formats/gguf_hf_view.h)
        throw Error("encoder models are read from Hugging Face folders or GGUF files of `loom convert`")
            .file(source.path);
    std::unique_ptr<EncoderModel> m(new EncoderModel());
    m->config_ = encoder_config_from_hf(source.hf_config);
    m->weights_ = std::make_shared<const WeightMap>(source.weights);
    const WeightMap& w = *m->weights_;
    const EncoderConfig& c = m->config_;
    m->prefix_ = find_prefix(w, source.path);
    const std::string e = m->prefix_ + "embeddings.";
    const int64_t H = c.hidden;
    m->word_.table = require_tensor(w, e + "word_embeddings.weight", {c.vocab_size, H});
    m->position_.table = require_tensor(w, e + "position_embeddings.weight", {c.max_positions, H});
    if (c.type_vocab_size > 0)
        m->token_type_.table = require_tensor(w, e + "token_type_embeddings.weight", {c.type_vocab_size, H});
    m->embed_norm_ = load_layernorm(w, e + "LayerNorm", H, c.layer_norm_eps);
    const std::string body = m->prefix_;
    for (int64_t i = 0; i < c.n_layers; ++i) {
        const LayerNames n = layer_names(c.arch, i);
        EncoderLayer l;
        l.query = load_dense(w, body + n.query, H, H);
        l.key = load_dense(w, body + n.key, H, H);
        l.value = load_dense(w, body + n.value, H, H);
        l.attn_out = load_dense(w, body + n.attn_out, H, H);
        l.attn_norm = load_layernorm(w, body + n.attn_norm, H, c.layer_norm_eps);
        l.up = load_dense(w, body + n.up, c.ffn, H);
        l.down = load_dense(w, body + n.down, H, c.ffn);
        l.ffn_norm = load_layernorm(w, body + n.ffn_norm, H, c.layer_norm_eps);
        m->layers_.push_back(std::move(l));
    }
    m->packed_layers();  // pack the GEMM weights once, now rather than on the first batch
    return m;
}

// x: [B * T, hidden] = LayerNorm(word + position + token_type).
void EncoderModel::embed(const EncoderBatch& b, float* x) const {
    const int64_t H = config_.hidden, T = b.seq_len;
    word_.lookup(b.ids, x);
    std::vector<float> row(static_cast<size_t>(H));
    for (int64_t s = 0; s < b.batch; ++s) {
        int64_t real_before = 0;  // RoBERTa: count of non-pad ids so far in this sequence
        for (int64_t t = 0; t < T; ++t) {
            const int64_t r = s * T + t;
            int64_t pos = t;
            if (config_.arch == EncoderArch::Roberta) {
                // Position ids come from the ids themselves (not the attention mask), as in HF.
                pos = b.ids[r] == config_.pad_token_id ? config_.pad_token_id
                                                       : config_.pad_token_id + (++real_before);
            }
            embedding_row(position_.table, pos, row.data());
            add(x + r * H, x + r * H, row.data(), H);
            if (config_.type_vocab_size > 0) {
                const int32_t type = b.type_ids.empty() ? 0 : b.type_ids[r];
                if (type < 0 || type >= token_type_.rows())
                    throw Error("token type id " + std::to_string(type) + " outside [0, " +
                                std::to_string(token_type_.rows()) + ")");
                embedding_row(token_type_.table, type, row.data());
                add(x + r * H, x + r * H, row.data(), H);
            }
        }
    }
    embed_norm_.forward(x, x, b.batch * T);
}

std::vector<uint8_t> EncoderModel::checked_mask(const EncoderBatch& b) const {
    const int64_t B = b.batch, T = b.seq_len, M = B * T;
    if (B <= 0 || T <= 0) throw Error("encoder: empty batch (no sequences or no tokens)");
    if (static_cast<int64_t>(b.ids.size()) != M ||
        (!b.mask.empty() && static_cast<int64_t>(b.mask.size()) != M) ||
        (!b.type_ids.empty() && static_cast<int64_t>(b.type_ids.size()) != M))
        throw Error("encoder: batch arrays do not match " + std::to_string(B) + " x " + std::to_string(T));
    if (T > config_.max_sequence_length())
        throw Error("encoder: " + std::to_string(T) + " tokens, more than the model's maximum of " +
                    std::to_string(config_.max_sequence_length()))
            .hint("truncate the input");
    std::vector<uint8_t> mask = b.mask.empty() ? std::vector<uint8_t>(static_cast<size_t>(M), 1) : b.mask;
    for (int64_t s = 0; s < B; ++s)
        if (!mask[static_cast<size_t>(s * T)])
            throw Error("encoder: sequence " + std::to_string(s) + " starts with padding (pad on the right)");
    return mask;
}

const std::vector<PackedEncoderLayer>& EncoderModel::packed_layers() const {
    std::call_once(packed_once_, [this] { packed_ = pack_encoder_layers(layers_); });
    return packed_;
}

namespace {

// Real tokens of each sequence when its mask is 1...1 0...0 (right padding), else -1.
std::vector<int64_t> right_padded_lengths(const std::vector<uint8_t>& mask, int64_t B, int64_t T) {
    std::vector<int64_t> lengths(static_cast<size_t>(B));
    for (int64_t s = 0; s < B; ++s) {
        const uint8_t* m = mask.data() + s * T;
        int64_t n = 0;
        while (n < T && m[n]) ++n;
        for (int64_t t = n; t < T; ++t)
            if (m[t]) n = -1;
        lengths[static_cast<size_t>(s)] = n;
    }
    return lengths;
}

}  // namespace

std::vector<float> EncoderModel::forward(const EncoderBatch& b,
                                         const AttentionWeightsHook* weights_hook) const {
    const std::vector<uint8_t> mask = checked_mask(b);
    const int64_t B = b.batch, T = b.seq_len, M = B * T, H = config_.hidden, F = config_.ffn;
    std::vector<float> x(static_cast<size_t>(M * H));  // [M, H] residual stream
    embed(b, x.data());

    // Fast path: right-padded sequences (the observer, if any, sees the weights of the same kernels). Padded
    // query rows are computed (keys only over the real tokens), as PyTorch does.
    const std::vector<int64_t> lengths = right_padded_lengths(mask, B, T);
    const bool hook = weights_hook && *weights_hook;
    if (std::find(lengths.begin(), lengths.end(), -1) == lengths.end()) {
        std::vector<EncoderSpan> spans;
        for (int64_t s = 0; s < B; ++s) spans.push_back({s * T, T, lengths[static_cast<size_t>(s)]});
        run_encoder_layers(config_, layers_, packed_layers(), x.data(), M, spans,
                           hook ? weights_hook : nullptr, T);
        return x;
    }

    // Reference path: padding between tokens (any mask).
    std::vector<float> q(x.size()), k(x.size()), v(x.size()), ctx(x.size()), proj(x.size());  // [M, H]
    std::vector<float> ff(static_cast<size_t>(M * F));                                        // [M, F]
    EncoderAttentionShape shape{B, T, config_.n_heads, config_.head_dim(),
                                1.0f / std::sqrt(static_cast<float>(config_.head_dim()))};
    if (hook) shape.weights_hook = weights_hook;
    for (const EncoderLayer& l : layers_) {
        l.query.forward(x.data(), q.data(), M);
        l.key.forward(x.data(), k.data(), M);
        l.value.forward(x.data(), v.data(), M);
        encoder_attention(ctx.data(), q.data(), k.data(), v.data(), mask.data(), shape);
        ++shape.layer;
        l.attn_out.forward(ctx.data(), proj.data(), M);
        add(x.data(), x.data(), proj.data(), M * H);
        l.attn_norm.forward(x.data(), x.data(), M);
        l.up.forward(x.data(), ff.data(), M);
        apply_activation(config_.activation, ff.data(), M * F);
        l.down.forward(ff.data(), proj.data(), M);
        add(x.data(), x.data(), proj.data(), M * H);
        l.ffn_norm.forward(x.data(), x.data(), M);
    }
    return x;
}

std::vector<float> EncoderModel::forward_packed(const EncoderBatch& b, std::vector<int64_t>& offsets) const {
    const std::vector<uint8_t> mask = checked_mask(b);
    const int64_t B = b.batch, T = b.seq_len, H = config_.hidden;
    const std::vector<int64_t> lengths = right_padded_lengths(mask, B, T);
    offsets.assign(static_cast<size_t>(B + 1), 0);
    for (int64_t s = 0; s < B; ++s) {
        if (lengths[static_cast<size_t>(s)] < 0)
            throw Error("encoder: sequence " + std::to_string(s) +
                        " has padding between tokens (pad on the right)");
        offsets[static_cast<size_t>(s + 1)] =
            offsets[static_cast<size_t>(s)] + lengths[static_cast<size_t>(s)];
    }
    const int64_t total = offsets.back();
    // Embeddings of the padded batch (cheap: a lookup and a norm per row), then only the real rows kept.
    std::vector<float> padded(static_cast<size_t>(B * T * H));  // [B * T, H]
    embed(b, padded.data());
    std::vector<float> x(static_cast<size_t>(total * H));  // [total, H]
    std::vector<EncoderSpan> spans;
    for (int64_t s = 0; s < B; ++s) {
        const int64_t n = lengths[static_cast<size_t>(s)], row0 = offsets[static_cast<size_t>(s)];
        std::copy_n(padded.data() + s * T * H, n * H, x.data() + row0 * H);
        spans.push_back({row0, n, n});
    }
    run_encoder_layers(config_, layers_, packed_layers(), x.data(), total, spans);
    return x;
}

}  // namespace loom
