// Seq2SeqConfig from a Hugging Face config.json (model_type t5, marian, bart, mbart).
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "models/seq2seq_model.h"
#include "models/seq2seq_weights.h"

namespace loom {
namespace {

int64_t require_int(const nlohmann::json& c, const char* key) {
    if (!c.contains(key) || !c[key].is_number_integer())
        throw Error(std::string("config.json: missing or non-integer '") + key + "'");
    return c[key].get<int64_t>();
}

int64_t int_or(const nlohmann::json& c, const char* key, int64_t fallback) {
    return c.contains(key) && c[key].is_number_integer() ? c[key].get<int64_t>() : fallback;
}

// A token id key: absent or null gives -1.
// A token id key: absent or null gives -1; a list (generation_config eos_token_id) gives its first id.
int32_t token_id(const nlohmann::json& c, const char* key) {
    if (!c.contains(key)) return -1;
    const nlohmann::json& v = c[key];
    if (v.is_array() && !v.empty() && v[0].is_number_integer()) return v[0].get<int32_t>();
    if (!v.is_number_integer()) return -1;
    return v.get<int32_t>();
}

void read_generation_fields(Seq2SeqConfig& cfg, const nlohmann::json& c) {
    for (auto [key, field] :
         {std::pair{"eos_token_id", &cfg.eos_token_id}, std::pair{"pad_token_id", &cfg.pad_token_id},
          std::pair{"bos_token_id", &cfg.bos_token_id},
          std::pair{"decoder_start_token_id", &cfg.decoder_start_token_id},
          std::pair{"forced_bos_token_id", &cfg.forced_bos_token_id},
          std::pair{"forced_eos_token_id", &cfg.forced_eos_token_id}})
        if (c.contains(key)) *field = token_id(c, key);
    if (c.contains("bad_words_ids") && c["bad_words_ids"].is_array()) {
        cfg.banned_token_ids.clear();
        for (const auto& words : c["bad_words_ids"])
            if (words.is_array() && words.size() == 1 && words[0].is_number_integer())
                cfg.banned_token_ids.push_back(words[0].get<int32_t>());
    }
}

}  // namespace

Seq2SeqActivation seq2seq_activation_named(const std::string& name, const char* config_key) {
    if (name == "relu") return Seq2SeqActivation::Relu;
    if (name == "gelu") return Seq2SeqActivation::GeluErf;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh") return Seq2SeqActivation::GeluTanh;
    if (name == "silu" || name == "swish") return Seq2SeqActivation::Silu;
    throw Error(std::string("config.json: unsupported ") + config_key + " '" + name + "'");
}

bool is_seq2seq_model_type(const std::string& model_type) {
    return model_type == "t5" || model_type == "marian" || model_type == "bart" || model_type == "mbart";
}

Seq2SeqConfig seq2seq_config_from_hf(const nlohmann::json& c) {
    Seq2SeqConfig cfg;
    cfg.model_type = c.value("model_type", "");
    cfg.name_or_path = c.contains("_name_or_path") && c["_name_or_path"].is_string()
                           ? c["_name_or_path"].get<std::string>()
                           : "";
    if (c.contains("architectures") && c["architectures"].is_array())
        for (const auto& a : c["architectures"])
            if (a.is_string()) cfg.architectures.push_back(a.get<std::string>());
    cfg.d_model = require_int(c, "d_model");
    if (cfg.model_type == "t5") {
        cfg.arch = Seq2SeqArch::T5;
        cfg.n_head = require_int(c, "num_heads");
        cfg.head_dim = require_int(c, "d_kv");
        cfg.n_ff = require_int(c, "d_ff");
        cfg.n_encoder_layers = require_int(c, "num_layers");
        cfg.n_decoder_layers = int_or(c, "num_decoder_layers", cfg.n_encoder_layers);
        cfg.max_source_positions = cfg.max_target_positions = int_or(c, "n_positions", 512);
        cfg.positions_unbounded = true;
    } else if (is_seq2seq_model_type(cfg.model_type)) {
        cfg.arch = cfg.model_type == "marian" ? Seq2SeqArch::Marian
                   : cfg.model_type == "bart" ? Seq2SeqArch::Bart
                                              : Seq2SeqArch::MBart;
        cfg.n_head = require_int(c, "encoder_attention_heads");
        if (int_or(c, "decoder_attention_heads", cfg.n_head) != cfg.n_head)
            throw Error("config.json: encoder_attention_heads != decoder_attention_heads is not supported");
        cfg.n_ff = require_int(c, "encoder_ffn_dim");
        if (int_or(c, "decoder_ffn_dim", cfg.n_ff) != cfg.n_ff)
            throw Error("config.json: encoder_ffn_dim != decoder_ffn_dim is not supported");
        cfg.n_encoder_layers = require_int(c, "encoder_layers");
        cfg.n_decoder_layers = require_int(c, "decoder_layers");
        cfg.max_source_positions = cfg.max_target_positions = require_int(c, "max_position_embeddings");
        if (cfg.n_head <= 0 || cfg.d_model % cfg.n_head != 0)
            throw Error("config.json: d_model " + std::to_string(cfg.d_model) + " is not a multiple of " +
                        std::to_string(cfg.n_head) + " heads");
        cfg.head_dim = cfg.d_model / cfg.n_head;
    } else {
        throw Error("unknown encoder-decoder architecture '" + cfg.model_type +
                    "'; loom runs: t5, marian, bart, mbart");
    }
    if (cfg.n_head <= 0 || cfg.head_dim <= 0 || cfg.n_encoder_layers <= 0 || cfg.n_decoder_layers <= 0)
        throw Error("config.json: non-positive head or layer count");
    cfg.n_vocab = require_int(c, "vocab_size");
    read_generation_fields(cfg, c);
    // As generate() does: decoder_start_token_id, else bos_token_id, else none.
    if (cfg.decoder_start_token_id < 0) cfg.decoder_start_token_id = cfg.bos_token_id;
    return cfg;
}

void apply_hf_generation_config(Seq2SeqConfig& config, const nlohmann::json& generation_config) {
    if (!generation_config.is_object()) return;
    read_generation_fields(config, generation_config);
    if (config.decoder_start_token_id < 0) config.decoder_start_token_id = config.bos_token_id;
}

}  // namespace loom
