// The JSON bodies of the routes beside completions and chat (those are request_parse.h), parsed and checked
// without a model: each function takes the object parse_json_object returned and throws ApiError(400, param =
// the field) for a missing, mistyped or out-of-range field. What needs the model (its vocabulary, its name,
// its language pairs) stays in the route. Kept apart from the routes so that
// tests/fuzz/fuzz_route_requests.cpp can run every route's parsing on arbitrary bodies.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tasks/ner.h"
#include "tasks/translate.h"

namespace loom::server {

// POST /tokenize {"content", "add_special", "with_pieces"}
struct TokenizeRequest {
    std::string content;
    bool add_special = false, with_pieces = false;
};
TokenizeRequest parse_tokenize_request(const nlohmann::json& body);

// POST /apply-template {"messages", "add_generation_prompt": true, "with_pieces": false}
struct ApplyTemplateRequest {
    nlohmann::ordered_json messages;
    bool add_generation_prompt = true, with_pieces = false;
};
ApplyTemplateRequest parse_apply_template_request(const nlohmann::json& body);

// POST /detokenize {"tokens": [id, ...]}: every id in [0, vocab_size).
std::vector<int32_t> parse_detokenize_request(const nlohmann::json& body, size_t vocab_size);

// POST /v1/embeddings {"input": "text" | [<= 2048 texts], "encoding_format": "float" | "base64"}
struct EmbeddingsRequest {
    std::vector<std::string> texts;
    bool base64 = false;
};
EmbeddingsRequest parse_embeddings_request(const nlohmann::json& body);

// "input" of the task routes: one non-empty text or 1..64 of them.
std::vector<std::string> parse_task_inputs(const nlohmann::json& body);

// POST /v1/translate (see routes_tasks.cpp for the fields and defaults)
struct TranslateRequest {
    std::vector<std::string> texts;
    std::string source_lang, target_lang;
    Seq2SeqTextOptions options;
};
TranslateRequest parse_translate_request(const nlohmann::json& body);

// POST /v1/ner {"input", "aggregation"}
struct NerRequest {
    std::vector<std::string> texts;
    Aggregation aggregation = Aggregation::Simple;
    std::string aggregation_name = "simple";
};
NerRequest parse_ner_request(const nlohmann::json& body);

// POST /v1/attention {"input" | "messages" (+ "add_generation_prompt"), "layers", "heads", "generate",
// "decimals", "model"}: with messages, the attention of the chat-templated prompt (decoders).
inline constexpr int64_t kMaxAttentionGenerate = 64;
struct AttentionRequest {
    std::string text, layers, heads;  // layers / heads: a selection spec ("all", "0,2-4", "-1")
    int64_t generate = 0;
    int decimals = 6;
    std::string model;                // "" when not given
    nlohmann::ordered_json messages;  // null unless given (then `text` is "")
    bool add_generation_prompt = true;
};
AttentionRequest parse_attention_request(const nlohmann::json& body);

}  // namespace loom::server
