#include "generate/loaded_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/log.h"
#include "formats/gguf.h"
#include "formats/gguf_tokenizer.h"
#include "generate/chat_template.h"

namespace loom {

namespace {

void add_end_id(std::vector<int32_t>& ids, int64_t id) {
    if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end())
        ids.push_back(static_cast<int32_t>(id));
}

// Ids from a JSON number or array of numbers (HF config.json / generation_config.json eos_token_id).
void add_end_ids_from_json(std::vector<int32_t>& ids, const nlohmann::json& value) {
    if (value.is_number_integer()) add_end_id(ids, value.get<int64_t>());
    if (value.is_array())
        for (const auto& v : value)
            if (v.is_number_integer()) add_end_id(ids, v.get<int64_t>());
}

// Tokens that end a turn in common chat formats; added when the vocabulary has them as special tokens.
void add_named_end_ids(std::vector<int32_t>& ids, const Tokenizer& tokenizer) {
    for (const char* name : {"<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "</s>"})
        if (auto id = tokenizer.token_to_id(name); id && tokenizer.is_special(*id)) add_end_id(ids, *id);
}

}  // namespace

LoadedModel load_model(const std::string& path) {
    LoadedModel m;
    m.source = open_model_source(path);
    m.model = load_decoder_model(m.source);
    if (m.source.format == SourceFormat::Gguf) {
        const GgufFile& g = *m.source.gguf;
        m.tokenizer = tokenizer_from_gguf(g);
        for (const char* key :
             {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"})
            if (auto id = g.get_int(key)) add_end_id(m.end_of_generation, *id);
        m.chat_template = g.get_string("tokenizer.chat_template").value_or("");
        if (auto id = g.get_int("tokenizer.ggml.bos_token_id")) m.bos_token = m.tokenizer->id_to_token(*id);
        if (auto id = g.get_int("tokenizer.ggml.eos_token_id")) m.eos_token = m.tokenizer->id_to_token(*id);
    } else {
        if (m.source.tokenizer_json_path.empty())
            throw Error("no tokenizer.json in the model folder").file(m.source.path);
        m.tokenizer = Tokenizer::from_file(m.source.tokenizer_json_path);
        if (m.source.hf_config.contains("eos_token_id"))
            add_end_ids_from_json(m.end_of_generation, m.source.hf_config["eos_token_id"]);
        if (!m.source.generation_config_path.empty()) {
            auto gen = nlohmann::json::parse(read_json_text(m.source.generation_config_path), nullptr, false);
            if (gen.is_object() && gen.contains("eos_token_id"))
                add_end_ids_from_json(m.end_of_generation, gen["eos_token_id"]);
        }
        if (!m.source.tokenizer_config_path.empty()) {
            auto tc = nlohmann::json::parse(read_json_text(m.source.tokenizer_config_path), nullptr, false);
            if (tc.is_object() && tc.contains("chat_template"))
                m.chat_template = chat_template_from_tokenizer_config(m.source.tokenizer_config_path);
            for (auto [key, out] :
                 {std::pair{"bos_token", &m.bos_token}, std::pair{"eos_token", &m.eos_token}}) {
                if (!tc.is_object() || !tc.contains(key)) continue;
                const auto& v = tc[key];  // a string, or an AddedToken object {"content": ...}
                if (v.is_string()) *out = v.template get<std::string>();
                if (v.is_object() && v.contains("content")) *out = v["content"].template get<std::string>();
            }
        }
    }
    add_named_end_ids(m.end_of_generation, *m.tokenizer);
    log_info("model: ", m.model->config().describe());
    return m;
}

int64_t choose_context(const ModelConfig& config, int64_t requested) {
    if (requested > 0) return requested;
    if (requested < 0) throw Error("context size must be positive, got " + std::to_string(requested));
    return config.n_ctx_train > 0 ? std::min<int64_t>(config.n_ctx_train, 4096) : 4096;
}

}  // namespace loom
