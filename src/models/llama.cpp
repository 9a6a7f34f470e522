// LLaMA family: LLaMA, Mistral (sliding window), Qwen2 (Q/K/V biases), Qwen3 (per-head RMSNorm of q and k
// before RoPE), SmolLM2.
//   x = embed(tokens)
//   per layer:  x += o(attention(rope(qn(q(rms(x)))), rope(kn(k(rms(x)))), v(rms(x))))   qn, kn: Qwen3 only
//               x += down(silu(gate(rms(x))) * up(rms(x)))
//   logits = lm_head(rms(x))            (lm_head tied to the embedding when the file has none)
// Layers the config marks (Mistral: all) attend within its sliding window.
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/model_source.h"
#include "kernels/cpu/ops.h"
#include "models/decoder_model.h"
#include "nn/embedding.h"
#include "nn/ffn.h"
#include "nn/linear.h"
#include "nn/norm.h"
#include "nn/rope.h"

namespace loom {
namespace {

// Tensor names per source format.
struct LlamaNames {
    bool gguf;
    std::string embed() const { return gguf ? "token_embd.weight" : "model.embed_tokens.weight"; }
    std::string final_norm() const { return gguf ? "output_norm.weight" : "model.norm.weight"; }
    std::string lm_head() const { return gguf ? "output.weight" : "lm_head.weight"; }
    std::string layer(int64_t i, const char* gguf_name, const char* hf_name) const {
        return gguf ? "blk." + std::to_string(i) + "." + gguf_name
                    : "model.layers." + std::to_string(i) + "." + hf_name;
    }
};

struct LlamaLayer {
    Norm attn_norm, ffn_norm;
    Norm q_norm, k_norm;  // [head_dim] per head (Qwen3), or empty
    Linear q, k, v, o;  // q: [n_head*hd, D]; k, v: [n_head_kv*hd, D]; o: [D, n_head*hd]
    SwiGluFfn ffn;
};

class LlamaModel : public DecoderModel {
  public:
    LlamaModel(const ModelSource& source, ModelConfig config) : DecoderModel(std::move(config)) {
        const ModelConfig& c = config_;
        const WeightMap& w = source.weights;
        const LlamaNames names{source.format == SourceFormat::Gguf};
        const Tensor* table = w.find(names.embed());
        if (!table) throw Error("missing tensor '" + names.embed() + "'").tensor(names.embed());
        if (c.n_vocab == 0 && table->rank() == 2) config_.n_vocab = table->dim(0);
        embed_.table = require_tensor(w, names.embed(), {c.n_vocab, c.n_embd});

        const int64_t D = c.n_embd, hd = c.head_dim, q_dim = c.n_head * hd, kv_dim = c.n_head_kv * hd;
        for (int64_t i = 0; i < c.n_layer; ++i) {
            LlamaLayer L;
            L.attn_norm = rms(w, names.layer(i, "attn_norm.weight", "input_layernorm.weight"));
            L.ffn_norm = rms(w, names.layer(i, "ffn_norm.weight", "post_attention_layernorm.weight"));
            L.q = load_linear(w, names.layer(i, "attn_q.weight", "self_attn.q_proj.weight"), q_dim, D,
                              names.layer(i, "attn_q.bias", "self_attn.q_proj.bias"));
            L.k = load_linear(w, names.layer(i, "attn_k.weight", "self_attn.k_proj.weight"), kv_dim, D,
                              names.layer(i, "attn_k.bias", "self_attn.k_proj.bias"));
            L.v = load_linear(w, names.layer(i, "attn_v.weight", "self_attn.v_proj.weight"), kv_dim, D,
                              names.layer(i, "attn_v.bias", "self_attn.v_proj.bias"));
            L.o = load_linear(w, names.layer(i, "attn_output.weight", "self_attn.o_proj.weight"), D, q_dim,
                              names.layer(i, "attn_output.bias", "self_attn.o_proj.bias"));
            L.q_norm = optional_rms(w, names.layer(i, "attn_q_norm.weight", "self_attn.q_norm.weight"), hd);
            L.k_norm = optional_rms(w, names.layer(i, "attn_k_norm.weight", "self_attn.k_norm.weight"), hd);
            L.ffn.gate = load_linear(w, names.layer(i, "ffn_gate.weight", "mlp.gate_proj.weight"), c.n_ff, D);
            L.ffn.up = load_linear(w, names.layer(i, "ffn_up.weight", "mlp.up_proj.weight"), c.n_ff, D);
            L.ffn.down = load_linear(w, names.layer(i, "ffn_down.weight", "mlp.down_proj.weight"), D, c.n_ff);
            layers_.push_back(std::move(L));
        }
        final_norm_ = rms(w, names.final_norm());
        // Tied output: SmolLM2 and Qwen2-small reuse the embedding as the output projection.
        const bool tie = !w.contains(names.lm_head()) ||
                         (!names.gguf && source.hf_config.value("tie_word_embeddings", false));
        lm_head_ = tie ? Linear{embed_.table, {}} : load_linear(w, names.lm_head(), c.n_vocab, D);
        RopeConfig rope = c.rope;
        if (names.gguf) rope.freq_factors = optional_vector(w, "rope_freqs.weight", c.rope.n_rot / 2);
        rope_ = Rope(rope, hd);
    }

