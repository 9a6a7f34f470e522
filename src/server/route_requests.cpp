#include "server/route_requests.h"

#include "core/error.h"
#include "server/api_error.h"
#include "server/request_parse.h"

namespace loom::server {
namespace {

constexpr size_t kMaxTaskTexts = 64;         // texts per task request: a bound on the work one request asks
constexpr size_t kMaxEmbeddingTexts = 2048;  // as OpenAI's embeddings API

// "input": a string, or a non-empty array of at most `max` strings.
std::vector<std::string> texts_field(const nlohmann::json& body, size_t max) {
    if (!body.contains("input")) throw ApiError(400, "'input' is required", "invalid_request_error", "input");
    const nlohmann::json& input = body["input"];
    std::vector<std::string> texts;
    if (input.is_string()) {
        texts.push_back(input.get<std::string>());
    } else if (input.is_array() && !input.empty() && input.size() <= max) {
        for (const auto& t : input) {
            if (!t.is_string())
                throw ApiError(400, "'input' must be a string or an array of strings",
                               "invalid_request_error", "input");
            texts.push_back(t.get<std::string>());
        }
    } else {
        throw ApiError(
            400,
            "'input' must be a string or a non-empty array of at most " + std::to_string(max) + " strings",
            "invalid_request_error", "input");
    }
    return texts;
}

// "layers" / "heads": a spec string as the CLI takes ("all", "0,2-4", "-1") or an array of indices.
std::string index_spec(const nlohmann::json& body, const char* name) {
    if (!body.contains(name) || body[name].is_null()) return "all";
    const nlohmann::json& v = body[name];
    if (v.is_string()) return v.get<std::string>();
    if (!v.is_array() || v.empty())
        throw ApiError(
            400, std::string("'") + name + "' must be \"all\", a list like \"0,2-4\" or an array of indices",
            "invalid_request_error", name);
    std::string spec;
    for (const auto& i : v) {
        if (!i.is_number_integer())
            throw ApiError(400, std::string("'") + name + "' must hold integer indices",
                           "invalid_request_error", name);
        spec += (spec.empty() ? "" : ",") + std::to_string(i.get<int64_t>());
    }
    return spec;
}

}  // namespace

TokenizeRequest parse_tokenize_request(const nlohmann::json& body) {
    TokenizeRequest r;
    r.content = string_field(body, "content", "");
    r.add_special = bool_field(body, "add_special", false);
    r.with_pieces = bool_field(body, "with_pieces", false);
    return r;
}

ApplyTemplateRequest parse_apply_template_request(const nlohmann::json& body) {
    ApplyTemplateRequest r;
    r.messages = parse_chat_messages(body);
    r.add_generation_prompt = bool_field(body, "add_generation_prompt", true);
    r.with_pieces = bool_field(body, "with_pieces", false);
    return r;
}

std::vector<int32_t> parse_detokenize_request(const nlohmann::json& body, size_t vocab_size) {
    std::vector<int32_t> ids;
    if (!body.contains("tokens")) return ids;
    if (!body["tokens"].is_array())
        throw ApiError(400, "'tokens' must be an array of token ids", "invalid_request_error", "tokens");
    for (const auto& v : body["tokens"]) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
            v.get<int64_t>() >= static_cast<int64_t>(vocab_size))
            throw ApiError(400, "'tokens' must hold token ids below " + std::to_string(vocab_size),
                           "invalid_request_error", "tokens");
        ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
    }
    return ids;
}

EmbeddingsRequest parse_embeddings_request(const nlohmann::json& body) {
    EmbeddingsRequest r;
    const std::string format = string_field(body, "encoding_format", "float");
    if (format != "float" && format != "base64")
        throw ApiError(400, "'encoding_format' must be \"float\" or \"base64\"", "invalid_request_error",
                       "encoding_format");
    r.base64 = format == "base64";
    r.texts = texts_field(body, kMaxEmbeddingTexts);
    return r;
}

std::vector<std::string> parse_task_inputs(const nlohmann::json& body) {
    std::vector<std::string> texts = texts_field(body, kMaxTaskTexts);
    for (const std::string& t : texts)
        if (t.empty()) throw ApiError(400, "'input' holds an empty text", "invalid_request_error", "input");
    return texts;
}

TranslateRequest parse_translate_request(const nlohmann::json& body) {
    TranslateRequest r;
    r.texts = parse_task_inputs(body);
    r.source_lang = string_field(body, "source_lang", "");
    r.target_lang = string_field(body, "target_lang", "");
    Seq2SeqTextOptions& options = r.options;  // greedy, as `loom translate`
    options.generate.max_new_tokens = integer_field(body, "max_tokens", 256, 1, 1024);
    options.num_beams = static_cast<int32_t>(integer_field(body, "num_beams", 1, 1, 16));
    options.truncate = bool_field(body, "truncate", false);
    SamplingParams& s = options.generate.sampling;
    s.temperature = static_cast<float>(number_field(body, "temperature", 0.0, 0.0, 2.0));
    s.top_p = static_cast<float>(number_field(body, "top_p", 1.0, 1e-6, 1.0));
    const int64_t seed = integer_field(body, "seed", -1, -1, 0xFFFFFFFEll);
    s.seed = seed < 0 ? SamplingParams::kRandomSeed : static_cast<uint64_t>(seed);
    return r;
}

NerRequest parse_ner_request(const nlohmann::json& body) {
    NerRequest r;
    r.texts = parse_task_inputs(body);
    r.aggregation_name = string_field(body, "aggregation", "simple");
    try {
        r.aggregation = parse_aggregation(r.aggregation_name);
    } catch (const Error& e) {
        throw ApiError(400, e.what(), "invalid_request_error", "aggregation");
    }
    return r;
}

AttentionRequest parse_attention_request(const nlohmann::json& body) {
    AttentionRequest r;
    if (body.contains("messages") && !body["messages"].is_null()) {
        if (body.contains("input") && !body["input"].is_null())
            throw ApiError(400, "give 'input' or 'messages', not both", "invalid_request_error", "messages");
        r.messages = parse_chat_messages(body);
        r.add_generation_prompt = bool_field(body, "add_generation_prompt", true);
    } else {
        r.text = string_field(body, "input", "");
        if (r.text.empty())
            throw ApiError(400, "'input' must be a non-empty string", "invalid_request_error", "input");
    }
    r.layers = index_spec(body, "layers");
    r.heads = index_spec(body, "heads");
    r.generate = integer_field(body, "generate", 0, 0, kMaxAttentionGenerate);
    r.decimals = static_cast<int>(integer_field(body, "decimals", 6, 1, 8));
    r.model = string_field(body, "model", "");
    return r;
}

}  // namespace loom::server
