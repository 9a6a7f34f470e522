// How a request's tools reach the model, and the grammar that keeps its answer a well-formed tool call.
//
// Two formats (docs/tools.md):
//  - Markup: the chat template renders `tools` itself and asks for
//      <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>
//    (Qwen2.5, Hermes and the templates like them: a template that uses `tools` and writes `<tool_call>`).
//  - Json: any other template. The tools are described in a system message and the model answers with one
//    JSON object: {"tool_calls": [{"name": ..., "arguments": {...}}]}, or, where a plain answer is allowed
//    (tool_choice "auto"), {"response": "..."}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "server/tool_request.h"

namespace loom::server {

enum class ToolCallFormat { Json, Markup };

// Markup when the template source uses a `tools` variable and writes <tool_call> tags; Json otherwise.
ToolCallFormat tool_call_format_of(const std::string& template_source);

// The Json format's system text describing the tools and the reply shape that tool_choice allows.
std::string generic_tool_instructions(const ToolRequest& tools);

// `messages` with the Json format's instructions merged into the first system message (appended after a blank
// line) or, without one, as a new first system message.
nlohmann::ordered_json with_generic_tool_instructions(const nlohmann::ordered_json& messages,
                                                      const ToolRequest& tools);

// For a template that knows nothing of tool calls (the Json format): an assistant turn's tool_calls become
// its content, written as the Json format's answer {"tool_calls": [{"name", "arguments"}]} (after any text it
// had), and a role "tool" message becomes a user message "The function <name> (<tool_call_id>) returned:
// <content>" and a line "Answer with this result.", so that templates which accept only system / user /
// assistant still render the conversation.
nlohmann::ordered_json tool_turns_as_plain_messages(const nlohmann::ordered_json& messages);

// GBNF for the answers tool_choice allows: "required" -> one or more calls (one when parallel_tool_calls is
// false), a named function -> one call of it, "auto" -> calls or plain text (Markup: any text not starting
// with '<'; Json: {"response": string}). Each call's arguments follow its function's `parameters` schema.
// "" when nothing is constrained (no tools, or "none"). Throws loom::Error from the schema converter.
std::string tool_call_gbnf(const ToolRequest& tools, ToolCallFormat format);

}  // namespace loom::server
