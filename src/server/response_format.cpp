#include "server/response_format.h"

#include <random>

namespace loom::server {

std::string json_text(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string make_response_id(const char* prefix) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* digits = "0123456789abcdef";
    std::string id = prefix;
    for (int i = 0; i < 24; ++i) id += digits[rng() % 16];
    return id;
}

namespace {

std::string piece_of(const Tokenizer& tokenizer, int32_t id) {
    return tokenizer.decode(std::span<const int32_t>(&id, 1), /*skip_special_tokens=*/false);
}

nlohmann::json bytes_of(const std::string& s) {
    nlohmann::json out = nlohmann::json::array();
    for (unsigned char c : s) out.push_back(static_cast<int>(c));
    return out;
}

}  // namespace

nlohmann::json token_logprobs(const Tokenizer& tokenizer, const JobEvent& token, bool chat,
                              size_t text_offset) {
    const std::string piece = piece_of(tokenizer, token.token);
    if (chat) {
        nlohmann::json top = nlohmann::json::array();
        for (const TopLogprob& t : token.top) {
            const std::string p = piece_of(tokenizer, t.id);
            top.push_back({{"token", p}, {"logprob", t.logprob}, {"bytes", bytes_of(p)}});
        }
        return {{"content", nlohmann::json::array({{{"token", piece},
                                                    {"logprob", token.logprob},
                                                    {"bytes", bytes_of(piece)},
                                                    {"top_logprobs", top}}})}};
    }
    nlohmann::json top = nlohmann::json::object();
    for (const TopLogprob& t : token.top) top[piece_of(tokenizer, t.id)] = t.logprob;
    return {{"tokens", {piece}},
            {"token_logprobs", {token.logprob}},
            {"top_logprobs", nlohmann::json::array({top})},
            {"text_offset", {text_offset}}};
}

void append_logprobs(nlohmann::json& accumulated, const nlohmann::json& one, bool chat) {
    if (chat) {
        if (accumulated.is_null()) accumulated = {{"content", nlohmann::json::array()}};
        for (const auto& e : one["content"]) accumulated["content"].push_back(e);
        return;
    }
    if (accumulated.is_null())
        accumulated = {{"tokens", nlohmann::json::array()},
                       {"token_logprobs", nlohmann::json::array()},
                       {"top_logprobs", nlohmann::json::array()},
                       {"text_offset", nlohmann::json::array()}};
    for (const char* key : {"tokens", "token_logprobs", "top_logprobs", "text_offset"})
        for (const auto& e : one[key]) accumulated[key].push_back(e);
}

nlohmann::json stream_chunk(const ResponseHeader& h, int32_t choice, const std::string& text,
                            const nlohmann::json& logprobs, const std::string& finish_reason,
                            bool role_delta) {
    nlohmann::json c = {{"index", choice}, {"logprobs", logprobs}};
    c["finish_reason"] = finish_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(finish_reason);
    if (h.chat) {
        nlohmann::json delta = nlohmann::json::object();
        if (role_delta) delta["role"] = "assistant";
        if (role_delta || !text.empty() || finish_reason.empty()) delta["content"] = text;
        c["delta"] = delta;
    } else {
        c["text"] = text;
    }
    return {{"id", h.id},
            {"object", h.chat ? "chat.completion.chunk" : "text_completion"},
            {"created", h.created},
            {"model", h.model},
            {"choices", nlohmann::json::array({c})}};
}

nlohmann::json usage_json(int64_t prompt_tokens, int64_t completion_tokens, int64_t cached_tokens) {
    return {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens},
            {"prompt_tokens_details", {{"cached_tokens", cached_tokens}}}};
}

nlohmann::json whole_response(const ResponseHeader& h, const std::vector<ChoiceResult>& choices,
                              int64_t prompt_tokens, int64_t completion_tokens, int64_t cached_tokens) {
    nlohmann::json out_choices = nlohmann::json::array();
    for (size_t i = 0; i < choices.size(); ++i) {
        const ChoiceResult& r = choices[i];
        nlohmann::json c = {{"index", i}, {"logprobs", r.logprobs}, {"finish_reason", r.finish_reason}};
        if (h.chat)
            c["message"] = {{"role", "assistant"}, {"content", r.text}};
        else
            c["text"] = r.text;
        out_choices.push_back(c);
    }
    return {{"id", h.id},
            {"object", h.chat ? "chat.completion" : "text_completion"},
            {"created", h.created},
            {"model", h.model},
            {"choices", out_choices},
            {"usage", usage_json(prompt_tokens, completion_tokens, cached_tokens)}};
}

}  // namespace loom::server
