// Function calling on the chat route: validating tools / tool_choice (server/tool_request.h), the grammar per
// tool_choice (server/tool_prompt.h), reading answers back as tool calls (server/tool_output.h) and streaming
// them as deltas (server/tool_stream.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_matcher.h"
#include "server/api_error.h"
#include "server/request_parse.h"
#include "server/tool_output.h"
#include "server/tool_prompt.h"
#include "server/tool_request.h"
#include "server/tool_stream.h"

namespace loom::server {
namespace {

using ojson = nlohmann::ordered_json;

const char* kTools = R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {
      "location": {"type": "string", "maxLength": 20},
      "unit": {"enum": ["celsius", "fahrenheit"]}}, "required": ["location", "unit"]}}},
  {"type": "function", "function": {"name": "add", "parameters": {"type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}}}
])";

ToolRequest tools_with(const std::string& tool_choice_json, const std::string& extra = "") {
    std::string body = std::string(R"({"tools": )") + kTools;
    if (!tool_choice_json.empty()) body += R"(, "tool_choice": )" + tool_choice_json;
    body += extra + "}";
    return parse_tool_request(ojson::parse(body));
}

// The 400 a body gets: its param and message.
std::pair<std::string, std::string> rejection(const std::string& body) {
    try {
        parse_tool_request(ojson::parse(body));
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status, 400);
        return {e.param, e.what()};
    }
    return {"", "accepted"};
}

TEST(ServerToolRequest, ReadsToolChoiceForms) {
    EXPECT_EQ(tools_with("").choice, ToolChoice::Auto);
    EXPECT_EQ(tools_with(R"("auto")").choice, ToolChoice::Auto);
    EXPECT_EQ(tools_with(R"("none")").choice, ToolChoice::None);
    EXPECT_EQ(tools_with(R"("required")").choice, ToolChoice::Required);
    const ToolRequest named = tools_with(R"({"type": "function", "function": {"name": "add"}})");
    EXPECT_EQ(named.choice, ToolChoice::Named);
    EXPECT_EQ(named.named_function, "add");
    EXPECT_FALSE(tools_with(R"("required")", R"(, "parallel_tool_calls": false)").parallel_calls);
    EXPECT_EQ(parse_tool_request(ojson::parse("{}")).choice, ToolChoice::None);
    EXPECT_FALSE(parse_tool_request(ojson::parse(R"({"tools": []})")).calls_possible());
}

TEST(ServerToolRequest, BadFieldsAre400sNamingThem) {
    const std::string tools = std::string(R"({"tools": )") + kTools;
    auto [param, message] =
        rejection(tools + R"(, "tool_choice": {"type": "function", "function": {"name": "nope"}}})");
    EXPECT_EQ(param, "tool_choice");
    EXPECT_NE(message.find("'nope'"), std::string::npos) << message;
    std::tie(param, message) = rejection(tools + R"(, "tool_choice": "sometimes"})");
    EXPECT_EQ(param, "tool_choice");
    EXPECT_NE(message.find("sometimes"), std::string::npos) << message;
    std::tie(param, message) = rejection(R"({"tool_choice": "auto"})");
    EXPECT_EQ(param, "tool_choice");
    std::tie(param, message) = rejection(R"({"tools": {"type": "function"}})");
    EXPECT_EQ(param, "tools");
    std::tie(param, message) = rejection(R"({"tools": [{"type": "retrieval"}]})");
    EXPECT_EQ(param, "tools");
    EXPECT_NE(message.find("tools[0].type"), std::string::npos) << message;
    std::tie(param, message) =
        rejection(R"({"tools": [{"type": "function", "function": {"description": "x"}}]})");
    EXPECT_NE(message.find("tools[0].function.name"), std::string::npos) << message;
    std::tie(param, message) = rejection(R"({"tools": [{"type": "function", "function": {"name": "a b"}}]})");
    EXPECT_NE(message.find("'a b'"), std::string::npos) << message;
    std::tie(param, message) = rejection(
        R"({"tools": [{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}]})");
    EXPECT_NE(message.find("tools[1]"), std::string::npos) << message;
    std::tie(param, message) = rejection(
        R"({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "array"}}}]})");
    EXPECT_NE(message.find("parameters"), std::string::npos) << message;
    std::tie(param, message) = rejection(tools + R"(, "parallel_tool_calls": "yes"})");
    EXPECT_EQ(param, "parallel_tool_calls");
}

