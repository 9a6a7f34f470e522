#include "server/request_parse.h"

#include <cmath>
#include <limits>

#include "core/json_depth.h"
#include "server/api_error.h"

namespace loom::server {
namespace {

ApiError bad_field(const char* name, const std::string& expected) {
    return ApiError(400, std::string("'") + name + "' must be " + expected, "invalid_request_error", name);
}

std::vector<std::string> parse_stop(const nlohmann::json& body) {
    std::vector<std::string> stops;
    if (!body.contains("stop") || body["stop"].is_null()) return stops;
    const nlohmann::json& stop = body["stop"];
    if (stop.is_string()) {
        stops.push_back(stop.get<std::string>());
    } else if (stop.is_array()) {
        if (stop.size() > 4) throw bad_field("stop", "a string or an array of at most 4 strings");
        for (const auto& s : stop) {
            if (!s.is_string()) throw bad_field("stop", "a string or an array of at most 4 strings");
            stops.push_back(s.get<std::string>());
        }
    } else {
        throw bad_field("stop", "a string or an array of at most 4 strings");
    }
    std::erase_if(stops, [](const std::string& s) { return s.empty(); });
    return stops;
}

std::unordered_map<int32_t, float> parse_logit_bias(const nlohmann::json& body) {
    std::unordered_map<int32_t, float> bias;
    if (!body.contains("logit_bias") || body["logit_bias"].is_null()) return bias;
    const nlohmann::json& lb = body["logit_bias"];
    if (!lb.is_object())
        throw bad_field("logit_bias", "an object mapping token ids to numbers in [-100, 100]");
    for (const auto& [key, value] : lb.items()) {
        size_t used = 0;
        long long id = -1;
        try {
            id = std::stoll(key, &used);
        } catch (...) {
            used = 0;
        }
        if (used != key.size() || id < 0 || id > std::numeric_limits<int32_t>::max())
            throw bad_field("logit_bias", "an object whose keys are token ids, got key '" + key + "'");
        if (!value.is_number() || value.get<double>() < -100 || value.get<double>() > 100)
            throw bad_field("logit_bias", "an object mapping token ids to numbers in [-100, 100]");
        // OpenAI's -100 means "never": a ban rather than a large negative shift.
        const double v = value.get<double>();
        bias[static_cast<int32_t>(id)] =
            v <= -100 ? -std::numeric_limits<float>::infinity() : static_cast<float>(v);
    }
    return bias;
}

std::string message_content(const nlohmann::json& message, size_t index) {
    const auto it = message.find("content");
    if (it == message.end() || it->is_null()) return "";
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {  // [{"type": "text", "text": ...}, ...]
        std::string text;
        for (const auto& part : *it) {
            if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
                !part["text"].is_string())
                throw ApiError(
                    400, "messages[" + std::to_string(index) + "].content: only text parts are supported",
                    "invalid_request_error", "messages");
            text += part["text"].get<std::string>();
        }
        return text;
    }
    throw ApiError(
        400, "messages[" + std::to_string(index) + "].content must be a string or an array of text parts",
        "invalid_request_error", "messages");
}

ApiError bad_message_field(size_t index, const std::string& what) {
    return ApiError(400, "messages[" + std::to_string(index) + "]." + what, "invalid_request_error", "messages");
}

// An assistant message's tool_calls [{id, type: "function", function: {name, arguments}}] and a tool message's
// tool_call_id and name, kept for the chat template as transformers' apply_chat_template takes them: the
// arguments as a JSON object (OpenAI sends them as a JSON string).
void add_tool_fields(nlohmann::ordered_json& out, const nlohmann::json& m, size_t index) {
    for (const char* key : {"tool_call_id", "name"}) {
        if (!m.contains(key) || m[key].is_null()) continue;
        if (!m[key].is_string()) throw bad_message_field(index, std::string(key) + " must be a string");
        out[key] = m[key].get<std::string>();
    }
    if (!m.contains("tool_calls") || m["tool_calls"].is_null()) return;
    const nlohmann::json& calls = m["tool_calls"];
    if (!calls.is_array()) throw bad_message_field(index, "tool_calls must be an array");
    nlohmann::ordered_json kept = nlohmann::ordered_json::array();
    for (size_t k = 0; k < calls.size(); ++k) {
        const nlohmann::json& c = calls[k];
        const std::string at = "tool_calls[" + std::to_string(k) + "]";
        if (!c.is_object() || !c.contains("function") || !c["function"].is_object() ||
            !c["function"].contains("name") || !c["function"]["name"].is_string())
            throw bad_message_field(index, at + " must be {id, type: \"function\", function: {name, arguments}}");
        const nlohmann::json& fn = c["function"];
        nlohmann::ordered_json arguments = nlohmann::ordered_json::object();
        if (fn.contains("arguments") && fn["arguments"].is_string()) {
            arguments = nlohmann::ordered_json::parse(fn["arguments"].get<std::string>(), nullptr, false);
            if (arguments.is_discarded())
                throw bad_message_field(index, at + ".function.arguments is not JSON text");
        } else if (fn.contains("arguments") && fn["arguments"].is_object()) {
            arguments = nlohmann::ordered_json::parse(fn["arguments"].dump());
        } else if (fn.contains("arguments") && !fn["arguments"].is_null()) {
            throw bad_message_field(index, at + ".function.arguments must be a JSON string");
        }
        nlohmann::ordered_json call = nlohmann::ordered_json::object();
        if (c.contains("id") && c["id"].is_string()) call["id"] = c["id"];
        call["type"] = "function";
        call["function"] = {{"name", fn["name"]}, {"arguments", arguments}};
        kept.push_back(std::move(call));
    }
    out["tool_calls"] = std::move(kept);
    // An assistant turn made only of calls has content null, as apply_chat_template's callers pass it.
    if (!m.contains("content") || m["content"].is_null()) out["content"] = nullptr;
}

}  // namespace

