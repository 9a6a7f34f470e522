// GPT-2: learned absolute positions, pre-LayerNorm blocks, fused QKV, GELU (tanh) MLP, output tied to wte.
//   x = wte[tokens] + wpe[positions]
//   per layer:  x += proj(attention(split(qkv(ln_1(x)))));  x += fc2(gelu(fc1(ln_2(x))))
//   logits = wte · ln_f(x)
// Hugging Face stores GPT-2's linears as Conv1D, weight [in, out]: they are transposed once at load into
// owned f32 [out, in] tensors (GGUF files already hold [out, in] and stay mapped).
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

namespace loom {
namespace {

struct Gpt2Layer {
    Norm ln_1, ln_2;
    Linear qkv;   // [3D, D] rows: all of Q, then K, then V
    Linear proj;  // [D, D]
    GeluMlp mlp;  // up [F, D], down [D, F]
};

class Gpt2Model : public DecoderModel {
  public:
    Gpt2Model(const ModelSource& source, ModelConfig config) : DecoderModel(std::move(config)) {
        const WeightMap& w = source.weights;
        if (source.format == SourceFormat::Gguf) {
            load_gguf(w);
        } else {
            load_hf(w);
        }
    }

  protected:
    void run(std::span<const int32_t> tokens, KvCache& cache, int64_t pos0, float* logits,
             bool all_logits) override {
        const ModelConfig& c = config_;
        const int64_t T = static_cast<int64_t>(tokens.size()), D = c.n_embd;
        x_.resize(T * D);        // [T, D] residual stream
        h_.resize(T * D);        // [T, D]
        qkv_.resize(T * 3 * D);  // [T, 3D]: q | k | v per row
        att_.resize(T * D);      // [T, D]
        wte_.lookup(tokens, x_.data());
        wpe_.add_positions(x_.data(), pos0, T);
        AttentionParams ap{c.n_head,   c.n_head,
                           c.head_dim, 1.0f / std::sqrt(static_cast<float>(c.head_dim)),
                           nullptr,    attention_hook_ ? &attention_hook_ : nullptr};
        for (int64_t l = 0; l < c.n_layer; ++l) {
            const Gpt2Layer& L = layers_[l];
            L.ln_1.forward(h_.data(), x_.data(), T);
            L.qkv.forward(h_.data(), qkv_.data(), T);
            cache.store(l, pos0, T, qkv_.data() + D, qkv_.data() + 2 * D, 3 * D);
            causal_attention(att_.data(), D, qkv_.data(), 3 * D, cache, l, pos0, T, ap);
            L.proj.forward(att_.data(), h_.data(), T);
            add(x_.data(), x_.data(), h_.data(), T * D);
            L.ln_2.forward(h_.data(), x_.data(), T);
            L.mlp.forward(h_.data(), h_.data(), T, mlp_scratch_);
            add(x_.data(), x_.data(), h_.data(), T * D);
        }
        const int64_t first = all_logits ? 0 : T - 1;
        ln_f_.forward(h_.data(), x_.data() + first * D, T - first);
        lm_head_.forward(h_.data(), logits, T - first);  // logits: [n_out, n_vocab]
    }

  private:
    Norm layer_norm(const WeightMap& w, const std::string& prefix) const {
        return Norm{Norm::Kind::Layer, require_vector(w, prefix + ".weight", config_.n_embd),
                    require_vector(w, prefix + ".bias", config_.n_embd), config_.norm_eps};
    }

    void set_vocab(const WeightMap& w, const std::string& name) {
        const Tensor* t = w.find(name);
        if (!t) throw Error("missing tensor '" + name + "'").tensor(name);
        if (config_.n_vocab == 0 && t->rank() == 2) config_.n_vocab = t->dim(0);
    }

    void load_gguf(const WeightMap& w) {
        const int64_t D = config_.n_embd, F = config_.n_ff;
        set_vocab(w, "token_embd.weight");
        wte_.table = require_tensor(w, "token_embd.weight", {config_.n_vocab, D});
        wpe_.table = require_tensor(w, "position_embd.weight", {config_.n_ctx_train, D});
        for (int64_t i = 0; i < config_.n_layer; ++i) {
            const std::string p = "blk." + std::to_string(i) + ".";
            Gpt2Layer L;
            L.ln_1 = layer_norm(w, p + "attn_norm");
            L.ln_2 = layer_norm(w, p + "ffn_norm");
            L.qkv = load_linear(w, p + "attn_qkv.weight", 3 * D, D, p + "attn_qkv.bias", true);
            L.proj = load_linear(w, p + "attn_output.weight", D, D, p + "attn_output.bias", true);
            L.mlp.up = load_linear(w, p + "ffn_up.weight", F, D, p + "ffn_up.bias", true);
            L.mlp.down = load_linear(w, p + "ffn_down.weight", D, F, p + "ffn_down.bias", true);
            layers_.push_back(std::move(L));
        }
        ln_f_ = layer_norm(w, "output_norm");
        lm_head_ = w.contains("output.weight") ? load_linear(w, "output.weight", config_.n_vocab, D)
                                               : Linear{wte_.table, {}};
    }

    // Conv1D weight [in, out] -> Linear [out, in] (+ bias [out]).
    Linear conv1d(const WeightMap& w, const std::string& prefix, int64_t in, int64_t out) const {
        Linear l;
        l.weight = transpose_to_f32(require_tensor(w, prefix + ".weight", {in, out}));
        l.bias = require_vector(w, prefix + ".bias", out);
        return l;
    }

    void load_hf(const WeightMap& w) {
        const int64_t D = config_.n_embd, F = config_.n_ff;
        // GPT2LMHeadModel saves "transformer.wte.weight"; the bare GPT2Model saves "wte.weight".
        const std::string root = w.contains("transformer.wte.weight") ? "transformer." : "";
        set_vocab(w, root + "wte.weight");
        wte_.table = require_tensor(w, root + "wte.weight", {config_.n_vocab, D});
        wpe_.table = require_tensor(w, root + "wpe.weight", {config_.n_ctx_train, D});
        for (int64_t i = 0; i < config_.n_layer; ++i) {
            const std::string p = root + "h." + std::to_string(i) + ".";
            Gpt2Layer L;
            L.ln_1 = layer_norm(w, p + "ln_1");
            L.ln_2 = layer_norm(w, p + "ln_2");
            L.qkv = conv1d(w, p + "attn.c_attn", D, 3 * D);
            L.proj = conv1d(w, p + "attn.c_proj", D, D);
            L.mlp.up = conv1d(w, p + "mlp.c_fc", D, F);
            L.mlp.down = conv1d(w, p + "mlp.c_proj", F, D);
            layers_.push_back(std::move(L));
        }
        ln_f_ = layer_norm(w, root + "ln_f");
        lm_head_ = Linear{wte_.table, {}};  // GPT-2 always ties lm_head to wte
    }

    Embedding wte_, wpe_;
    std::vector<Gpt2Layer> layers_;
    Norm ln_f_;
    Linear lm_head_;
    std::vector<float> x_, h_, qkv_, att_, mlp_scratch_;
};

}  // namespace

std::unique_ptr<DecoderModel> make_gpt2_model(const ModelSource& source, ModelConfig config) {
    return std::make_unique<Gpt2Model>(source, std::move(config));
}

}  // namespace loom
