#include "models/encoder_config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace loom {
namespace {

using json = nlohmann::json;

int64_t require_int(const json& config, const char* key) {
    auto it = config.find(key);
    if (it == config.end() || !it->is_number_integer())
        throw Error(std::string("config.json: missing integer '") + key + "' for an encoder model");
    int64_t v = it->get<int64_t>();
    if (v <= 0)
        throw Error(std::string("config.json: '") + key + "' must be positive, found " + std::to_string(v));
    return v;
}

int64_t int_or(const json& config, const char* key, int64_t fallback) {
    auto it = config.find(key);
    return it != config.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

EncoderActivation parse_activation(const std::string& name) {
    if (name == "gelu") return EncoderActivation::GeluErf;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
        return EncoderActivation::GeluTanh;
    if (name == "relu") return EncoderActivation::Relu;
    throw Error("config.json: unsupported activation '" + name + "' (supported: gelu, gelu_new, relu)");
}

std::vector<std::string> parse_labels(const json& config) {
    auto it = config.find("id2label");
    int64_t n = int_or(config, "num_labels", 0);
    std::vector<std::string> labels;
    if (it != config.end() && it->is_object()) {
        n = std::max<int64_t>(n, static_cast<int64_t>(it->size()));
        labels.resize(static_cast<size_t>(n));
        for (auto& [key, value] : it->items()) {
            size_t pos = 0;
            int64_t id = -1;
            try {
                id = std::stoll(key, &pos);
            } catch (const std::exception&) {
            }
            if (id < 0 || id >= n || pos != key.size() || !value.is_string())
                throw Error("config.json: id2label has a bad entry '" + key + "'");
            labels[static_cast<size_t>(id)] = value.get<std::string>();
        }
    }
    labels.resize(static_cast<size_t>(n));
    for (size_t i = 0; i < labels.size(); ++i)
        if (labels[i].empty()) labels[i] = "LABEL_" + std::to_string(i);
    return labels;
}

}  // namespace

bool is_encoder_model_type(const std::string& t) {
    return t == "bert" || t == "roberta" || t == "xlm-roberta" || t == "camembert" || t == "distilbert";
}

EncoderConfig encoder_config_from_hf(const json& config) {
    if (!config.is_object()) throw Error("config.json: expected a JSON object");
    EncoderConfig c;
    c.model_type = config.value("model_type", std::string());
    if (!is_encoder_model_type(c.model_type))
        throw Error("config.json: model_type '" + c.model_type + "' is not an encoder model")
            .hint("supported: bert, roberta, xlm-roberta, camembert, distilbert");
    if (auto it = config.find("architectures"); it != config.end() && it->is_array())
        for (const json& a : *it)
            if (a.is_string()) c.architectures.push_back(a.get<std::string>());
    if (c.model_type == "distilbert") {
        c.arch = EncoderArch::DistilBert;
        c.hidden = require_int(config, "dim");
        c.n_layers = require_int(config, "n_layers");
        c.n_heads = require_int(config, "n_heads");
        c.ffn = require_int(config, "hidden_dim");
        c.activation = parse_activation(config.value("activation", std::string("gelu")));
        c.layer_norm_eps = 1e-12f;  // fixed in the DistilBERT modelling code, not in its config
        c.type_vocab_size = 0;
    } else {
        c.arch = c.model_type == "bert" ? EncoderArch::Bert : EncoderArch::Roberta;
        c.hidden = require_int(config, "hidden_size");
        c.n_layers = require_int(config, "num_hidden_layers");
        c.n_heads = require_int(config, "num_attention_heads");
        c.ffn = require_int(config, "intermediate_size");
        c.activation = parse_activation(config.value("hidden_act", std::string("gelu")));
        c.layer_norm_eps = config.value("layer_norm_eps", 1e-12f);
        c.type_vocab_size = int_or(config, "type_vocab_size", 2);
        std::string positions = config.value("position_embedding_type", std::string("absolute"));
        if (positions != "absolute")
            throw Error("config.json: position_embedding_type '" + positions +
                        "' is not supported (absolute only)");
    }
    c.vocab_size = require_int(config, "vocab_size");
    c.max_positions = require_int(config, "max_position_embeddings");
    c.pad_token_id =
        static_cast<int32_t>(int_or(config, "pad_token_id", c.arch == EncoderArch::Roberta ? 1 : 0));
    if (c.arch == EncoderArch::Roberta) c.position_offset = c.pad_token_id + 1;
    if (c.hidden % c.n_heads != 0)
        throw Error("config.json: hidden size " + std::to_string(c.hidden) + " is not a multiple of " +
                    std::to_string(c.n_heads) + " heads");
    if (c.max_sequence_length() <= 0)
        throw Error("config.json: max_position_embeddings too small for pad_token_id");
    c.id2label = parse_labels(config);
    return c;
}

}  // namespace loom