  protected:
    void run(std::span<const int32_t> tokens, KvCache& cache, int64_t pos0, float* logits,
             bool all_logits) override {
        const ModelConfig& c = config_;
        const int64_t T = static_cast<int64_t>(tokens.size());
        const int64_t D = c.n_embd, hd = c.head_dim, q_dim = c.n_head * hd, kv_dim = c.n_head_kv * hd;
        x_.resize(T * D);        // [T, D] residual stream
        h_.resize(T * D);        // [T, D] normed input / block output
        q_.resize(T * q_dim);    // [T, n_head * hd]
        k_.resize(T * kv_dim);   // [T, n_head_kv * hd]
        v_.resize(T * kv_dim);   // [T, n_head_kv * hd]
        att_.resize(T * q_dim);  // [T, n_head * hd]

        embed_.lookup(tokens, x_.data());
        AttentionParams ap{c.n_head, c.n_head_kv,
                           hd,       1.0f / std::sqrt(static_cast<float>(hd)),
                           nullptr,  attention_hook_ ? &attention_hook_ : nullptr};
        for (int64_t l = 0; l < c.n_layer; ++l) {
            const LlamaLayer& L = layers_[l];
            // Attention block
            L.attn_norm.forward(h_.data(), x_.data(), T);
            L.q.forward(h_.data(), q_.data(), T);
            L.k.forward(h_.data(), k_.data(), T);
            L.v.forward(h_.data(), v_.data(), T);
            norm_heads(L, T);
            rope_.apply(q_.data(), q_dim, c.n_head, pos0, T);
            rope_.apply(k_.data(), kv_dim, c.n_head_kv, pos0, T);
            cache.store(l, pos0, T, k_.data(), v_.data(), kv_dim);
            ap.window = c.window_of_layer(l);
            causal_attention(att_.data(), q_dim, q_.data(), q_dim, cache, l, pos0, T, ap);
            L.o.forward(att_.data(), h_.data(), T);
            add(x_.data(), x_.data(), h_.data(), T * D);
            // Feed-forward block
            L.ffn_norm.forward(h_.data(), x_.data(), T);
            L.ffn.forward(h_.data(), h_.data(), T, ffn_scratch_);
            add(x_.data(), x_.data(), h_.data(), T * D);
        }
        const int64_t first = all_logits ? 0 : T - 1;  // rows that need logits
        const int64_t n_out = T - first;
        final_norm_.forward(h_.data(), x_.data() + first * D, n_out);
        lm_head_.forward(h_.data(), logits, n_out);  // logits: [n_out, n_vocab]
    }

