#include "convert/tokenizer_to_gguf.h"

#include <algorithm>
#include <unordered_map>

#include "core/error.h"
#include "tokenizer/gguf_pre_tokenizers.h"

namespace loom {
namespace {

using nlohmann::json;
using tok::GgufTokenType;
using tok::GgufVocab;

// Letters, digits of several lengths, contractions, runs of spaces and newlines, punctuation, CJK and an
// emoji: the places where the known pre-tokenizers split differently.
constexpr const char* kProbeText =
    "Hello world! It's 2024, we've 1234567 items; don't   stop.\n\n  Tabs\tand CAPS-Lock: x=3.14*y\n"
    "Ünïcödé naïve café 日本語のテキスト 中文 한국어 🦙 emoji... end?! 'quoted' "
    "\"double\" "
    "$100 "
    "#tag "
    "@user\r\n";

bool contains_type(const json& node, const std::string& type) {
    if (node.is_object()) {
        auto t = node.find("type");
        if (t != node.end() && t->is_string() && *t == type) return true;
        for (const auto& [key, child] : node.items())
            if (contains_type(child, type)) return true;
    } else if (node.is_array()) {
        for (const json& child : node)
            if (contains_type(child, type)) return true;
    }
    return false;
}

// "bos_token": "<s>" or {"content": "<s>", ...}
std::string special_text(const json& tokenizer_config, const char* key) {
    if (!tokenizer_config.is_object() || !tokenizer_config.contains(key)) return "";
    const json& v = tokenizer_config[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    return "";
}

std::vector<std::string> merges_as_strings(const json& merges) {
    std::vector<std::string> out;
    if (!merges.is_array()) return out;
    out.reserve(merges.size());
    for (const json& m : merges) {
        if (m.is_string()) {
            out.push_back(m.get<std::string>());
        } else if (m.is_array() && m.size() == 2) {  // newer tokenizers: ["a", "b"]
            out.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
        } else {
            throw Error("tokenizer.json: a merge is neither \"a b\" nor [\"a\", \"b\"]");
        }
    }
    return out;
}

bool is_byte_token(const std::string& t) {
    return t.size() == 6 && t.rfind("<0x", 0) == 0 && t.back() == '>';
}

void fill_tokens(const json& tj, GgufVocab& v, bool sentencepiece_style) {
    const json& vocab = tj["model"]["vocab"];
    int64_t size = 0;
    for (const auto& [text, id] : vocab.items()) size = std::max<int64_t>(size, id.get<int64_t>() + 1);
    const json added = tj.value("added_tokens", json::array());
    for (const json& a : added) size = std::max<int64_t>(size, a["id"].get<int64_t>() + 1);
    v.tokens.assign(static_cast<size_t>(size), "");
    v.token_types.assign(static_cast<size_t>(size), static_cast<int32_t>(GgufTokenType::Unused));
    for (const auto& [text, id] : vocab.items()) {
        const auto i = id.get<size_t>();
        v.tokens[i] = text;
        v.token_types[i] = static_cast<int32_t>(
            sentencepiece_style && is_byte_token(text) ? GgufTokenType::Byte : GgufTokenType::Normal);
    }
    for (const json& a : added) {
        const auto i = a["id"].get<size_t>();
        v.tokens[i] = a["content"].get<std::string>();
        v.token_types[i] = static_cast<int32_t>(a.value("special", false) ? GgufTokenType::Control
                                                                          : GgufTokenType::UserDefined);
    }
    for (size_t i = 0; i < v.tokens.size(); ++i)  // ids no one uses: placeholders, as llama.cpp writes them
        if (v.tokens[i].empty()) v.tokens[i] = "[PAD" + std::to_string(i) + "]";
    if (sentencepiece_style) {
        // SentencePiece ranks merges by the merged piece's score. The tokenizer.json merges list is in that
        // order, so a piece scores -(rank of the first merge that makes it); pieces no merge makes (single
        // characters, bytes, specials) score below every merge and keep their id order among themselves.
        const std::vector<std::string> merges = merges_as_strings(tj["model"]["merges"]);
        std::unordered_map<std::string, size_t> first_rank;
        for (size_t r = 0; r < merges.size(); ++r) {
            const size_t space = merges[r].find(' ');
            if (space == std::string::npos) continue;
            first_rank.emplace(merges[r].substr(0, space) + merges[r].substr(space + 1), r);
        }
        v.scores.resize(v.tokens.size());
        for (size_t i = 0; i < v.tokens.size(); ++i) {
            auto it = first_rank.find(v.tokens[i]);
            v.scores[i] = it != first_rank.end() ? -static_cast<float>(it->second)
                                                 : -static_cast<float>(merges.size() + i);
        }
    }
}

std::optional<int32_t> id_of(const GgufVocab& v, const std::string& text) {
    if (text.empty()) return std::nullopt;
    for (size_t i = 0; i < v.tokens.size(); ++i)
        if (v.tokens[i] == text) return static_cast<int32_t>(i);
    return std::nullopt;
}

void fill_special_ids(const HfTokenizerFiles& f, GgufVocab& v) {
    v.bos_id = id_of(v, special_text(f.tokenizer_config, "bos_token"));
    v.eos_id = id_of(v, special_text(f.tokenizer_config, "eos_token"));
    v.unk_id = id_of(v, special_text(f.tokenizer_config, "unk_token"));
    v.pad_id = id_of(v, special_text(f.tokenizer_config, "pad_token"));
    auto config_id = [&](const char* key) -> std::optional<int32_t> {
        if (f.model_config.is_object() && f.model_config.contains(key) &&
            f.model_config[key].is_number_integer())
            return f.model_config[key].get<int32_t>();
        return std::nullopt;
    };
    if (!v.bos_id) v.bos_id = config_id("bos_token_id");
    if (!v.eos_id) v.eos_id = config_id("eos_token_id");
}

// Does `v` tokenize the probe (and the special-token framing) exactly like the tokenizer.json pipeline?
bool reproduces(const GgufVocab& v, const Tokenizer& reference) {
    std::unique_ptr<Tokenizer> candidate;
    try {
        candidate = tok::tokenizer_from_gguf_vocab(v);
    } catch (const Error&) {
        return false;
    }
    return candidate->encode(kProbeText, true).ids == reference.encode(kProbeText, true).ids;
}

// Where a normalizer + pre-tokenizer split the probe text: a WordLevel model with an empty vocabulary maps
// every pre-token to [UNK], whose offsets are the pre-token's span. Building this costs nothing next to a
// 100k-token BPE, so every candidate is tried this way first.
std::vector<std::pair<size_t, size_t>> probe_splits(const json& normalizer, const json& pre_tokenizer) {
    json probe = {{"version", "1.0"},
                  {"added_tokens", json::array()},
                  {"normalizer", normalizer},
                  {"pre_tokenizer", pre_tokenizer},
                  {"post_processor", nullptr},
                  {"decoder", nullptr},
                  {"model", {{"type", "WordLevel"}, {"vocab", {{"[UNK]", 0}}}, {"unk_token", "[UNK]"}}}};
    try {
        return Tokenizer::from_json(probe)->encode(kProbeText, false).offsets;
    } catch (const Error&) {
        return {};
    }
}

}  // namespace

std::string hf_chat_template(const json& tokenizer_config) {
    if (!tokenizer_config.is_object() || !tokenizer_config.contains("chat_template")) return "";
    const json& t = tokenizer_config["chat_template"];
    if (t.is_string()) return t.get<std::string>();
    if (t.is_array())
        for (const json& named : t)
            if (named.value("name", "") == "default") return named.value("template", "");
    return "";
}

GgufVocab gguf_vocab_from_hf(const HfTokenizerFiles& f) {
    const json& tj = f.tokenizer;
    if (!tj.is_object() || !tj.contains("model") || !tj["model"].is_object())
        throw Error("tokenizer.json: no model section");
    const std::string type = tj["model"].value("type", "");
    if (type != "BPE")
        throw Error("tokenizer.json: convert writes BPE tokenizers; this one is '" + type + "'");
    const bool byte_level = contains_type(tj.value("pre_tokenizer", json()), "ByteLevel") ||
                            contains_type(tj.value("decoder", json()), "ByteLevel");
    const bool spm_style = !byte_level && tj["model"].value("byte_fallback", false);
    if (!byte_level && !spm_style)
        throw Error("tokenizer.json: a BPE tokenizer that is neither byte-level nor byte-fallback");

    GgufVocab v;
    v.model = byte_level ? "gpt2" : "llama";
    fill_tokens(tj, v, spm_style);
    if (byte_level) v.merges = merges_as_strings(tj["model"]["merges"]);
    fill_special_ids(f, v);

    const std::unique_ptr<Tokenizer> reference = Tokenizer::from_json(tj);
    // add_bos/add_eos: what the reference pipeline adds around a text.
    const std::vector<int32_t> framed = reference->encode("a", true).ids;
    v.add_bos = v.bos_id && !framed.empty() && framed.front() == *v.bos_id;
    v.add_eos = v.eos_id && framed.size() > 1 && framed.back() == *v.eos_id;
    if (spm_style) {
        for (bool prefix : {true, false}) {
            v.add_space_prefix = prefix;
            if (reproduces(v, *reference)) return v;
        }
        throw Error("tokenizer.json: the SentencePiece-style vocabulary does not reproduce the tokenizer");
    }
    static const char* const kPreCandidates[] = {"gpt-2",       "smollm",       "qwen2",         "llama-bpe",
                                                 "deepseek-v3", "gpt-4o",       "gpt-neox",      "falcon",
                                                 "dbrx",        "deepseek-llm", "deepseek-coder"};
    // First the candidates whose pre-tokenization splits the probe exactly as the tokenizer.json does
    // (cheap), then, if none does, every candidate by its full encoding.
    const auto wanted = probe_splits(tj.value("normalizer", json()), tj.value("pre_tokenizer", json()));
    for (const char* pre : kPreCandidates) {
        tok::ByteLevelPipeline pipeline = tok::byte_level_pipeline_for(pre);
        if (wanted.empty() || probe_splits(pipeline.normalizer, pipeline.pre_tokenizer) != wanted) continue;
        v.pre = pre;
        if (reproduces(v, *reference)) return v;
    }
    for (const char* pre : kPreCandidates) {
        v.pre = pre;
        if (reproduces(v, *reference)) return v;
    }
    throw Error(
        "tokenizer.json: no known GGUF pre-tokenizer reproduces this tokenizer (tried gpt-2, smollm, qwen2, "
        "llama-bpe, gpt-4o, gpt-neox, falcon, dbrx, deepseek-*)");
}

void write_gguf_vocab(GgufWriter& w, const GgufVocab& v, const std::string& chat_template) {
    w.set("tokenizer.ggml.model", GgufValue::string(v.model));
    if (!v.pre.empty()) w.set("tokenizer.ggml.pre", GgufValue::string(v.pre));
    w.set("tokenizer.ggml.tokens", GgufValue::string_array(v.tokens));
    if (!v.scores.empty()) w.set("tokenizer.ggml.scores", GgufValue::float_array(v.scores));
    std::vector<int64_t> types(v.token_types.begin(), v.token_types.end());
    w.set("tokenizer.ggml.token_type", GgufValue::int_array(GgufType::Int32, types));
    if (!v.merges.empty()) w.set("tokenizer.ggml.merges", GgufValue::string_array(v.merges));
    auto id = [&](const char* key, const std::optional<int32_t>& value) {
        if (value) w.set(key, GgufValue::u32(static_cast<uint32_t>(*value)));
    };
    id("tokenizer.ggml.bos_token_id", v.bos_id);
    id("tokenizer.ggml.eos_token_id", v.eos_id);
    id("tokenizer.ggml.unknown_token_id", v.unk_id);
    id("tokenizer.ggml.padding_token_id", v.pad_id);
    if (v.add_bos) w.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(*v.add_bos));
    if (v.add_eos) w.set("tokenizer.ggml.add_eos_token", GgufValue::boolean(*v.add_eos));
    if (v.add_space_prefix) w.set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(*v.add_space_prefix));
    if (!chat_template.empty()) w.set("tokenizer.chat_template", GgufValue::string(chat_template));
}

}  // namespace loom
