// Function calling through a chat template: an OpenAI request (tools; an assistant turn's tool_calls with
// string arguments; role "tool" messages) read by loom's request parser and rendered by loom's template
// interpreter equals what transformers' apply_chat_template(messages, tools=...) renders
// (tests/data/chat/tool_render_goldens.json, made by scripts/goldens/make_tool_render_goldens.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "generate/chat_template.h"
#include "server/request_parse.h"
#include "server/tool_prompt.h"
#include "server/tool_request.h"

namespace loom::server {
namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + " is missing");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(ServerToolTemplate, RendersLikeTransformersApplyChatTemplateWithTools) {
    const auto goldens = nlohmann::ordered_json::parse(read_text("tests/data/chat/tool_render_goldens.json"));
    ASSERT_GE(goldens["cases"].size(), 6u);
    for (const auto& c : goldens["cases"]) {
        SCOPED_TRACE(c["template"].get<std::string>() + " / " + c["conversation"].get<std::string>());
        const std::string source = read_text(c["template"].get<std::string>());
        ASSERT_EQ(tool_call_format_of(source), ToolCallFormat::Markup);
        // The body as the server reads it: sorted for the fields, ordered for the tools.
        const std::string body_text = c["request"].dump();
        const nlohmann::json body = nlohmann::json::parse(body_text);
        const nlohmann::ordered_json messages = parse_chat_messages(body);
        const ToolRequest tools = parse_tool_request(nlohmann::ordered_json::parse(body_text));
        const std::string got = format_chat(ChatTemplate(source), messages, /*add_generation_prompt=*/true,
                                            c["bos_token"], c["eos_token"], tools.tools);
        EXPECT_EQ(got, c["expected"].get<std::string>());
    }
}

TEST(ServerToolTemplate, DefaultModelsKindOfTemplateGetsTheJsonFormat) {
    // SmolLM2's template (no tools variable) and a template that uses tools without <tool_call> tags.
    EXPECT_EQ(tool_call_format_of("{% for message in messages %}{{ message['content'] }}{% endfor %}"),
              ToolCallFormat::Json);
    EXPECT_EQ(tool_call_format_of("{% if tools %}{{ tools | tojson }}{% endif %}"), ToolCallFormat::Json);
    EXPECT_EQ(tool_call_format_of(
                  read_text("tests/data/upstream/chat-templates/meta-llama-Llama-3.1-8B-Instruct.jinja")),
              ToolCallFormat::Json);
}

}  // namespace
}  // namespace loom::server
