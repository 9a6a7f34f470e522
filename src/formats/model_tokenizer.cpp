#include "formats/model_tokenizer.h"

#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "core/json_depth.h"
#include "formats/gguf.h"
#include "formats/gguf_tokenizer.h"
#include "tokenizer/sentencepiece_json.h"
#include "tokenizer/sentencepiece_tokenizer.h"

namespace loom {

using nlohmann::json;

namespace {

// End-of-turn / end-of-text tokens of the common chat formats (ChatML, LLaMA-3, Gemma, Phi-3, DeepSeek, ...).
const char* const kEndOfGenerationTokens[] = {
    "<|im_end|>", "<|eot_id|>",           "<|eom_id|>", "<end_of_turn>", "<|endoftext|>",
    "<|end|>",    "<|end_of_text|>",      "<|return|>", "<EOT>",         "<｜end▁of▁sentence｜>",
    "</s>",       "<|END_OF_TURN_TOKEN|>"};

json read_json_file(const std::string& path) {
    const std::string text = read_json_text(path);
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        throw Error(std::string("invalid JSON: ") + e.what()).file(path);
    }
}

// tokenizer_config.json writes a special token as "text" or as {"content": "text", ...}.
std::string token_text(const json& config, const char* key) {
    if (!config.contains(key)) return "";
    const json& v = config[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    return "";
}

// chat_template is a string, or a list of {"name", "template"} from which "default" is the one to use.
std::string chat_template_of(const json& config) {
    if (!config.contains("chat_template")) return "";
    const json& t = config["chat_template"];
    if (t.is_string()) return t.get<std::string>();
    if (t.is_array()) {
        for (const auto& entry : t)
            if (entry.value("name", "") == "default" && entry.contains("template")) return entry["template"];
        if (!t.empty() && t[0].contains("template")) return t[0]["template"];
    }
    return "";
}

std::vector<int32_t> ids_of(const json& v) {
    std::vector<int32_t> ids;
    if (v.is_number_integer()) ids.push_back(v.get<int32_t>());
    if (v.is_array())
        for (const auto& x : v)
            if (x.is_number_integer()) ids.push_back(x.get<int32_t>());
    return ids;
}

// What encode(text, true) adds is decided by the post-processor; probe it rather than trust a config flag.
// `config_add_bos` / `config_add_eos`: the source's own flags, when it has them.
void probe_added_specials(const Tokenizer& tok, TokenizerInfo& info, std::optional<bool> config_add_bos,
                          std::optional<bool> config_add_eos) {
    auto with = tok.encode("a", true).ids;
    auto without = tok.encode("a", false).ids;
    if (with.size() > without.size()) {
        info.encode_adds_bos = info.bos_id && with.front() == *info.bos_id;
        info.encode_adds_eos = info.eos_id && with.back() == *info.eos_id;
    }
    info.add_bos = config_add_bos.value_or(info.encode_adds_bos) && info.bos_id;
    info.add_eos = config_add_eos.value_or(info.encode_adds_eos) && info.eos_id;
}

std::optional<bool> optional_bool(const json& config, const char* key) {
    if (config.contains(key) && config[key].is_boolean()) return config[key].get<bool>();
    return std::nullopt;
}

void finish_eog(const Tokenizer& tok, TokenizerInfo& info, std::vector<int32_t> extra) {
    if (info.eos_id) extra.push_back(*info.eos_id);
    for (const char* name : kEndOfGenerationTokens)
        if (auto id = tok.token_to_id(name); id && tok.is_special(*id)) extra.push_back(*id);
    std::sort(extra.begin(), extra.end());
    extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
    info.eog_ids = std::move(extra);
}

std::string text_of(const Tokenizer& tok, const std::optional<int32_t>& id) {
    return id ? tok.id_to_token(*id) : "";
}

ModelTokenizer from_gguf(const GgufFile& file) {
    tok::GgufVocab vocab = read_gguf_vocab(file);
    ModelTokenizer out;
    out.tokenizer = tok::tokenizer_from_gguf_vocab(vocab);
    TokenizerInfo& info = out.info;
    info.bos_id = vocab.model == "bert" && vocab.cls_id ? vocab.cls_id : vocab.bos_id;
    info.eos_id = vocab.model == "bert" && vocab.sep_id ? vocab.sep_id : vocab.eos_id;
    info.pad_id = vocab.pad_id;
    info.unk_id = vocab.unk_id;
    info.bos_token = text_of(*out.tokenizer, info.bos_id);
    info.eos_token = text_of(*out.tokenizer, info.eos_id);
    info.chat_template = file.get_string("tokenizer.chat_template").value_or("");
    // The GGUF flags are already in the tokenizer's post-processor (gguf_vocab.cpp): probing agrees with
    // them.
    probe_added_specials(*out.tokenizer, info, std::nullopt, std::nullopt);
    std::vector<int32_t> eog;
    for (auto id : {vocab.eot_id, vocab.eom_id})
        if (id) eog.push_back(*id);
    finish_eog(*out.tokenizer, info, std::move(eog));
    return out;
}

ModelTokenizer from_hf_folder(const ModelSource& source) {
    json config =
        source.tokenizer_config_path.empty() ? json::object() : read_json_file(source.tokenizer_config_path);
    ModelTokenizer out;
    if (!source.tokenizer_json_path.empty()) {
        out.tokenizer = Tokenizer::from_file(source.tokenizer_json_path);
    } else if (!source.sentencepiece_model_path.empty()) {
        // A bare .model encodes as spm_encode (no BOS/EOS); tokenizer_config.json says what the model adds.
        tok::SpModel sp = tok::load_sentencepiece_model(source.sentencepiece_model_path);
        json j = tok::sentencepiece_to_tokenizer_json(sp);
        auto piece_ref = [&](bool wanted, int32_t id) -> std::optional<tok::SpecialTokenRef> {
            if (!wanted || id < 0 || static_cast<size_t>(id) >= sp.pieces.size()) return std::nullopt;
            return tok::SpecialTokenRef{sp.pieces[static_cast<size_t>(id)].piece, id};
        };
        j["post_processor"] =
            tok::template_post_processor(piece_ref(config.value("add_bos_token", false), sp.trainer.bos_id),
                                         piece_ref(config.value("add_eos_token", false), sp.trainer.eos_id));
        out.tokenizer = Tokenizer::from_json(j);
    } else {
        throw Error("model folder has no tokenizer.json and no SentencePiece model").file(source.path);
    }
    const Tokenizer& tok = *out.tokenizer;
    TokenizerInfo& info = out.info;
    auto id_from = [&](const char* config_key, const char* hf_config_key) -> std::optional<int32_t> {
        std::string text = token_text(config, config_key);
        if (!text.empty())
            if (auto id = tok.token_to_id(text)) return id;
        if (source.hf_config.is_object() && source.hf_config.contains(hf_config_key)) {
            auto ids = ids_of(source.hf_config[hf_config_key]);
            if (!ids.empty()) return ids.front();
        }
        return std::nullopt;
    };
    info.bos_id = id_from("bos_token", "bos_token_id");
    info.eos_id = id_from("eos_token", "eos_token_id");
    info.pad_id = id_from("pad_token", "pad_token_id");
    info.unk_id = id_from("unk_token", "unk_token_id");
    info.bos_token = text_of(tok, info.bos_id);
    info.eos_token = text_of(tok, info.eos_id);
    info.chat_template = chat_template_of(config);
    probe_added_specials(tok, info, optional_bool(config, "add_bos_token"),
                         optional_bool(config, "add_eos_token"));
    std::vector<int32_t> eog;
    if (source.hf_config.is_object() && source.hf_config.contains("eos_token_id"))
        eog = ids_of(source.hf_config["eos_token_id"]);
    if (!source.generation_config_path.empty()) {
        json gen = read_json_file(source.generation_config_path);
        if (gen.contains("eos_token_id"))
            for (int32_t id : ids_of(gen["eos_token_id"])) eog.push_back(id);
    }
    finish_eog(tok, info, std::move(eog));
    return out;
}

}  // namespace

ModelTokenizer load_model_tokenizer_with_info(const ModelSource& source) {
    try {
        // A GGUF carrying its folder's tokenizer files (formats/gguf_hf_view.h) reads them as the folder did.
        const bool carried = !source.tokenizer_json_path.empty() || !source.sentencepiece_model_path.empty();
        if (source.format == SourceFormat::Gguf && !carried) {
            if (!source.gguf) throw Error("GGUF model source without its metadata");
            return from_gguf(*source.gguf);
        }
        return from_hf_folder(source);
    } catch (Error& e) {
        if (e.file_path().empty()) e.file(source.path);
        throw;
    }
}

std::unique_ptr<Tokenizer> load_model_tokenizer(const ModelSource& source) {
    return load_model_tokenizer_with_info(source).tokenizer;
}

std::vector<int32_t> encode_for_model(const ModelTokenizer& model_tokenizer, std::string_view text) {
    const TokenizerInfo& info = model_tokenizer.info;
    std::vector<int32_t> ids = model_tokenizer.tokenizer->encode(text, /*add_special_tokens=*/true).ids;
    if (info.add_bos && !info.encode_adds_bos) ids.insert(ids.begin(), *info.bos_id);
    if (info.add_eos && !info.encode_adds_eos) ids.push_back(*info.eos_id);
    return ids;
}

}  // namespace loom