    // One token per sequence: the matmuls run with M = n rows; RoPE, the cache write and attention use each
    // row's own position and cache.
    void run_batch(std::span<const int32_t> tokens, std::span<KvCache* const> caches, float* logits) override {
        const ModelConfig& c = config_;
        const int64_t B = static_cast<int64_t>(tokens.size());
        const int64_t D = c.n_embd, hd = c.head_dim, q_dim = c.n_head * hd, kv_dim = c.n_head_kv * hd;
        x_.resize(B * D);        // [B, D] residual stream, one row per sequence
        h_.resize(B * D);        // [B, D]
        q_.resize(B * q_dim);    // [B, n_head * hd]
        k_.resize(B * kv_dim);   // [B, n_head_kv * hd]
        v_.resize(B * kv_dim);   // [B, n_head_kv * hd]
        att_.resize(B * q_dim);  // [B, n_head * hd]

        embed_.lookup(tokens, x_.data());
        AttentionParams ap{c.n_head, c.n_head_kv,
                           hd,       1.0f / std::sqrt(static_cast<float>(hd)),
                           nullptr,  nullptr};
        for (int64_t l = 0; l < c.n_layer; ++l) {
            const LlamaLayer& L = layers_[l];
            L.attn_norm.forward(h_.data(), x_.data(), B);
            L.q.forward(h_.data(), q_.data(), B);
            L.k.forward(h_.data(), k_.data(), B);
            L.v.forward(h_.data(), v_.data(), B);
            norm_heads(L, B);
            ap.window = c.window_of_layer(l);
            for (int64_t b = 0; b < B; ++b) {
                KvCache& cache = *caches[b];
                const int64_t pos = cache.size();
                rope_.apply(q_.data() + b * q_dim, q_dim, c.n_head, pos, 1);
                rope_.apply(k_.data() + b * kv_dim, kv_dim, c.n_head_kv, pos, 1);
                cache.store(l, pos, 1, k_.data() + b * kv_dim, v_.data() + b * kv_dim, kv_dim);
                causal_attention(att_.data() + b * q_dim, q_dim, q_.data() + b * q_dim, q_dim, cache, l, pos, 1,
                                 ap);
            }
            L.o.forward(att_.data(), h_.data(), B);
            add(x_.data(), x_.data(), h_.data(), B * D);
            L.ffn_norm.forward(h_.data(), x_.data(), B);
            L.ffn.forward(h_.data(), h_.data(), B, ffn_scratch_);
            add(x_.data(), x_.data(), h_.data(), B * D);
        }
        final_norm_.forward(h_.data(), x_.data(), B);
        lm_head_.forward(h_.data(), logits, B);  // logits: [B, n_vocab]
    }

  private:
    Norm rms(const WeightMap& w, const std::string& name) const {
        return Norm{Norm::Kind::Rms, require_vector(w, name, config_.n_embd), {}, config_.norm_eps};
    }
    Norm optional_rms(const WeightMap& w, const std::string& name, int64_t n) const {
        return Norm{Norm::Kind::Rms, optional_vector(w, name, n), {}, config_.norm_eps};
    }

    // Qwen3: RMSNorm over each head of q_ and k_ (rows [T, n_head * hd] seen as [T * n_head, hd]).
    void norm_heads(const LlamaLayer& L, int64_t T) {
        if (L.q_norm.size() > 0) L.q_norm.forward(q_.data(), q_.data(), T * config_.n_head);
        if (L.k_norm.size() > 0) L.k_norm.forward(k_.data(), k_.data(), T * config_.n_head_kv);
    }

    Embedding embed_;
    std::vector<LlamaLayer> layers_;
    Norm final_norm_;
    Linear lm_head_;
    Rope rope_;
    std::vector<float> x_, h_, q_, k_, v_, att_, ffn_scratch_;
};

}  // namespace

std::unique_ptr<DecoderModel> make_llama_model(const ModelSource& source, ModelConfig config) {
    return std::make_unique<LlamaModel>(source, std::move(config));
}

}  // namespace loom