bool accepts(const std::string& gbnf, const std::string& text) {
    const grammar::Grammar g = grammar::parse_gbnf(gbnf);
    grammar::GrammarMatcher m(g);
    return m.accept(text) && m.can_end();
}

const std::string kWeatherCall =
    R"({"name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}})";
const std::string kAddCall = R"({"name": "add", "arguments": {"a": 2, "b": 3}})";

TEST(ServerToolGrammar, RequiredJsonFormatAcceptsCallsOnly) {
    const std::string g = tool_call_gbnf(tools_with(R"("required")"), ToolCallFormat::Json);
    EXPECT_TRUE(accepts(g, R"({"tool_calls": [)" + kWeatherCall + "]}"));
    EXPECT_TRUE(accepts(g, R"({"tool_calls": [)" + kWeatherCall + ", " + kAddCall + "]}"));
    EXPECT_FALSE(accepts(g, R"({"response": "It is sunny."})"));
    EXPECT_FALSE(accepts(g, "It is sunny."));
    EXPECT_FALSE(accepts(g, R"({"tool_calls": []})"));
    // Arguments follow the function's parameters.
    EXPECT_FALSE(accepts(
        g,
        R"({"tool_calls": [{"name": "get_weather", "arguments": {"location": "Paris", "unit": "kelvin"}}]})"));
    EXPECT_FALSE(accepts(g, R"({"tool_calls": [{"name": "add", "arguments": {"a": 2}}]})"));
    EXPECT_FALSE(accepts(g, R"({"tool_calls": [{"name": "subtract", "arguments": {"a": 2, "b": 3}}]})"));
}

TEST(ServerToolGrammar, NamedAndSingleCallJsonFormat) {
    const std::string named = tool_call_gbnf(
        tools_with(R"({"type": "function", "function": {"name": "add"}})"), ToolCallFormat::Json);
    EXPECT_TRUE(accepts(named, R"({"tool_calls": [)" + kAddCall + "]}"));
    EXPECT_FALSE(accepts(named, R"({"tool_calls": [)" + kWeatherCall + "]}"));
    EXPECT_FALSE(accepts(named, R"({"tool_calls": [)" + kAddCall + ", " + kAddCall + "]}"));
    const std::string single = tool_call_gbnf(
        tools_with(R"("required")", R"(, "parallel_tool_calls": false)"), ToolCallFormat::Json);
    EXPECT_TRUE(accepts(single, R"({"tool_calls": [)" + kWeatherCall + "]}"));
    EXPECT_FALSE(accepts(single, R"({"tool_calls": [)" + kWeatherCall + ", " + kAddCall + "]}"));
}

TEST(ServerToolGrammar, AutoAllowsTextToo) {
    const std::string json = tool_call_gbnf(tools_with(R"("auto")"), ToolCallFormat::Json);
    EXPECT_TRUE(accepts(json, R"({"tool_calls": [)" + kAddCall + "]}"));
    EXPECT_TRUE(accepts(json, R"({"response": "It is sunny."})"));
    EXPECT_FALSE(accepts(json, "It is sunny."));
    const std::string markup = tool_call_gbnf(tools_with(R"("auto")"), ToolCallFormat::Markup);
    EXPECT_TRUE(accepts(markup, "<tool_call>\n" + kAddCall + "\n</tool_call>"));
    EXPECT_TRUE(accepts(markup, "It is sunny.\nReally."));
    EXPECT_FALSE(accepts(markup, "<tool_call>\n{\"name\": \"add\"}\n</tool_call>"));
    EXPECT_TRUE(tool_call_gbnf(tools_with(R"("none")"), ToolCallFormat::Json).empty());
}

