#include "server/tool_stream.h"

namespace loom::server {

std::vector<nlohmann::json> ToolCallStreamer::deltas_for(const ToolOutput& out) {
    std::vector<nlohmann::json> deltas;
    const bool readable = out.kind == ToolOutput::Kind::Text || out.kind == ToolOutput::Kind::Calls;
    if (readable && out.content.size() > content_sent_) {
        deltas.push_back({{"content", out.content.substr(content_sent_)}});
        content_sent_ = out.content.size();
    }
    if (out.kind != ToolOutput::Kind::Calls) return deltas;
    for (size_t i = 0; i < out.calls.size(); ++i) {
        const ToolCallText& c = out.calls[i];
        if (i == calls_.size()) {
            if (!c.name_known) break;  // its first chunk carries the name
            calls_.push_back({make_tool_call_id(), 0});
            deltas.push_back({{"tool_calls",
                               {{{"index", i},
                                 {"id", calls_[i].id},
                                 {"type", "function"},
                                 {"function", {{"name", c.name}, {"arguments", ""}}}}}}});
        }
        if (c.arguments.size() > calls_[i].arguments_sent) {
            deltas.push_back(
                {{"tool_calls",
                  {{{"index", i},
                    {"function", {{"arguments", c.arguments.substr(calls_[i].arguments_sent)}}}}}}});
            calls_[i].arguments_sent = c.arguments.size();
        }
    }
    return deltas;
}

std::vector<nlohmann::json> ToolCallStreamer::grow(const std::string& text) {
    return deltas_for(read_tool_output(text, format_, /*finished=*/false));
}

std::vector<nlohmann::json> ToolCallStreamer::finish(const std::string& text, std::string& finish_reason) {
    ToolOutput out = read_tool_output(text, format_, /*finished=*/true);
    std::vector<nlohmann::json> deltas;
    if (out.kind == ToolOutput::Kind::Malformed) {
        if (content_sent_ == 0 && calls_.empty() && !text.empty()) deltas.push_back({{"content", text}});
    } else {
        deltas = deltas_for(out);
    }
    if (!calls_.empty() && finish_reason == "stop") finish_reason = "tool_calls";
    return deltas;
}

}  // namespace loom::server
