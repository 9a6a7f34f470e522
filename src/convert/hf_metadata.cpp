#include "convert/hf_metadata.h"

#include <cmath>
#include <numbers>

#include "core/error.h"
#include "models/model_config.h"

namespace loom {
namespace {

using nlohmann::json;

const json* rope_scaling(const json& config) {
    for (const char* key : {"rope_scaling", "rope_parameters"}) {
        auto it = config.find(key);
        if (it != config.end() && it->is_object()) return &*it;
    }
    return nullptr;
}

std::string rope_type(const json& scaling) {
    for (const char* key : {"rope_type", "type"})
        if (scaling.contains(key) && scaling[key].is_string()) return scaling[key].get<std::string>();
    return "default";
}

}  // namespace

HfArchInfo hf_arch_info(const json& config) {
    ModelConfig c = model_config_from_hf(config);  // validates every key the model needs
    HfArchInfo arch;
    arch.hf_type = c.architecture;
    arch.gguf_arch = c.architecture == "mistral" ? "llama" : c.architecture;
    arch.n_head = c.n_head;
    arch.n_head_kv = c.n_head_kv;
    // GPT-2 always ties; the others say so in config.json (transformers' default is tied).
    arch.tied_output = c.architecture == "gpt2" || config.value("tie_word_embeddings", true);
    return arch;
}

void write_hf_hyperparameters(GgufWriter& w, const json& config, const HfArchInfo& arch,
                              const std::string& model_name) {
    const ModelConfig c = model_config_from_hf(config);
    const std::string p = arch.gguf_arch + ".";
    w.set("general.architecture", GgufValue::string(arch.gguf_arch));
    w.set("general.name", GgufValue::string(model_name));
    w.set(p + "context_length", GgufValue::u32(static_cast<uint32_t>(c.n_ctx_train)));
    w.set(p + "embedding_length", GgufValue::u32(static_cast<uint32_t>(c.n_embd)));
    w.set(p + "block_count", GgufValue::u32(static_cast<uint32_t>(c.n_layer)));
    w.set(p + "feed_forward_length", GgufValue::u32(static_cast<uint32_t>(c.n_ff)));
    w.set(p + "attention.head_count", GgufValue::u32(static_cast<uint32_t>(c.n_head)));
    w.set(p + "vocab_size", GgufValue::u32(static_cast<uint32_t>(c.n_vocab)));
    if (c.family == ModelFamily::Llama) {
        w.set(p + "attention.head_count_kv", GgufValue::u32(static_cast<uint32_t>(c.n_head_kv)));
        w.set(p + "attention.layer_norm_rms_epsilon", GgufValue::f32(c.norm_eps));
        w.set(p + "rope.freq_base", GgufValue::f32(c.rope.freq_base));
        w.set(p + "rope.dimension_count", GgufValue::u32(static_cast<uint32_t>(c.rope.n_rot)));
        if (c.head_dim * c.n_head != c.n_embd) {
            w.set(p + "attention.key_length", GgufValue::u32(static_cast<uint32_t>(c.head_dim)));
            w.set(p + "attention.value_length", GgufValue::u32(static_cast<uint32_t>(c.head_dim)));
        }
        if (const json* scaling = rope_scaling(config)) {
            const std::string type = rope_type(*scaling);
            const float factor = scaling->value("factor", 1.0f);
            if (type == "linear" || type == "yarn") {
                w.set(p + "rope.scaling.type", GgufValue::string(type));
                w.set(p + "rope.scaling.factor", GgufValue::f32(factor));
                w.set(p + "rope.scaling.original_context_length",
                      GgufValue::u32(static_cast<uint32_t>(c.rope.original_context)));
            } else if (type == "dynamic") {
                throw Error("config.json: dynamic NTK RoPE scaling has no GGUF form; convert refuses it");
            }  // llama3: rope_freqs.weight (derived_tensors)
        }
    } else {
        w.set(p + "attention.layer_norm_epsilon", GgufValue::f32(c.norm_eps));
    }
}

std::vector<std::pair<std::string, std::vector<float>>> derived_tensors(const json& config,
                                                                        const HfArchInfo& arch) {
    const json* scaling = rope_scaling(config);
    if (arch.gguf_arch != "llama" && arch.gguf_arch != "qwen2") return {};
    if (!scaling || rope_type(*scaling) != "llama3") return {};
    const ModelConfig c = model_config_from_hf(config);
    const RopeConfig& r = c.rope;
    // LLaMA-3 scaling: wavelengths shorter than original_context / high_freq_factor are kept, longer than
    // original_context / low_freq_factor are divided by `factor`, and in between the two are blended.
    const double low_wavelen = r.original_context / r.low_freq_factor;
    const double high_wavelen = r.original_context / r.high_freq_factor;
    std::vector<float> factors(static_cast<size_t>(r.n_rot / 2));  // [n_rot / 2]: divides each frequency
    for (size_t i = 0; i < factors.size(); ++i) {
        const double freq = std::pow(static_cast<double>(r.freq_base), -2.0 * i / r.n_rot);
        const double wavelen = 2.0 * std::numbers::pi / freq;
        if (wavelen < high_wavelen) {
            factors[i] = 1.0f;
        } else if (wavelen > low_wavelen) {
            factors[i] = r.factor;
        } else {
            const double smooth =
                (r.original_context / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
            factors[i] = static_cast<float>(1.0 / ((1.0 - smooth) / r.factor + smooth));
        }
    }
    return {{"rope_freqs.weight", std::move(factors)}};
}

}  // namespace loom
