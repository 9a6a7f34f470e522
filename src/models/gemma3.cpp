// Gemma 3 (text): Gemma3ForCausalLM / GGUF "gemma3".
//   x = embed(tokens) * sqrt(D)
//   per layer:  a = o(attention(rope_l(qnorm(q(n1(x)))), rope_l(knorm(k(n1(x)))), v(n1(x))))
//               x += n2(a)
//               x += n4(down(gelu_tanh(gate(n3(x))) * up(n3(x))))
//   logits = lm_head(norm(x))        (tied to the embedding; cap * tanh(logits / cap) when the config caps)
// Every norm is RMSNorm with gain (1 + w): Hugging Face stores w, llama.cpp's converter stores 1 + w (so
// transformers subtracts 1 when it reads a GGUF). q/k norms are per head (over head_dim). Scores scale by
// 1/sqrt(query_pre_attn_scalar). Local layers (5 of 6) attend within the sliding window with their own RoPE
// base; global layers see the whole context.
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

struct Gemma3Names {
    bool gguf;
    std::string embed() const { return gguf ? "token_embd.weight" : "model.embed_tokens.weight"; }
    std::string final_norm() const { return gguf ? "output_norm.weight" : "model.norm.weight"; }
    std::string lm_head() const { return gguf ? "output.weight" : "lm_head.weight"; }
    std::string layer(int64_t i, const char* gguf_name, const char* hf_name) const {
        return gguf ? "blk." + std::to_string(i) + "." + gguf_name
                    : "model.layers." + std::to_string(i) + "." + hf_name;
    }
};

struct Gemma3Layer {
    Norm attn_norm, post_attn_norm, ffn_norm, post_ffn_norm;  // [D] each
    Norm q_norm, k_norm;                                      // [head_dim], applied per head
    Linear q, k, v, o;  // q: [n_head*hd, D]; k, v: [n_head_kv*hd, D]; o: [D, n_head*hd]
    GegluFfn ffn;
    int64_t window = 0;  // sliding window (local layers), 0 for global layers
};

class Gemma3Model : public DecoderModel {
  public:
    Gemma3Model(const ModelSource& source, ModelConfig config) : DecoderModel(std::move(config)) {
        const ModelConfig& c = config_;
        const WeightMap& w = source.weights;
        const Gemma3Names names{source.format == SourceFormat::Gguf};
        gain_offset_ = names.gguf ? 0.0f : 1.0f;
        const Tensor* table = w.find(names.embed());
        if (!table) throw Error("missing tensor '" + names.embed() + "'").tensor(names.embed());
        if (c.n_vocab == 0 && table->rank() == 2) config_.n_vocab = table->dim(0);
        embed_.table = require_tensor(w, names.embed(), {c.n_vocab, c.n_embd});

        const int64_t D = c.n_embd, hd = c.head_dim, q_dim = c.n_head * hd, kv_dim = c.n_head_kv * hd;
        for (int64_t i = 0; i < c.n_layer; ++i) {
            Gemma3Layer L;
            L.attn_norm = gemma_norm(w, names.layer(i, "attn_norm.weight", "input_layernorm.weight"), D);
            L.post_attn_norm =
                gemma_norm(w, names.layer(i, "post_attention_norm.weight", "post_attention_layernorm.weight"), D);
            L.ffn_norm = gemma_norm(w, names.layer(i, "ffn_norm.weight", "pre_feedforward_layernorm.weight"), D);
            L.post_ffn_norm =
                gemma_norm(w, names.layer(i, "post_ffw_norm.weight", "post_feedforward_layernorm.weight"), D);
            L.q_norm = gemma_norm(w, names.layer(i, "attn_q_norm.weight", "self_attn.q_norm.weight"), hd);
            L.k_norm = gemma_norm(w, names.layer(i, "attn_k_norm.weight", "self_attn.k_norm.weight"), hd);
            L.q = load_linear(w, names.layer(i, "attn_q.weight", "self_attn.q_proj.weight"), q_dim, D);
            L.k = load_linear(w, names.layer(i, "attn_k.weight", "self_attn.k_proj.weight"), kv_dim, D);
            L.v = load_linear(w, names.layer(i, "attn_v.weight", "self_attn.v_proj.weight"), kv_dim, D);
            L.o = load_linear(w, names.layer(i, "attn_output.weight", "self_attn.o_proj.weight"), D, q_dim);
            L.ffn.gate = load_linear(w, names.layer(i, "ffn_gate.weight", "mlp.gate_proj.weight"), c.n_ff, D);
            L.ffn.up = load_linear(w, names.layer(i, "ffn_up.weight", "mlp.up_proj.weight"), c.n_ff, D);
            L.ffn.down = load_linear(w, names.layer(i, "ffn_down.weight", "mlp.down_proj.weight"), D, c.n_ff);
            L.window = c.window_of_layer(i);
            layers_.push_back(std::move(L));
        }
        final_norm_ = gemma_norm(w, names.final_norm(), D);
        const bool tie = !w.contains(names.lm_head()) ||
                         (!names.gguf && source.hf_config.value("tie_word_embeddings", true));
        lm_head_ = tie ? Linear{embed_.table, {}} : load_linear(w, names.lm_head(), c.n_vocab, D);
        rope_global_ = Rope(c.rope, hd);
        rope_local_ = Rope(c.rope_local, hd);
        const float scalar = c.query_pre_attn_scalar > 0.0f ? c.query_pre_attn_scalar : static_cast<float>(hd);
        attn_scale_ = 1.0f / std::sqrt(scalar);
        embed_scale_ = std::sqrt(static_cast<float>(D));
    }