nlohmann::json parse_json_object(const std::string& body, int max_depth) {
    if (json_nesting_depth(body, static_cast<size_t>(max_depth)) > static_cast<size_t>(max_depth))
        throw ApiError(400,
                       "the request body is nested deeper than " + std::to_string(max_depth) + " levels");
    nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw ApiError(400, "could not parse the request body as JSON");
    if (!j.is_object()) throw ApiError(400, "the request body must be a JSON object");
    return j;
}

double number_field(const nlohmann::json& body, const char* name, double fallback, double lo, double hi) {
    const auto it = body.find(name);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_number())
        throw bad_field(name, "a number between " + std::to_string(lo) + " and " + std::to_string(hi));
    const double v = it->get<double>();
    if (!(v >= lo && v <= hi))
        throw bad_field(name, "a number between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
}

int64_t integer_field(const nlohmann::json& body, const char* name, int64_t fallback, int64_t lo,
                      int64_t hi) {
    const auto it = body.find(name);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_number_integer())
        throw bad_field(name, "an integer between " + std::to_string(lo) + " and " + std::to_string(hi));
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(hi))
        throw bad_field(name, "an integer between " + std::to_string(lo) + " and " + std::to_string(hi));
    const int64_t v = it->get<int64_t>();
    if (v < lo || v > hi)
        throw bad_field(name, "an integer between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
}

bool bool_field(const nlohmann::json& body, const char* name, bool fallback) {
    const auto it = body.find(name);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) throw bad_field(name, "a boolean");
    return it->get<bool>();
}

std::string string_field(const nlohmann::json& body, const char* name, const std::string& fallback) {
    const auto it = body.find(name);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_string()) throw bad_field(name, "a string");
    return it->get<std::string>();
}

nlohmann::ordered_json parse_chat_messages(const nlohmann::json& body) {
    if (!body.contains("messages"))
        throw ApiError(400, "'messages' is required", "invalid_request_error", "messages");
    const nlohmann::json& messages = body["messages"];
    if (!messages.is_array() || messages.empty())
        throw bad_field("messages", "a non-empty array of {role, content} objects");
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (size_t i = 0; i < messages.size(); ++i) {
        const nlohmann::json& m = messages[i];
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
            throw ApiError(400, "messages[" + std::to_string(i) + "] must be an object with a string 'role'",
                           "invalid_request_error", "messages");
        nlohmann::ordered_json message = {{"role", m["role"].get<std::string>()}, {"content", message_content(m, i)}};
        add_tool_fields(message, m, i);
        out.push_back(std::move(message));
    }
    return out;
}

