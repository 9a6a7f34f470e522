// OpenAI function calling on /v1/chat/completions: the `tools`, `tool_choice` and `parallel_tool_calls`
// request fields, checked here so that a bad one is a 400 naming it before anything is queued.
//
//   tools:       [{"type": "function", "function": {"name", "description"?, "parameters"?}}]
//   tool_choice: "auto" (the default when tools are given) | "none" | "required" |
//                {"type": "function", "function": {"name": NAME}}   (NAME must be one of the tools)
// docs/tools.md describes how the tools reach the model and how its answer comes back as tool_calls.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace loom::server {

enum class ToolChoice { None, Auto, Required, Named };

struct ToolRequest {
    nlohmann::ordered_json tools = nlohmann::ordered_json::array();  // as the client wrote them
    ToolChoice choice = ToolChoice::None;
    std::string named_function;  // ToolChoice::Named
    bool parallel_calls = true;  // parallel_tool_calls: false -> at most one call

    bool has_tools() const { return !tools.empty(); }
    // True when the answer is constrained to and parsed as tool calls (or text, for auto).
    bool calls_possible() const { return has_tools() && choice != ToolChoice::None; }
};

// `body` is the request read with its member order kept (a tool's parameters order its arguments).
// A request without `tools` gets ToolChoice::None; `tool_choice` without `tools` is a 400.
ToolRequest parse_tool_request(const nlohmann::ordered_json& body);

}  // namespace loom::server
