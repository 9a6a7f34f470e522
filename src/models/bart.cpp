// BART, mBART and MarianMT weights (Hugging Face names under model.{encoder,decoder}):
//   model.shared.weight [V, D]; embed_positions.weight (BART/mBART learned, rows offset by 2; Marian
//   sinusoidal, computed here when the file leaves it out); layernorm_embedding (BART/mBART);
//   layers.i.{self_attn,encoder_attn}.{q,k,v,out}_proj (+ bias), {self_attn,encoder_attn,final}_layer_norm,
//   fc1, fc2; mBART adds a final layer_norm per stack; final_logits_bias [1, V]; lm_head tied to shared.
// BART and Marian are post-norm, mBART pre-norm.
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/model_source.h"
#include "models/seq2seq_weights.h"

namespace loom {

Tensor marian_sinusoidal_positions(int64_t n_positions, int64_t d_model) {
    Tensor t = Tensor::zeros(DType::F32, {n_positions, d_model});
    float* out = t.mutable_data_as<float>();
    const int64_t half = (d_model + 1) / 2;  // sin columns; cos fill the rest
    for (int64_t p = 0; p < n_positions; ++p)
        for (int64_t j = 0; j < d_model; ++j) {
            // Column j holds angle index 2 * (j / 2) of the interleaved table; sin takes the even indices
            // (first half), cos the odd ones (second half).
            const int64_t k = j < half ? 2 * j : 2 * (j - half) + 1;
            const double angle = p / std::pow(10000.0, 2.0 * static_cast<double>(k / 2) / d_model);
            out[p * d_model + j] = static_cast<float>(j < half ? std::sin(angle) : std::cos(angle));
        }
    return t;
}

std::unique_ptr<Seq2SeqWeights> load_bart_weights(const ModelSource& source, Seq2SeqConfig& config) {
    const nlohmann::json& c = source.hf_config;
    const WeightMap& wm = source.weights;
    const int64_t D = config.d_model, F = config.n_ff, P = config.max_target_positions;
    const bool marian = config.arch == Seq2SeqArch::Marian, mbart = config.arch == Seq2SeqArch::MBart;
    auto w = std::make_unique<Seq2SeqWeights>();
    w->activation =
        seq2seq_activation_named(c.value("activation_function", std::string("gelu")), "activation_function");
    w->attention_scale = 1.0f / std::sqrt(static_cast<float>(config.head_dim));
    w->pre_norm = mbart;
    w->embed_scale = c.value("scale_embedding", false) ? std::sqrt(static_cast<float>(D)) : 1.0f;

    const std::string shared_name =
        wm.contains("model.shared.weight") ? "model.shared.weight" : "model.encoder.embed_tokens.weight";
    const Tensor* shared = wm.find(shared_name);
    if (!shared || shared->rank() != 2)
        throw Error("missing tensor 'model.shared.weight'").tensor(shared_name);
    w->embed_tokens = require_tensor(wm, shared_name, {shared->dim(0), D});

    auto layer_norm = [&](const std::string& p) {
        return Norm{Norm::Kind::Layer, require_vector(wm, p + ".weight", D),
                    require_vector(wm, p + ".bias", D), 1e-5f};
    };
    auto attention = [&](const std::string& p) {
        Seq2SeqAttentionWeights a;
        a.q = load_linear(wm, p + ".q_proj.weight", D, D, p + ".q_proj.bias", true);
        a.k = load_linear(wm, p + ".k_proj.weight", D, D, p + ".k_proj.bias", true);
        a.v = load_linear(wm, p + ".v_proj.weight", D, D, p + ".v_proj.bias", true);
        a.o = load_linear(wm, p + ".out_proj.weight", D, D, p + ".out_proj.bias", true);
        return a;
    };
    for (const bool decoder : {false, true}) {
        const std::string root = decoder ? "model.decoder." : "model.encoder.";
        Seq2SeqStackWeights& s = decoder ? w->decoder : w->encoder;
        const int64_t n_layers = decoder ? config.n_decoder_layers : config.n_encoder_layers;
        if (marian) {
            const std::string name = root + "embed_positions.weight";
            s.positions =
                wm.contains(name) ? require_tensor(wm, name, {P, D}) : marian_sinusoidal_positions(P, D);
        } else {
            s.positions = require_tensor(wm, root + "embed_positions.weight", {P + 2, D});
            s.position_offset = 2;
            s.embed_norm = layer_norm(root + "layernorm_embedding");
        }
        for (int64_t i = 0; i < n_layers; ++i) {
            const std::string p = root + "layers." + std::to_string(i) + ".";
            Seq2SeqLayerWeights L;
            L.self = attention(p + "self_attn");
            L.self_norm = layer_norm(p + "self_attn_layer_norm");
            if (decoder) {
                L.cross = attention(p + "encoder_attn");
                L.cross_norm = layer_norm(p + "encoder_attn_layer_norm");
            }
            L.ffn.up = load_linear(wm, p + "fc1.weight", F, D, p + "fc1.bias", true);
            L.ffn.down = load_linear(wm, p + "fc2.weight", D, F, p + "fc2.bias", true);
            L.ffn_norm = layer_norm(p + "final_layer_norm");
            s.layers.push_back(std::move(L));
        }
        if (mbart) s.final_norm = layer_norm(root + "layer_norm");
    }
    const Tensor* head = wm.find("lm_head.weight");
    w->lm_head =
        head ? load_linear(wm, "lm_head.weight", w->embed_tokens.dim(0), D) : Linear{w->embed_tokens, {}};
    const int64_t V = w->lm_head.out_features();
    if (const Tensor* b = wm.find("final_logits_bias")) {
        if (b->numel() != V)
            throw Error("tensor 'final_logits_bias': expected " + std::to_string(V) + " values, found " +
                        b->shape_string())
                .tensor("final_logits_bias");
        w->final_logits_bias = b->to_f32();
    }
    return w;
}

}  // namespace loom