  protected:
    void run(std::span<const int32_t> tokens, KvCache& cache, int64_t pos0, float* logits,
             bool all_logits) override {
        const ModelConfig& c = config_;
        const int64_t T = static_cast<int64_t>(tokens.size());
        const int64_t D = c.n_embd;
        resize(T);
        embed_.lookup(tokens, x_.data());
        scale(x_.data(), embed_scale_, T * D);
        for (int64_t l = 0; l < c.n_layer; ++l) {
            const Gemma3Layer& L = layers_[l];
            project_qkv(L, T);
            position_qk(L, 0, pos0, T);
            cache.store(l, pos0, T, k_.data(), v_.data(), c.n_head_kv * c.head_dim);
            causal_attention(att_.data(), c.n_head * c.head_dim, q_.data(), c.n_head * c.head_dim, cache, l, pos0,
                             T, params(L, true));
            finish_layer(L, T);
        }
        const int64_t first = all_logits ? 0 : T - 1;  // rows that need logits
        output(x_.data() + first * D, T - first, logits);
    }

    // One token per sequence: the matmuls run with M = n rows; RoPE, the cache write and attention use each
    // row's own position and cache.
    void run_batch(std::span<const int32_t> tokens, std::span<KvCache* const> caches, float* logits) override {
        const ModelConfig& c = config_;
        const int64_t B = static_cast<int64_t>(tokens.size());
        const int64_t D = c.n_embd, q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
        resize(B);
        embed_.lookup(tokens, x_.data());
        scale(x_.data(), embed_scale_, B * D);
        for (int64_t l = 0; l < c.n_layer; ++l) {
            const Gemma3Layer& L = layers_[l];
            project_qkv(L, B);
            for (int64_t b = 0; b < B; ++b) {
                KvCache& cache = *caches[b];
                const int64_t pos = cache.size();
                position_qk(L, b, pos, 1);
                cache.store(l, pos, 1, k_.data() + b * kv_dim, v_.data() + b * kv_dim, kv_dim);
                causal_attention(att_.data() + b * q_dim, q_dim, q_.data() + b * q_dim, q_dim, cache, l, pos, 1,
                                 params(L, false));
            }
            finish_layer(L, B);
        }
        output(x_.data(), B, logits);
    }

  private:
    Norm gemma_norm(const WeightMap& w, const std::string& name, int64_t n) const {
        std::vector<float> gain = require_vector(w, name, n);
        for (float& g : gain) g += gain_offset_;
        return Norm{Norm::Kind::Rms, std::move(gain), {}, config_.norm_eps};
    }

