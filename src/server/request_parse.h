// Parsing and validating the JSON bodies of the OpenAI routes. Every problem is an ApiError (400 with the
// offending field as `param`), never an exception of another kind and never a crash: wrong types, values out
// of range, malformed or too deeply nested JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/job.h"

namespace loom::server {

// Parses a body as a JSON object. Throws ApiError(400) when it is not JSON, not an object, or nested deeper
// than max_depth (a bound so that no input can exhaust the stack).
nlohmann::json parse_json_object(const std::string& body, int max_depth = 64);

struct GenerationRequest {
    bool chat = false;
    bool stream = false;
    bool include_usage = false;  // stream_options.include_usage
    int32_t n = 1;               // choices
    std::string model;
    // The prompt: text (completions), or token ids (completions given ids), or the messages (chat).
    std::string prompt_text;
    std::vector<int32_t> prompt_ids;
    bool prompt_is_ids = false;
    nlohmann::ordered_json messages;
    // Completions' logprobs is a count (alternatives per token); chat has logprobs (bool) + top_logprobs.
    JobSpec spec;  // prompt filled in by the route after tokenizing
    bool max_tokens_given = false;
    // Tests only (refused unless ServerConfig::test_pacing): a streamed token is written this long after it
    // was made, so a browser test can act while a stream is surely still running.
    int64_t test_token_delay_ms = 0;
};

// "messages": a non-empty array of {role, content} (content: a string or text parts), as chat templates take.
nlohmann::ordered_json parse_chat_messages(const nlohmann::json& body);

// `body` of POST /v1/completions (chat = false) or /v1/chat/completions (chat = true).
GenerationRequest parse_generation_request(const nlohmann::json& body, bool chat);

// Typed field readers: absent or null -> fallback; a present value of the wrong type or out of range throws
// ApiError(400, "... 'name' ...", param = name).
double number_field(const nlohmann::json& body, const char* name, double fallback, double lo, double hi);
int64_t integer_field(const nlohmann::json& body, const char* name, int64_t fallback, int64_t lo, int64_t hi);
bool bool_field(const nlohmann::json& body, const char* name, bool fallback);
std::string string_field(const nlohmann::json& body, const char* name, const std::string& fallback);

}  // namespace loom::server