TEST(ServerToolGrammar, RequiredMarkupFormat) {
    const std::string g = tool_call_gbnf(tools_with(R"("required")"), ToolCallFormat::Markup);
    EXPECT_TRUE(accepts(g, "<tool_call>\n" + kWeatherCall + "\n</tool_call>"));
    EXPECT_TRUE(accepts(
        g, "<tool_call>\n" + kWeatherCall + "\n</tool_call>\n<tool_call>\n" + kAddCall + "\n</tool_call>"));
    EXPECT_FALSE(accepts(g, "It is sunny."));
    EXPECT_FALSE(accepts(g, kWeatherCall));
}

TEST(ServerToolOutput, ReadsTheJsonFormat) {
    std::string finish = "stop";
    const auto m = tool_answer_message(R"({"tool_calls": [)" + kWeatherCall + ", " + kAddCall + "]}",
                                       ToolCallFormat::Json, finish);
    EXPECT_EQ(finish, "tool_calls");
    EXPECT_TRUE(m["content"].is_null());
    ASSERT_EQ(m["tool_calls"].size(), 2u);
    EXPECT_EQ(m["tool_calls"][0]["type"], "function");
    EXPECT_EQ(m["tool_calls"][0]["id"].get<std::string>().rfind("call_", 0), 0u);
    EXPECT_NE(m["tool_calls"][0]["id"], m["tool_calls"][1]["id"]);
    EXPECT_EQ(m["tool_calls"][0]["function"]["name"], "get_weather");
    // Arguments are JSON text, members in the order written.
    EXPECT_EQ(m["tool_calls"][0]["function"]["arguments"], R"({"location":"Paris","unit":"celsius"})");
    EXPECT_EQ(m["tool_calls"][1]["function"]["arguments"], R"({"a":2,"b":3})");

    finish = "stop";
    const auto text = tool_answer_message(R"({"response": "It is \"sunny\" \u00e9 \ud83c\udf0d"})",
                                          ToolCallFormat::Json, finish);
    EXPECT_EQ(finish, "stop");
    EXPECT_EQ(text["content"], "It is \"sunny\" \u00e9 \U0001F30D");
    EXPECT_FALSE(text.contains("tool_calls"));
}

TEST(ServerToolOutput, ReadsTheMarkupFormat) {
    std::string finish = "stop";
    const auto m = tool_answer_message(
        "<tool_call>\n" + kAddCall + "\n</tool_call>\n<tool_call>\n" + kWeatherCall + "\n</tool_call>",
        ToolCallFormat::Markup, finish);
    EXPECT_EQ(finish, "tool_calls");
    EXPECT_TRUE(m["content"].is_null());
    ASSERT_EQ(m["tool_calls"].size(), 2u);
    EXPECT_EQ(m["tool_calls"][0]["function"]["name"], "add");
    EXPECT_EQ(m["tool_calls"][1]["function"]["name"], "get_weather");

    finish = "stop";
    const auto with_text = tool_answer_message("Let me add.\n<tool_call>\n" + kAddCall + "\n</tool_call>",
                                               ToolCallFormat::Markup, finish);
    EXPECT_EQ(with_text["content"], "Let me add.\n");
    EXPECT_EQ(with_text["tool_calls"].size(), 1u);

    finish = "stop";
    const auto plain = tool_answer_message("Just text, a < b.", ToolCallFormat::Markup, finish);
    EXPECT_EQ(plain["content"], "Just text, a < b.");
    EXPECT_FALSE(plain.contains("tool_calls"));
    EXPECT_EQ(finish, "stop");
}

