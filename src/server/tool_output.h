// Reading a model's answer back as OpenAI tool calls (the formats of server/tool_prompt.h), whole or as far
// as it has been written: streaming reads each longer prefix, and what a prefix yields only ever grows.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/tool_prompt.h"

namespace loom::server {

struct ToolCallText {
    std::string name;  // set once its JSON string has been read whole
    bool name_known = false;
    std::string arguments;        // the arguments' JSON text as the model wrote it, so far
    bool arguments_done = false;  // the arguments value has closed
    bool done = false;            // the call object has closed
};

struct ToolOutput {
    enum class Kind {
        Undecided,  // too little text to tell
        Text,       // a plain answer: `content` (Json: the decoded "response" string; Markup: the text)
        Calls,      // tool calls (Markup: `content` holds any text before the first <tool_call>)
        Malformed,  // not of the format: the whole text is the answer
    };
    Kind kind = Kind::Undecided;
    std::string content;
    std::vector<ToolCallText> calls;
    bool complete = false;  // the text is a finished answer of the format (nothing missing at its end)
};

// `finished`: the text is the whole answer (Markup text then needs no hold-back of a possible "<tool_call"
// at its end).
ToolOutput read_tool_output(const std::string& text, ToolCallFormat format, bool finished);

// A fresh call id: "call_" and 24 random characters.
std::string make_tool_call_id();

// The non-streamed chat message for a whole answer: {"role": "assistant", "content": ..., "tool_calls"?:
// [...]}. Calls: content null unless text came before them, each call {"id", "type": "function", "function":
// {"name", "arguments": JSON text}}; and a finish_reason of "stop" becomes "tool_calls". A malformed answer
// is plain content, its text unchanged.
nlohmann::json tool_answer_message(const std::string& text, ToolCallFormat format,
                                   std::string& finish_reason);

}  // namespace loom::server
