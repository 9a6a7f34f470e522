// Streaming tool calls: each time a choice's answer grows, the chat deltas it adds, in OpenAI's shape:
//   {"content": "..."}                                   plain text (never the tool-call JSON or tags)
//   {"tool_calls": [{"index", "id", "type": "function", "function": {"name", "arguments": ""}}]}   a new call
//   {"tool_calls": [{"index", "function": {"arguments": "..."}}]}                                   more of
//   it
// Text that could still turn out to be a tool call is held back until it is known.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/tool_output.h"

namespace loom::server {

class ToolCallStreamer {
  public:
    explicit ToolCallStreamer(ToolCallFormat format) : format_(format) {}

    // `text`: the whole answer so far. Returns the deltas not sent yet.
    std::vector<nlohmann::json> grow(const std::string& text);

    // The answer is whole: the remaining deltas (a malformed answer goes out as content, if nothing was sent
    // yet), and a finish_reason of "stop" becomes "tool_calls" when calls were sent.
    std::vector<nlohmann::json> finish(const std::string& text, std::string& finish_reason);

  private:
    struct SentCall {
        std::string id;
        size_t arguments_sent = 0;
    };
    std::vector<nlohmann::json> deltas_for(const ToolOutput& out);

    ToolCallFormat format_;
    size_t content_sent_ = 0;
    std::vector<SentCall> calls_;
};

}  // namespace loom::server