TEST(ServerToolOutput, MalformedAnswersArePlainContent) {
    for (const auto& [text, format] : std::vector<std::pair<std::string, ToolCallFormat>>{
             {"<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}\n</tool_call>",
              ToolCallFormat::Markup},
             {"<tool_call>\n{\"name\": \"add\"}\n</tool_call>", ToolCallFormat::Markup},
             {"<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}, \"x\": 2}\n</tool_call>",
              ToolCallFormat::Markup},
             {"<tool_call>\n" + kAddCall + "\n</tool_cal>", ToolCallFormat::Markup},
             {"<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1,}}\n</tool_call>",
              ToolCallFormat::Markup},
             {"Hello there", ToolCallFormat::Json},
             {R"({"tool_calls": 5})", ToolCallFormat::Json},
             {R"({"tool_calls": [)" + kAddCall + "]} trailing", ToolCallFormat::Json},
             {R"({"answer": "x"})", ToolCallFormat::Json},
         }) {
        SCOPED_TRACE(text);
        std::string finish = "stop";
        const auto m = tool_answer_message(text, format, finish);
        EXPECT_EQ(m["content"], text);
        EXPECT_FALSE(m.contains("tool_calls"));
        EXPECT_EQ(finish, "stop");
    }
}

TEST(ServerToolOutput, ACallCutByMaxTokensStaysACall) {
    std::string finish = "length";
    const auto m = tool_answer_message(R"({"tool_calls": [{"name": "add", "arguments": {"a": 2, "b)",
                                       ToolCallFormat::Json, finish);
    EXPECT_EQ(finish, "length");
    EXPECT_TRUE(m["content"].is_null());
    ASSERT_EQ(m["tool_calls"].size(), 1u);
    EXPECT_EQ(m["tool_calls"][0]["function"]["arguments"], R"({"a": 2, "b)");
}

// Feeds `text` to a streamer one byte at a time; returns the joined content and each call's (name,
// arguments).
struct Streamed {
    std::string content;
    std::vector<std::pair<std::string, std::string>> calls;
    std::string finish_reason;
    bool ids_ok = true;
};

Streamed stream_bytes(const std::string& text, ToolCallFormat format, const std::string& finish_reason) {
    ToolCallStreamer streamer(format);
    Streamed s;
    auto take = [&](const std::vector<nlohmann::json>& deltas) {
        for (const auto& d : deltas) {
            if (d.contains("content")) s.content += d["content"].get<std::string>();
            if (!d.contains("tool_calls")) continue;
            const auto& c = d["tool_calls"][0];
            const size_t i = c["index"];
            if (c.contains("id")) {
                s.ids_ok = s.ids_ok && i == s.calls.size() && c["type"] == "function";
                s.calls.push_back({c["function"]["name"], ""});
            }
            s.calls.at(i).second += c["function"]["arguments"].get<std::string>();
        }
    };
    for (size_t n = 1; n <= text.size(); ++n) take(streamer.grow(text.substr(0, n)));
    s.finish_reason = finish_reason;
    take(streamer.finish(text, s.finish_reason));
    return s;
}

TEST(ServerToolStream, DeltasJoinToTheSameCalls) {
    const std::string json_text = R"({"tool_calls": [)" + kWeatherCall + ", " + kAddCall + "]}";
    const Streamed a = stream_bytes(json_text, ToolCallFormat::Json, "stop");
    EXPECT_TRUE(a.ids_ok);
    EXPECT_EQ(a.content, "");
    ASSERT_EQ(a.calls.size(), 2u);
    EXPECT_EQ(a.calls[0].first, "get_weather");
    EXPECT_EQ(nlohmann::json::parse(a.calls[0].second),
              nlohmann::json::parse(R"({"location":"Paris","unit":"celsius"})"));
    EXPECT_EQ(a.calls[1].first, "add");
    EXPECT_EQ(nlohmann::json::parse(a.calls[1].second), nlohmann::json::parse(R"({"a":2,"b":3})"));
    EXPECT_EQ(a.finish_reason, "tool_calls");

    const Streamed b = stream_bytes("Checking.\n<tool_call>\n" + kAddCall + "\n</tool_call>",
                                    ToolCallFormat::Markup, "stop");
    EXPECT_EQ(b.content, "Checking.\n");  // never the tag or the call's JSON
    ASSERT_EQ(b.calls.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(b.calls[0].second), nlohmann::json::parse(R"({"a":2,"b":3})"));
    EXPECT_EQ(b.finish_reason, "tool_calls");
}

