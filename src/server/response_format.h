// The JSON shapes of OpenAI's completion and chat responses (whole and streamed chunks), built from the
// scheduler's events.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/job.h"
#include "tokenizer/tokenizer.h"

namespace loom::server {

// JSON text; invalid UTF-8 (never expected: the tokenizer returns valid UTF-8) is replaced, not thrown on.
std::string json_text(const nlohmann::json& j);

struct ResponseHeader {
    std::string id;  // "cmpl-..." / "chatcmpl-..."
    int64_t created = 0;
    std::string model;
    bool chat = false;
};

// A fresh random id with `prefix`.
std::string make_response_id(const char* prefix);

// One token's logprobs entry. Completions: {tokens, token_logprobs, top_logprobs, text_offset} holding this
// token; chat: {"content": [{token, logprob, bytes, top_logprobs}]}.
nlohmann::json token_logprobs(const Tokenizer& tokenizer, const JobEvent& token, bool chat,
                              size_t text_offset);

// Appends one token's logprobs to a choice's accumulated logprobs (for non-streamed responses).
void append_logprobs(nlohmann::json& accumulated, const nlohmann::json& one, bool chat);

// A streamed chunk with one choice: text (or delta content), optional logprobs, finish_reason (null if "").
nlohmann::json stream_chunk(const ResponseHeader& h, int32_t choice, const std::string& text,
                            const nlohmann::json& logprobs, const std::string& finish_reason,
                            bool role_delta = false);

struct ChoiceResult {
    std::string text;
    nlohmann::json logprobs;  // null when not asked
    std::string finish_reason;
};

// OpenAI's usage object; prompt_tokens_details.cached_tokens: prompt tokens whose KV came from the prefix
// cache (of the request's least-reusing choice when n > 1).
nlohmann::json usage_json(int64_t prompt_tokens, int64_t completion_tokens, int64_t cached_tokens);
nlohmann::json whole_response(const ResponseHeader& h, const std::vector<ChoiceResult>& choices,
                              int64_t prompt_tokens, int64_t completion_tokens, int64_t cached_tokens);

}  // namespace loom::server
