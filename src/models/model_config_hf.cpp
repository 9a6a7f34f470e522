// ModelConfig from a Hugging Face config.json. Key names differ per model_type (GPT-2 and BLOOM predate the
// LLaMA-era names), so each family reads its own keys.
#include "core/error.h"
#include "models/model_config.h"

namespace loom {
namespace {

using nlohmann::json;

const json* find_key(const json& config, std::initializer_list<const char*> names) {
    for (const char* name : names) {
        auto it = config.find(name);
        if (it != config.end() && !it->is_null()) return &*it;
    }
    return nullptr;
}

int64_t int_key(const json& config, std::initializer_list<const char*> names,
                std::optional<int64_t> fallback = {}) {
    const json* v = find_key(config, names);
    if (!v) {
        if (fallback) return *fallback;
        throw Error(std::string("config.json: missing '") + *names.begin() + "'");
    }
    if (!v->is_number_integer())
        throw Error(std::string("config.json: '") + *names.begin() + "' must be an integer");
    return v->get<int64_t>();
}

double float_key(const json& config, std::initializer_list<const char*> names, double fallback) {
    const json* v = find_key(config, names);
    if (!v) return fallback;
    if (!v->is_number()) throw Error(std::string("config.json: '") + *names.begin() + "' must be a number");
    return v->get<double>();
}

// rope_scaling (transformers 4.x) or rope_parameters (5.x, which also carries rope_theta).
void read_rope(const json& config, RopeConfig& r, int64_t n_ctx_train) {
    r.layout = RopeLayout::Halves;  // HF llama/mistral/qwen2 weights are unpermuted: rotate_half
    r.freq_base = static_cast<float>(float_key(config, {"rope_theta"}, 10000.0));
    const json* scaling = find_key(config, {"rope_scaling", "rope_parameters"});
    if (!scaling || !scaling->is_object()) return;
    r.freq_base = static_cast<float>(float_key(*scaling, {"rope_theta"}, r.freq_base));
    std::string type = "default";
    if (const json* t = find_key(*scaling, {"rope_type", "type"})) type = t->get<std::string>();
    r.factor = static_cast<float>(float_key(*scaling, {"factor"}, 1.0));
    r.original_context = int_key(*scaling, {"original_max_position_embeddings"}, n_ctx_train);
    if (type == "default") return;
    if (type == "linear") {
        r.scaling = RopeScaling::Linear;
    } else if (type == "dynamic") {
        r.scaling = RopeScaling::DynamicNtk;
    } else if (type == "llama3") {
        r.scaling = RopeScaling::Llama3;
        r.low_freq_factor = static_cast<float>(float_key(*scaling, {"low_freq_factor"}, 1.0));
        r.high_freq_factor = static_cast<float>(float_key(*scaling, {"high_freq_factor"}, 4.0));
    } else if (type == "yarn") {
        r.scaling = RopeScaling::Yarn;
        r.yarn_beta_fast = static_cast<float>(float_key(*scaling, {"beta_fast"}, 32.0));
        r.yarn_beta_slow = static_cast<float>(float_key(*scaling, {"beta_slow"}, 1.0));
    } else {
        throw Error("config.json: unsupported rope scaling type '" + type +
                    "' (loom supports linear, dynamic, llama3, yarn)");
    }
    if (!(r.factor > 0.0f)) throw Error("config.json: rope scaling factor must be positive");
}

// Which layers use the sliding window: transformers' "layer_types" when the config lists them, else each
// family's own rule. Mistral: every layer (sliding_window absent means transformers' default 4096, null means
// none); Qwen2/Qwen3: layers >= max_window_layers when use_sliding_window; Gemma 3: sliding_window_pattern.
void read_sliding_window(const json& config, ModelConfig& c) {
    const json* window = find_key(config, {"sliding_window"});
    if (c.architecture == "mistral") {
        c.sliding_window = config.contains("sliding_window") ? (window ? window->get<int64_t>() : 0) : 4096;
    } else if (c.architecture == "qwen2" || c.architecture == "qwen3") {
        const json* use = find_key(config, {"use_sliding_window"});
        if (!use || !use->get<bool>() || !window) return;
        c.sliding_window = window->get<int64_t>();
        const int64_t first = int_key(config, {"max_window_layers"}, 28);
        c.swa_layers.assign(c.n_layer, false);
        for (int64_t i = first; i < c.n_layer; ++i) c.swa_layers[i] = true;
    } else if (c.architecture == "gemma3_text") {
        c.sliding_window = window ? window->get<int64_t>() : 4096;
        c.swa_layers = gemma3_swa_layers(c.n_layer, int_key(config, {"sliding_window_pattern"}, 6));
    }
    if (c.sliding_window <= 0) return;
    if (const json* types = find_key(config, {"layer_types"})) {
        if (!types->is_array() || static_cast<int64_t>(types->size()) != c.n_layer)
            throw Error("config.json: 'layer_types' must list one entry per layer");
        c.swa_layers.assign(c.n_layer, false);
        for (int64_t i = 0; i < c.n_layer; ++i) {
            const std::string type = (*types)[i].get<std::string>();
            if (type != "sliding_attention" && type != "full_attention")
                throw Error("config.json: layer type '" + type + "' is not supported (loom runs " +
                            "sliding_attention, full_attention)");
            c.swa_layers[i] = type == "sliding_attention";
        }
    }
}

// Gemma 3's two RoPEs: global layers (rope_theta, default 1e6, with rope_scaling) and local layers
// (rope_local_base_freq, default 1e4, unscaled); transformers 5 writes both under rope_parameters, keyed by
// layer type.
void read_gemma3_ropes(const json& config, ModelConfig& c) {
    const json* params = find_key(config, {"rope_parameters"});
    json global = json::object(), local = json::object();
    if (params && params->is_object() && params->contains("full_attention")) {
        global["rope_parameters"] = (*params)["full_attention"];
        if (params->contains("sliding_attention")) local["rope_parameters"] = (*params)["sliding_attention"];
    } else {
        if (const json* scaling = find_key(config, {"rope_scaling", "rope_parameters"})) global["rope_scaling"] = *scaling;
    }
    global["rope_theta"] = float_key(config, {"rope_theta"}, 1000000.0);
    local["rope_theta"] = float_key(config, {"rope_local_base_freq"}, 10000.0);
    read_rope(global, c.rope, c.n_ctx_train);
    read_rope(local, c.rope_local, c.n_ctx_train);
}

}  // namespace

ModelConfig model_config_from_hf(const json& config) {
    if (!config.is_object()) throw Error("config.json: expected a JSON object");
    const json* type = find_key(config, {"model_type"});
    if (!type || !type->is_string()) throw Error("config.json: missing 'model_type'");
    ModelConfig c;
    c.architecture = type->get<std::string>();
    if (c.architecture == "gpt2") {
        c.family = ModelFamily::Gpt2;
        c.n_layer = int_key(config, {"n_layer", "num_hidden_layers"});
        c.n_embd = int_key(config, {"n_embd", "hidden_size"});
        c.n_head = int_key(config, {"n_head", "num_attention_heads"});
        c.n_ff = int_key(config, {"n_inner"}, 4 * c.n_embd);
        c.n_ctx_train = int_key(config, {"n_positions", "max_position_embeddings"});
        c.norm_eps = static_cast<float>(float_key(config, {"layer_norm_epsilon"}, 1e-5));
        if (const json* act = find_key(config, {"activation_function"}))
            if (act->get<std::string>() != "gelu_new")
                throw Error("config.json: GPT-2 activation '" + act->get<std::string>() +
                            "' is not supported (loom runs gelu_new)");
    } else if (c.architecture == "bloom") {
        c.family = ModelFamily::Bloom;
        c.n_layer = int_key(config, {"n_layer", "num_hidden_layers"});
        c.n_embd = int_key(config, {"hidden_size", "n_embed"});
        c.n_head = int_key(config, {"n_head", "num_attention_heads"});
        c.n_ff = 4 * c.n_embd;
        c.n_ctx_train = int_key(config, {"seq_length", "max_position_embeddings"}, 2048);
        c.norm_eps = static_cast<float>(float_key(config, {"layer_norm_epsilon"}, 1e-5));
        if (find_key(config, {"apply_residual_connection_post_layernorm"}) &&
            config["apply_residual_connection_post_layernorm"].get<bool>())
            throw Error("config.json: BLOOM with apply_residual_connection_post_layernorm is not supported");
    } else if (c.architecture == "gemma3_text") {
        c.family = ModelFamily::Gemma3;
        c.n_layer = int_key(config, {"num_hidden_layers"});
        c.n_embd = int_key(config, {"hidden_size"});
        c.n_head = int_key(config, {"num_attention_heads"});
        c.n_head_kv = int_key(config, {"num_key_value_heads"}, c.n_head);
        c.head_dim = int_key(config, {"head_dim"}, 256);
        c.n_ff = int_key(config, {"intermediate_size"});
        c.n_ctx_train = int_key(config, {"max_position_embeddings"}, 131072);
        c.norm_eps = static_cast<float>(float_key(config, {"rms_norm_eps"}, 1e-6));
        c.query_pre_attn_scalar = static_cast<float>(float_key(config, {"query_pre_attn_scalar"}, 256.0));
        c.final_logit_softcap = static_cast<float>(float_key(config, {"final_logit_softcapping"}, 0.0));
        if (const json* act = find_key(config, {"hidden_activation", "hidden_act"}))
            if (act->get<std::string>() != "gelu_pytorch_tanh")
                throw Error("config.json: Gemma 3 activation '" + act->get<std::string>() +
                            "' is not supported (loom runs gelu_pytorch_tanh)");
        if (find_key(config, {"use_bidirectional_attention"}) && config["use_bidirectional_attention"].get<bool>())
            throw Error("config.json: Gemma 3 with use_bidirectional_attention is not a causal decoder");
        read_gemma3_ropes(config, c);
        read_sliding_window(config, c);
    } else if (c.architecture == "gemma3") {
        throw Error("config.json: model_type 'gemma3' is the multimodal Gemma 3; loom runs its text model "
                    "(model_type 'gemma3_text', Gemma3ForCausalLM)");
    } else if (c.architecture == "llama" || c.architecture == "mistral" || c.architecture == "qwen2" ||
               c.architecture == "qwen3") {
        c.family = ModelFamily::Llama;
        c.n_layer = int_key(config, {"num_hidden_layers"});
        c.n_embd = int_key(config, {"hidden_size"});
        c.n_head = int_key(config, {"num_attention_heads"});
        c.n_head_kv = int_key(config, {"num_key_value_heads"}, c.n_head);
        c.head_dim = int_key(config, {"head_dim"}, 0);
        c.n_ff = int_key(config, {"intermediate_size"});
        c.n_ctx_train = int_key(config, {"max_position_embeddings"}, 2048);
        c.norm_eps = static_cast<float>(float_key(config, {"rms_norm_eps"}, 1e-6));
        if (const json* act = find_key(config, {"hidden_act"}))
            if (act->get<std::string>() != "silu")
                throw Error("config.json: activation '" + act->get<std::string>() +
                            "' is not supported (loom runs silu)");
        read_rope(config, c.rope, c.n_ctx_train);
        read_sliding_window(config, c);
    } else {
        throw Error("unknown architecture '" + c.architecture +
                    "'; loom runs: " + supported_decoder_architectures());
    }
    c.n_vocab = int_key(config, {"vocab_size"});
    c.bos_token_id = int_key(config, {"bos_token_id"}, -1);
    if (const json* eos = find_key(config, {"eos_token_id"}); eos && eos->is_number_integer())
        c.eos_token_id = eos->get<int64_t>();
    finish_model_config(c);
    return c;
}

}  // namespace loom