TEST(ServerToolStream, TextAnswersStreamAsContent) {
    const Streamed a = stream_bytes(R"({"response": "Hi \"you\" \u00e9!"})", ToolCallFormat::Json, "stop");
    EXPECT_EQ(a.content, "Hi \"you\" \u00e9!");
    EXPECT_TRUE(a.calls.empty());
    EXPECT_EQ(a.finish_reason, "stop");
    const Streamed b = stream_bytes("a <b> c <tool", ToolCallFormat::Markup, "length");
    EXPECT_EQ(b.content, "a <b> c <tool");  // the held "<tool" goes out once the answer is whole
    EXPECT_EQ(b.finish_reason, "length");
    const Streamed c = stream_bytes("not json", ToolCallFormat::Json, "stop");
    EXPECT_EQ(c.content, "not json");
}

TEST(ServerToolMessages, KeepsToolCallsAndToolResultsForTheTemplate) {
    const auto body = nlohmann::json::parse(R"({"messages": [
        {"role": "user", "content": "2+3?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
          "function": {"name": "add", "arguments": "{\"b\": 3, \"a\": 2}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "add", "content": "5"}]})");
    const ojson m = parse_chat_messages(body);
    ASSERT_EQ(m.size(), 3u);
    EXPECT_TRUE(m[1]["content"].is_null());
    EXPECT_EQ(m[1]["tool_calls"][0]["function"]["arguments"].dump(),
              R"({"b":3,"a":2})");  // an object, in order
    EXPECT_EQ(m[2]["tool_call_id"], "call_1");
    EXPECT_EQ(m[2]["name"], "add");
    EXPECT_THROW(parse_chat_messages(nlohmann::json::parse(R"({"messages": [{"role": "assistant",
        "tool_calls": [{"function": {"name": "add", "arguments": "{not json"}}]}]})")),
                 ApiError);
}

TEST(ServerToolPrompt, JsonFormatInstructionsJoinTheSystemMessage) {
    const ToolRequest r = tools_with(R"("auto")");
    const ojson with_system = with_generic_tool_instructions(
        ojson::parse(R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])"),
        r);
    ASSERT_EQ(with_system.size(), 2u);
    const std::string s = with_system[0]["content"];
    EXPECT_EQ(s.rfind("Be brief.\n\n", 0), 0u);
    EXPECT_NE(s.find("\"get_weather\""), std::string::npos);
    EXPECT_NE(s.find("{\"response\""), std::string::npos);
    const ojson without = with_generic_tool_instructions(
        ojson::parse(R"([{"role": "user", "content": "Hi"}])"), tools_with(R"("required")"));
    ASSERT_EQ(without.size(), 2u);
    EXPECT_EQ(without[0]["role"], "system");
    EXPECT_EQ(std::string(without[0]["content"]).find("{\"response\""), std::string::npos);
}

TEST(ServerToolPrompt, JsonFormatWritesEarlierCallsAndResultsAsPlainTurns) {
    const auto body = nlohmann::json::parse(R"({"messages": [
        {"role": "user", "content": "2+3?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
          "function": {"name": "add", "arguments": "{\"a\": 2, \"b\": 3}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "add", "content": "5"}]})");
    const ojson m = tool_turns_as_plain_messages(parse_chat_messages(body));
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[0]["content"], "2+3?");
    EXPECT_EQ(m[1]["role"], "assistant");
    EXPECT_EQ(m[1]["content"], R"({"tool_calls":[{"name":"add","arguments":{"a":2,"b":3}}]})");
    EXPECT_FALSE(m[1].contains("tool_calls"));
    EXPECT_EQ(m[2]["role"], "user");
    EXPECT_EQ(m[2]["content"], "The function add (call_1) returned: 5\nAnswer with this result.");
}

}  // namespace
}  // namespace loom::server
