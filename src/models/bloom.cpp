// BLOOM: ALiBi instead of position embeddings, a LayerNorm right after the word embeddings, fused QKV, GELU
// (tanh) MLP, output tied to the embeddings.
//   x = ln_emb(wte[tokens])
//   per layer:  x += dense(alibi_attention(qkv(ln_in(x))));  x += fc2(gelu(fc1(ln_post(x))))
//   logits = wte · ln_f(x)
// Hugging Face's query_key_value rows are interleaved per head: [n_head][q|k|v][head_dim]. llama.cpp's
// converter regroups them to all-Q | all-K | all-V for GGUF; we split either layout into q/k/v buffers.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/model_source.h"
#include "kernels/cpu/ops.h"
#include "models/decoder_model.h"
#include "nn/alibi.h"
#include "nn/embedding.h"
#include "nn/ffn.h"
#include "nn/linear.h"
#include "nn/norm.h"

namespace loom {
namespace {

struct BloomLayer {
    Norm ln_in, ln_post;
    Linear qkv;    // [3D, D]
    Linear dense;  // [D, D]
    GeluMlp mlp;   // up [4D, D], down [D, 4D]
};

struct BloomNames {
    bool gguf;
    std::string root;  // "transformer." or "" (HF)
    std::string embed() const { return gguf ? "token_embd.weight" : root + "word_embeddings.weight"; }
    std::string embed_norm() const { return gguf ? "token_embd_norm" : root + "word_embeddings_layernorm"; }
    std::string final_norm() const { return gguf ? "output_norm" : root + "ln_f"; }
    std::string layer(int64_t i, const char* gguf_name, const char* hf_name) const {
        return gguf ? "blk." + std::to_string(i) + "." + gguf_name
                    : root + "h." + std::to_string(i) + "." + hf_name;
    }
};

class BloomModel : public DecoderModel {
  public:
    BloomModel(const ModelSource& source, ModelConfig config) : DecoderModel(std::move(config)) {
        const WeightMap& w = source.weights;
        BloomNames names{source.format == SourceFormat::Gguf,
                         w.contains("transformer.word_embeddings.weight") ? "transformer." : ""};
        interleaved_qkv_ = !names.gguf;
        const Tensor* table = w.find(names.embed());
        if (!table) throw Error("missing tensor '" + names.embed() + "'").tensor(names.embed());
        if (config_.n_vocab == 0 && table->rank() == 2) config_.n_vocab = table->dim(0);
        const int64_t D = config_.n_embd, F = config_.n_ff;
        embed_.table = require_tensor(w, names.embed(), {config_.n_vocab, D});
        embed_norm_ = layer_norm(w, names.embed_norm());
        for (int64_t i = 0; i < config_.n_layer; ++i) {
            BloomLayer L;
            L.ln_in = layer_norm(w, names.layer(i, "attn_norm", "input_layernorm"));
            L.ln_post = layer_norm(w, names.layer(i, "ffn_norm", "post_attention_layernorm"));
            L.qkv = load_linear(w, names.layer(i, "attn_qkv.weight", "self_attention.query_key_value.weight"),
                                3 * D, D,
                                names.layer(i, "attn_qkv.bias", "self_attention.query_key_value.bias"), true);
            L.dense = load_linear(w, names.layer(i, "attn_output.weight", "self_attention.dense.weight"), D,
                                  D, names.layer(i, "attn_output.bias", "self_attention.dense.bias"), true);
            L.mlp.up = load_linear(w, names.layer(i, "ffn_up.weight", "mlp.dense_h_to_4h.weight"), F, D,
                                   names.layer(i, "ffn_up.bias", "mlp.dense_h_to_4h.bias"), true);
            L.mlp.down = load_linear(w, names.layer(i, "ffn_down.weight", "mlp.dense_4h_to_h.weight"), D, F,
                                     names.layer(i, "ffn_down.bias", "mlp.dense_4h_to_h.bias"), true);
            layers_.push_back(std::move(L));
        }
        final_norm_ = layer_norm(w, names.final_norm());
        const std::string head = names.gguf ? "output.weight" : "lm_head.weight";
        lm_head_ = w.contains(head) ? load_linear(w, head, config_.n_vocab, D) : Linear{embed_.table, {}};
        slopes_ = alibi_slopes(config_.n_head);
    }

