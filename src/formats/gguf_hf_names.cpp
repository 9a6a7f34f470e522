#include "formats/gguf_hf_names.h"

#include <cctype>
#include <span>

namespace loom {
namespace {

// One role: HF stem <-> GGUF stem, '#' standing for the layer index. A stem is the name without its final
// ".weight" / ".bias", which carries over unchanged.
struct StemRule {
    const char* hf;
    const char* gguf;
};

const StemRule kBert[] = {
    {"embeddings.word_embeddings", "token_embd"},
    {"embeddings.position_embeddings", "position_embd"},
    {"embeddings.token_type_embeddings", "token_types"},
    {"embeddings.LayerNorm", "token_embd_norm"},
    {"encoder.layer.#.attention.self.query", "blk.#.attn_q"},
    {"encoder.layer.#.attention.self.key", "blk.#.attn_k"},
    {"encoder.layer.#.attention.self.value", "blk.#.attn_v"},
    {"encoder.layer.#.attention.output.dense", "blk.#.attn_output"},
    {"encoder.layer.#.attention.output.LayerNorm", "blk.#.attn_output_norm"},
    {"encoder.layer.#.intermediate.dense", "blk.#.ffn_up"},
    {"encoder.layer.#.output.dense", "blk.#.ffn_down"},
    {"encoder.layer.#.output.LayerNorm", "blk.#.layer_output_norm"},
};

const StemRule kDistilBert[] = {
    {"embeddings.word_embeddings", "token_embd"},
    {"embeddings.position_embeddings", "position_embd"},
    {"embeddings.LayerNorm", "token_embd_norm"},
    {"transformer.layer.#.attention.q_lin", "blk.#.attn_q"},
    {"transformer.layer.#.attention.k_lin", "blk.#.attn_k"},
    {"transformer.layer.#.attention.v_lin", "blk.#.attn_v"},
    {"transformer.layer.#.attention.out_lin", "blk.#.attn_output"},
    {"transformer.layer.#.sa_layer_norm", "blk.#.attn_output_norm"},
    {"transformer.layer.#.ffn.lin1", "blk.#.ffn_up"},
    {"transformer.layer.#.ffn.lin2", "blk.#.ffn_down"},
    {"transformer.layer.#.output_layer_norm", "blk.#.layer_output_norm"},
};

// First match wins in both directions: the canonical spelling of a role comes first, aliases after it.
const StemRule kT5[] = {
    {"shared", "token_embd"},
    {"encoder.embed_tokens", "token_embd"},
    {"decoder.embed_tokens", "token_embd"},
    {"lm_head", "output"},
    {"encoder.block.#.layer.0.layer_norm", "enc.blk.#.attn_norm"},
    {"encoder.block.#.layer.0.SelfAttention.q", "enc.blk.#.attn_q"},
    {"encoder.block.#.layer.0.SelfAttention.k", "enc.blk.#.attn_k"},
    {"encoder.block.#.layer.0.SelfAttention.v", "enc.blk.#.attn_v"},
    {"encoder.block.#.layer.0.SelfAttention.o", "enc.blk.#.attn_o"},
    {"encoder.block.#.layer.0.SelfAttention.relative_attention_bias", "enc.blk.#.attn_rel_b"},
    {"encoder.block.#.layer.1.layer_norm", "enc.blk.#.ffn_norm"},
    {"encoder.block.#.layer.1.DenseReluDense.wi", "enc.blk.#.ffn_up"},
    {"encoder.block.#.layer.1.DenseReluDense.wi_0", "enc.blk.#.ffn_gate"},
    {"encoder.block.#.layer.1.DenseReluDense.wi_1", "enc.blk.#.ffn_up"},
    {"encoder.block.#.layer.1.DenseReluDense.wo", "enc.blk.#.ffn_down"},
    {"encoder.final_layer_norm", "enc.output_norm"},
    {"decoder.block.#.layer.0.layer_norm", "dec.blk.#.attn_norm"},
    {"decoder.block.#.layer.0.SelfAttention.q", "dec.blk.#.attn_q"},
    {"decoder.block.#.layer.0.SelfAttention.k", "dec.blk.#.attn_k"},
    {"decoder.block.#.layer.0.SelfAttention.v", "dec.blk.#.attn_v"},
    {"decoder.block.#.layer.0.SelfAttention.o", "dec.blk.#.attn_o"},
    {"decoder.block.#.layer.0.SelfAttention.relative_attention_bias", "dec.blk.#.attn_rel_b"},
    {"decoder.block.#.layer.1.layer_norm", "dec.blk.#.cross_attn_norm"},
    {"decoder.block.#.layer.1.EncDecAttention.q", "dec.blk.#.cross_attn_q"},
    {"decoder.block.#.layer.1.EncDecAttention.k", "dec.blk.#.cross_attn_k"},
    {"decoder.block.#.layer.1.EncDecAttention.v", "dec.blk.#.cross_attn_v"},
    {"decoder.block.#.layer.1.EncDecAttention.o", "dec.blk.#.cross_attn_o"},
    {"decoder.block.#.layer.1.EncDecAttention.relative_attention_bias", "dec.blk.#.cross_attn_rel_b"},
    {"decoder.block.#.layer.2.layer_norm", "dec.blk.#.ffn_norm"},
    {"decoder.block.#.layer.2.DenseReluDense.wi", "dec.blk.#.ffn_up"},
    {"decoder.block.#.layer.2.DenseReluDense.wi_0", "dec.blk.#.ffn_gate"},
    {"decoder.block.#.layer.2.DenseReluDense.wi_1", "dec.blk.#.ffn_up"},
    {"decoder.block.#.layer.2.DenseReluDense.wo", "dec.blk.#.ffn_down"},
    {"decoder.final_layer_norm", "dec.output_norm"},
};

// BART, mBART and Marian (transformers' BartModel layout under "model.").
const StemRule kBart[] = {
    {"model.shared", "token_embd"},
    {"model.encoder.embed_tokens", "token_embd"},
    {"model.decoder.embed_tokens", "token_embd"},
    {"lm_head", "output"},
    {"model.encoder.embed_positions", "enc.position_embd"},
    {"model.decoder.embed_positions", "dec.position_embd"},
    {"model.encoder.layers.#.self_attn.q_proj", "enc.blk.#.attn_q"},
    {"model.encoder.layers.#.self_attn.k_proj", "enc.blk.#.attn_k"},
    {"model.encoder.layers.#.self_attn.v_proj", "enc.blk.#.attn_v"},
    {"model.encoder.layers.#.self_attn.out_proj", "enc.blk.#.attn_o"},
    {"model.encoder.layers.#.self_attn_layer_norm", "enc.blk.#.attn_norm"},
    {"model.encoder.layers.#.fc1", "enc.blk.#.ffn_up"},
    {"model.encoder.layers.#.fc2", "enc.blk.#.ffn_down"},
    {"model.encoder.layers.#.final_layer_norm", "enc.blk.#.ffn_norm"},
    {"model.encoder.layer_norm", "enc.output_norm"},
    {"model.decoder.layers.#.self_attn.q_proj", "dec.blk.#.attn_q"},
    {"model.decoder.layers.#.self_attn.k_proj", "dec.blk.#.attn_k"},
    {"model.decoder.layers.#.self_attn.v_proj", "dec.blk.#.attn_v"},
    {"model.decoder.layers.#.self_attn.out_proj", "dec.blk.#.attn_o"},
    {"model.decoder.layers.#.self_attn_layer_norm", "dec.blk.#.attn_norm"},
    {"model.decoder.layers.#.encoder_attn.q_proj", "dec.blk.#.cross_attn_q"},
    {"model.decoder.layers.#.encoder_attn.k_proj", "dec.blk.#.cross_attn_k"},
    {"model.decoder.layers.#.encoder_attn.v_proj", "dec.blk.#.cross_attn_v"},
    {"model.decoder.layers.#.encoder_attn.out_proj", "dec.blk.#.cross_attn_o"},
    {"model.decoder.layers.#.encoder_attn_layer_norm", "dec.blk.#.cross_attn_norm"},
    {"model.decoder.layers.#.fc1", "dec.blk.#.ffn_up"},
    {"model.decoder.layers.#.fc2", "dec.blk.#.ffn_down"},
    {"model.decoder.layers.#.final_layer_norm", "dec.blk.#.ffn_norm"},
    {"model.decoder.layer_norm", "dec.output_norm"},
};

std::span<const StemRule> rules_of(HfNameFamily family) {
    switch (family) {
        case HfNameFamily::Bert:
            return kBert;
        case HfNameFamily::DistilBert:
            return kDistilBert;
        case HfNameFamily::T5:
            return kT5;
        case HfNameFamily::Bart:
            return kBart;
    }
    return {};
}

// Matches `stem` against `pattern` ('#' = a run of digits); on success returns the digits ("" if none).
std::optional<std::string> match_stem(const std::string& pattern, const std::string& stem) {
    const size_t hash = pattern.find('#');
    if (hash == std::string::npos) return pattern == stem ? std::optional<std::string>("") : std::nullopt;
    const std::string head = pattern.substr(0, hash), tail = pattern.substr(hash + 1);
    if (stem.size() <= head.size() + tail.size() || stem.compare(0, head.size(), head) != 0 ||
        stem.compare(stem.size() - tail.size(), tail.size(), tail) != 0)
        return std::nullopt;
    const std::string digits = stem.substr(head.size(), stem.size() - head.size() - tail.size());
    for (char c : digits)
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    return digits;
}

std::string fill_layer(const std::string& pattern, const std::string& digits) {
    const size_t hash = pattern.find('#');
    return hash == std::string::npos ? pattern : pattern.substr(0, hash) + digits + pattern.substr(hash + 1);
}

// "a.b.weight" -> {"a.b", ".weight"}; a name without a .weight / .bias ending is all stem.
std::pair<std::string, std::string> split_suffix(const std::string& name) {
    for (const char* suffix : {".weight", ".bias"}) {
        const std::string s(suffix);
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
            return {name.substr(0, name.size() - s.size()), s};
    }
    return {name, ""};
}

bool uses_body_prefix(HfNameFamily family) {
    return family == HfNameFamily::Bert || family == HfNameFamily::DistilBert;
}

}  // namespace

std::optional<HfNameFamily> hf_name_family(const std::string& t) {
    if (t == "bert" || t == "roberta" || t == "xlm-roberta" || t == "camembert") return HfNameFamily::Bert;
    if (t == "distilbert") return HfNameFamily::DistilBert;
    if (t == "t5") return HfNameFamily::T5;
    if (t == "bart" || t == "mbart" || t == "marian") return HfNameFamily::Bart;
    return std::nullopt;
}

std::string gguf_tensor_name(HfNameFamily family, const std::string& body_prefix,
                             const std::string& hf_name) {
    std::string body = hf_name;
    if (uses_body_prefix(family)) {
        if (hf_name.compare(0, body_prefix.size(), body_prefix) != 0) return kLoomTensorPrefix + hf_name;
        body = hf_name.substr(body_prefix.size());
    }
    const auto [stem, suffix] = split_suffix(body);
    for (const StemRule& rule : rules_of(family))
        if (auto digits = match_stem(rule.hf, stem)) return fill_layer(rule.gguf, *digits) + suffix;
    return kLoomTensorPrefix + hf_name;
}

std::optional<std::string> hf_tensor_name(HfNameFamily family, const std::string& body_prefix,
                                          const std::string& gguf_name, bool t5_gated) {
    const std::string loom_prefix(kLoomTensorPrefix);
    if (gguf_name.compare(0, loom_prefix.size(), loom_prefix) == 0)
        return gguf_name.substr(loom_prefix.size());
    const auto [stem, suffix] = split_suffix(gguf_name);
    for (const StemRule& rule : rules_of(family))
        if (auto digits = match_stem(rule.gguf, stem)) {
            std::string hf = fill_layer(rule.hf, *digits);
            // ffn_up is wi (v1.0) or wi_1 (v1.1, beside the gate wi_0): the table lists wi first.
            if (family == HfNameFamily::T5 && t5_gated && hf.size() > 3 && hf.ends_with(".wi")) hf += "_1";
            return (uses_body_prefix(family) ? body_prefix : "") + hf + suffix;
        }
    return std::nullopt;
}

}  // namespace loom
