// The error a route answers with: an HTTP status and OpenAI's error object
//   {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}
// Thrown inside the request handlers; the server turns it into the response (never a crash).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace loom::server {

struct ApiError : std::runtime_error {
    ApiError(int status, std::string message, std::string type = "invalid_request_error",
             std::string param = "", std::string code = "")
        : std::runtime_error(message),
          status(status),
          type(std::move(type)),
          param(std::move(param)),
          code(std::move(code)) {}

    int status;
    std::string type, param, code;  // param / code: "" is sent as null
};

// {"error": {...}} for a status and message (param and code null when empty).
inline nlohmann::json error_body(const std::string& message, const std::string& type,
                                 const std::string& param = "", const std::string& code = "") {
    nlohmann::json e = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
    if (!param.empty()) e["param"] = param;
    if (!code.empty()) e["code"] = code;
    return {{"error", e}};
}

inline nlohmann::json error_body(const ApiError& e) {
    return error_body(e.what(), e.type, e.param, e.code);
}

// The error type OpenAI uses for a status code.
inline const char* error_type_for_status(int status) {
    switch (status) {
        case 401:
            return "authentication_error";
        case 404:
            return "not_found_error";
        case 413:
            return "invalid_request_error";
        case 429:
            return "rate_limit_error";
        case 503:
            return "server_overloaded";
        case 504:
            return "timeout_error";
        default:
            return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

}  // namespace loom::server