  protected:
    void run(std::span<const int32_t> tokens, KvCache& cache, int64_t pos0, float* logits,
             bool all_logits) override {
        const ModelConfig& c = config_;
        const int64_t T = static_cast<int64_t>(tokens.size()), D = c.n_embd;
        x_.resize(T * D);        // [T, D] residual stream
        h_.resize(T * D);        // [T, D]
        qkv_.resize(T * 3 * D);  // [T, 3D] as the weight lays it out
        q_.resize(T * D);        // [T, n_head * hd]
        k_.resize(T * D);        // [T, n_head * hd]
        v_.resize(T * D);        // [T, n_head * hd]
        att_.resize(T * D);      // [T, D]
        embed_.lookup(tokens, x_.data());
        embed_norm_.forward(x_.data(), x_.data(), T);
        AttentionParams ap{c.n_head,       c.n_head,
                           c.head_dim,     1.0f / std::sqrt(static_cast<float>(c.head_dim)),
                           slopes_.data(), attention_hook_ ? &attention_hook_ : nullptr};
        for (int64_t l = 0; l < c.n_layer; ++l) {
            const BloomLayer& L = layers_[l];
            L.ln_in.forward(h_.data(), x_.data(), T);
            L.qkv.forward(h_.data(), qkv_.data(), T);
            split_qkv(T);
            cache.store(l, pos0, T, k_.data(), v_.data(), D);
            causal_attention(att_.data(), D, q_.data(), D, cache, l, pos0, T, ap);
            L.dense.forward(att_.data(), h_.data(), T);
            add(x_.data(), x_.data(), h_.data(), T * D);
            L.ln_post.forward(h_.data(), x_.data(), T);
            L.mlp.forward(h_.data(), h_.data(), T, mlp_scratch_);
            add(x_.data(), x_.data(), h_.data(), T * D);
        }
        const int64_t first = all_logits ? 0 : T - 1;
        final_norm_.forward(h_.data(), x_.data() + first * D, T - first);
        lm_head_.forward(h_.data(), logits, T - first);  // logits: [n_out, n_vocab]
    }

  private:
    // qkv_ [T, 3D] -> q_, k_, v_ [T, D] each, head h at columns h*hd .. (h+1)*hd.
    void split_qkv(int64_t T) {
        const int64_t D = config_.n_embd, hd = config_.head_dim;
        const size_t bytes = static_cast<size_t>(hd) * sizeof(float);
        for (int64_t t = 0; t < T; ++t) {
            const float* row = qkv_.data() + t * 3 * D;
            for (int64_t h = 0; h < config_.n_head; ++h) {
                // interleaved: [h][q|k|v][hd]; grouped: [q|k|v][h][hd]
                const float* q = interleaved_qkv_ ? row + h * 3 * hd : row + h * hd;
                const float* k = interleaved_qkv_ ? q + hd : q + D;
                const float* v = interleaved_qkv_ ? q + 2 * hd : q + 2 * D;
                std::memcpy(q_.data() + t * D + h * hd, q, bytes);
                std::memcpy(k_.data() + t * D + h * hd, k, bytes);
                std::memcpy(v_.data() + t * D + h * hd, v, bytes);
            }
        }
    }

    Norm layer_norm(const WeightMap& w, const std::string& prefix) const {
        return Norm{Norm::Kind::Layer, require_vector(w, prefix + ".weight", config_.n_embd),
                    require_vector(w, prefix + ".bias", config_.n_embd), config_.norm_eps};
    }

    Embedding embed_;
    Norm embed_norm_, final_norm_;
    std::vector<BloomLayer> layers_;
    Linear lm_head_;
    std::vector<float> slopes_;  // [n_head]
    bool interleaved_qkv_ = true;
    std::vector<float> x_, h_, qkv_, q_, k_, v_, att_, mlp_scratch_;
};

}  // namespace

std::unique_ptr<DecoderModel> make_bloom_model(const ModelSource& source, ModelConfig config) {
    return std::make_unique<BloomModel>(source, std::move(config));
}

}  // namespace loom
