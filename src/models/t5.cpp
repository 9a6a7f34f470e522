// T5 v1.0 and v1.1 / FLAN-T5 weights (Hugging Face T5ForConditionalGeneration names):
//   shared.weight [V, D]; {encoder,decoder}.block.i.layer.0.SelfAttention.{q,k,v,o}; layer 0 of each stack
//   holds relative_attention_bias [num_buckets, H]; decoder layer.1 is EncDecAttention; the FFN
//   (DenseReluDense: wi or wi_0 / wi_1, wo) is the last layer.*; every sublayer has an RMS layer_norm
//   (T5 LayerNorm: no mean, no bias), and each stack a final_layer_norm.
// v1.0 ties lm_head to `shared` and scales the decoder output by d_model^-0.5; v1.1 has its own lm_head.
// Attention is not scaled by 1/sqrt(head_dim) (T5 folds it into the initialisation).
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/model_source.h"
#include "models/seq2seq_weights.h"

namespace loom {
std::unique_ptr<Seq2SeqWeights> load_t5_weights(const ModelSource& source, Seq2SeqConfig& config) {
    const nlohmann::json& c = source.hf_config;
    const WeightMap& wm = source.weights;
    const int64_t D = config.d_model, H = config.n_head, inner = H * config.head_dim, F = config.n_ff;
    const float eps = c.value("layer_norm_epsilon", 1e-6f);
    auto w = std::make_unique<Seq2SeqWeights>();

    // "gated-gelu" -> gated FFN with gelu_new (as the reference maps it), "relu" -> plain ReLU.
    std::string proj = c.value("feed_forward_proj", std::string("relu"));
    bool gated = proj.rfind("gated-", 0) == 0;
    std::string act = gated ? proj.substr(6) : proj;
    if (proj == "gated-gelu") act = "gelu_new";
    w->activation = seq2seq_activation_named(act, "feed_forward_proj");
    w->attention_scale = 1.0f;
    w->pre_norm = true;
    w->relative_buckets = c.value("relative_attention_num_buckets", int64_t{32});
    w->relative_max_distance = c.value("relative_attention_max_distance", int64_t{128});

    const Tensor* shared = wm.find("shared.weight");
    if (!shared) shared = wm.find("encoder.embed_tokens.weight");
    if (!shared || shared->rank() != 2) throw Error("missing tensor 'shared.weight'").tensor("shared.weight");
    w->embed_tokens = require_tensor(
        wm, shared == wm.find("shared.weight") ? "shared.weight" : "encoder.embed_tokens.weight",
        {shared->dim(0), D});
    auto rms = [&](const std::string& name) {
        return Norm{Norm::Kind::Rms, require_vector(wm, name, D), {}, eps};
    };
    auto attention = [&](const std::string& p) {
        Seq2SeqAttentionWeights a;
        a.q = load_linear(wm, p + ".q.weight", inner, D);
        a.k = load_linear(wm, p + ".k.weight", inner, D);
        a.v = load_linear(wm, p + ".v.weight", inner, D);
        a.o = load_linear(wm, p + ".o.weight", D, inner);
        return a;
    };
    auto ffn = [&](const std::string& p) {
        Seq2SeqFfnWeights f;
        f.gated = gated;
        if (gated) {
            f.gate = load_linear(wm, p + ".wi_0.weight", F, D);
            f.up = load_linear(wm, p + ".wi_1.weight", F, D);
        } else {
            f.up = load_linear(wm, p + ".wi.weight", F, D);
        }
        f.down = load_linear(wm, p + ".wo.weight", D, F);
        return f;
    };
    auto relative_bias = [&](const std::string& name) {
        const Tensor& t = require_tensor(wm, name, {w->relative_buckets, H});
        return t.to_f32();  // [num_buckets, H]
    };
    for (int64_t i = 0; i < config.n_encoder_layers; ++i) {
        const std::string p = "encoder.block." + std::to_string(i) + ".layer.";
        Seq2SeqLayerWeights L;
        L.self_norm = rms(p + "0.layer_norm.weight");
        L.self = attention(p + "0.SelfAttention");
        L.ffn_norm = rms(p + "1.layer_norm.weight");
        L.ffn = ffn(p + "1.DenseReluDense");
        w->encoder.layers.push_back(std::move(L));
    }
    w->encoder.final_norm = rms("encoder.final_layer_norm.weight");
    w->encoder.relative_bias =
        relative_bias("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
    for (int64_t i = 0; i < config.n_decoder_layers; ++i) {
        const std::string p = "decoder.block." + std::to_string(i) + ".layer.";
        Seq2SeqLayerWeights L;
        L.self_norm = rms(p + "0.layer_norm.weight");
        L.self = attention(p + "0.SelfAttention");
        L.cross_norm = rms(p + "1.layer_norm.weight");
        L.cross = attention(p + "1.EncDecAttention");
        L.ffn_norm = rms(p + "2.layer_norm.weight");
        L.ffn = ffn(p + "2.DenseReluDense");
        w->decoder.layers.push_back(std::move(L));
    }
    w->decoder.final_norm = rms("decoder.final_layer_norm.weight");
    w->decoder.relative_bias =
        relative_bias("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");

    const bool tied = c.value("tie_word_embeddings", true);
    if (tied) {
        w->lm_head = Linear{w->embed_tokens, {}};
        w->lm_head_scale = 1.0f / std::sqrt(static_cast<float>(D));
    } else {
        const Tensor* head = wm.find("lm_head.weight");
        if (!head || head->rank() != 2)
            throw Error("missing tensor 'lm_head.weight'").tensor("lm_head.weight");
        w->lm_head = load_linear(wm, "lm_head.weight", head->dim(0), D);
    }
    return w;
}

}  // namespace loom