GenerationRequest parse_generation_request(const nlohmann::json& body, bool chat) {
    GenerationRequest r;
    r.chat = chat;
    r.model = string_field(body, "model", "");
    r.stream = bool_field(body, "stream", false);
    if (body.contains("stream_options") && !body["stream_options"].is_null()) {
        if (!body["stream_options"].is_object()) throw bad_field("stream_options", "an object");
        r.include_usage = bool_field(body["stream_options"], "include_usage", false);
    }
    r.n = static_cast<int32_t>(integer_field(body, "n", 1, 1, 16));

    JobSpec& spec = r.spec;
    const int64_t max_tokens_cap = 1 << 20;
    spec.max_tokens =
        static_cast<int32_t>(integer_field(body, "max_tokens", chat ? -1 : 16, 1, max_tokens_cap));
    if (chat)
        spec.max_tokens = static_cast<int32_t>(
            integer_field(body, "max_completion_tokens", spec.max_tokens, 1, max_tokens_cap));
    r.max_tokens_given = spec.max_tokens > 0;

    // OpenAI's sampling: temperature then top-p over the full distribution; loom's extra stages are off.
    SamplingParams& s = spec.sampling;
    s.temperature = static_cast<float>(number_field(body, "temperature", 1.0, 0.0, 2.0));
    s.top_p = static_cast<float>(number_field(body, "top_p", 1.0, 0.0, 1.0));
    if (s.top_p <= 0.0f) s.top_p = 1e-6f;  // top_p = 0 keeps only the most likely token
    s.top_k = static_cast<int32_t>(integer_field(body, "top_k", 0, 0, 1 << 20));
    s.min_p = static_cast<float>(number_field(body, "min_p", 0.0, 0.0, 1.0));
    s.presence_penalty = static_cast<float>(number_field(body, "presence_penalty", 0.0, -2.0, 2.0));
    s.frequency_penalty = static_cast<float>(number_field(body, "frequency_penalty", 0.0, -2.0, 2.0));
    s.repeat_last_n = -1;
    s.logit_bias = parse_logit_bias(body);
    const int64_t seed = integer_field(body, "seed", -1, std::numeric_limits<int64_t>::min(),
                                       std::numeric_limits<int64_t>::max());
    s.seed = seed < 0 ? SamplingParams::kRandomSeed : static_cast<uint64_t>(seed);
    if (seed >= 0 && s.seed == SamplingParams::kRandomSeed) s.seed ^= 1;  // a given seed never means "random"
    spec.stop = parse_stop(body);
    spec.ignore_eos = bool_field(body, "ignore_eos", false);
    r.test_token_delay_ms = integer_field(body, "loom_test_token_delay_ms", 0, 0, 10000);

    if (chat) {
        spec.logprobs = bool_field(body, "logprobs", false);
        spec.top_logprobs = static_cast<size_t>(integer_field(body, "top_logprobs", 0, 0, 20));
        if (spec.top_logprobs > 0 && !spec.logprobs)
            throw ApiError(400, "'top_logprobs' requires 'logprobs' to be true", "invalid_request_error",
                           "top_logprobs");
        r.messages = parse_chat_messages(body);
    } else {
        if (body.contains("logprobs") && body["logprobs"].is_boolean())
            throw bad_field("logprobs", "an integer between 0 and 20 for completions");
        const int64_t n_logprobs = integer_field(body, "logprobs", -1, 0, 20);
        spec.logprobs = n_logprobs >= 0;
        spec.top_logprobs = n_logprobs > 0 ? static_cast<size_t>(n_logprobs) : 0;
        if (bool_field(body, "echo", false))
            throw ApiError(400, "'echo' is not supported", "invalid_request_error", "echo");
        if (!body.contains("prompt"))
            throw ApiError(400, "'prompt' is required", "invalid_request_error", "prompt");
        const nlohmann::json& p = body["prompt"];
        auto ids_from = [&](const nlohmann::json& arr) {
            for (const auto& v : arr) {
                if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
                    v.get<int64_t>() > std::numeric_limits<int32_t>::max())
                    throw bad_field("prompt", "a string, or an array of token ids");
                r.prompt_ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
            }
            r.prompt_is_ids = true;
        };
        if (p.is_string()) {
            r.prompt_text = p.get<std::string>();
        } else if (p.is_array() && p.size() == 1 && p[0].is_string()) {
            r.prompt_text = p[0].get<std::string>();
        } else if (p.is_array() && p.size() == 1 && p[0].is_array()) {
            ids_from(p[0]);
        } else if (p.is_array() && !p.empty() && p[0].is_number()) {
            ids_from(p);
        } else {
            throw bad_field("prompt", "a string, or an array of token ids (one prompt per request)");
        }
    }
    return r;
}

}  // namespace loom::server