    void resize(int64_t T) {
        const ModelConfig& c = config_;
        const int64_t D = c.n_embd, q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
        x_.resize(T * D);        // [T, D] residual stream
        h_.resize(T * D);        // [T, D] normed input / block output
        q_.resize(T * q_dim);    // [T, n_head * hd]
        k_.resize(T * kv_dim);   // [T, n_head_kv * hd]
        v_.resize(T * kv_dim);   // [T, n_head_kv * hd]
        att_.resize(T * q_dim);  // [T, n_head * hd]
    }

    AttentionParams params(const Gemma3Layer& L, bool hooked) const {
        AttentionParams ap{config_.n_head, config_.n_head_kv, config_.head_dim, attn_scale_, nullptr, nullptr,
                           L.window};
        if (hooked && attention_hook_) ap.weights_hook = &attention_hook_;
        return ap;
    }

    // h = n1(x); q, k, v = projections of h; q and k normed per head. All [T, ...] rows.
    void project_qkv(const Gemma3Layer& L, int64_t T) {
        const ModelConfig& c = config_;
        L.attn_norm.forward(h_.data(), x_.data(), T);
        L.q.forward(h_.data(), q_.data(), T);
        L.k.forward(h_.data(), k_.data(), T);
        L.v.forward(h_.data(), v_.data(), T);
        L.q_norm.forward(q_.data(), q_.data(), T * c.n_head);     // [T * n_head, hd]
        L.k_norm.forward(k_.data(), k_.data(), T * c.n_head_kv);  // [T * n_head_kv, hd]
    }

    // RoPE on rows row0 .. row0 + n - 1 of q and k, at positions pos0 ...
    void position_qk(const Gemma3Layer& L, int64_t row0, int64_t pos0, int64_t n) {
        const ModelConfig& c = config_;
        const int64_t q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
        const Rope& rope = L.window > 0 ? rope_local_ : rope_global_;
        rope.apply(q_.data() + row0 * q_dim, q_dim, c.n_head, pos0, n);
        rope.apply(k_.data() + row0 * kv_dim, kv_dim, c.n_head_kv, pos0, n);
    }

    // After attention (att_ filled): x += n2(o(att)); x += n4(ffn(n3(x))).
    void finish_layer(const Gemma3Layer& L, int64_t T) {
        const int64_t D = config_.n_embd;
        L.o.forward(att_.data(), h_.data(), T);
        L.post_attn_norm.forward(h_.data(), h_.data(), T);
        add(x_.data(), x_.data(), h_.data(), T * D);
        L.ffn_norm.forward(h_.data(), x_.data(), T);
        L.ffn.forward(h_.data(), h_.data(), T, ffn_scratch_);
        L.post_ffn_norm.forward(h_.data(), h_.data(), T);
        add(x_.data(), x_.data(), h_.data(), T * D);
    }

    // logits: [n, n_vocab] from residual rows x: [n, D].
    void output(const float* x, int64_t n, float* logits) {
        final_norm_.forward(h_.data(), x, n);
        lm_head_.forward(h_.data(), logits, n);
        const float cap = config_.final_logit_softcap;
        if (cap > 0.0f) {
            const int64_t count = n * config_.n_vocab;
            for (int64_t i = 0; i < count; ++i) logits[i] = cap * std::tanh(logits[i] / cap);
        }
    }

    float gain_offset_ = 0.0f;  // 1 for Hugging Face weights, 0 for GGUF (already 1 + w)
    float attn_scale_ = 1.0f;
    float embed_scale_ = 1.0f;
    Embedding embed_;
    std::vector<Gemma3Layer> layers_;
    Norm final_norm_;
    Linear lm_head_;
    Rope rope_global_, rope_local_;
    std::vector<float> x_, h_, q_, k_, v_, att_, ffn_scratch_;
};

}  // namespace

std::unique_ptr<DecoderModel> make_gemma3_model(const ModelSource& source, ModelConfig config) {
    return std::make_unique<Gemma3Model>(source, std::move(config));
}

}  // namespace loom
