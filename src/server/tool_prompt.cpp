#include "server/tool_prompt.h"

#include "generate/grammar/json_schema.h"

namespace loom::server {
namespace {

using ojson = nlohmann::ordered_json;

const ojson& function_of(const ojson& tool) {
    return tool["function"];
}

ojson parameters_of(const ojson& tool) {
    const ojson& fn = function_of(tool);
    if (fn.contains("parameters") && fn["parameters"].is_object()) return fn["parameters"];
    return ojson{{"type", "object"}, {"properties", ojson::object()}};
}

// {"name": <the function's name>, "arguments": <its parameters>}, nothing else.
ojson call_schema(const ojson& tool) {
    ojson properties = ojson::object();
    properties["name"] = ojson{{"const", function_of(tool)["name"]}};
    properties["arguments"] = parameters_of(tool);
    return ojson{{"type", "object"},
                 {"properties", properties},
                 {"required", {"name", "arguments"}},
                 {"additionalProperties", false}};
}

// One call of any function tool_choice allows.
ojson any_call_schema(const ToolRequest& r) {
    ojson alternatives = ojson::array();
    for (const ojson& tool : r.tools) {
        if (r.choice == ToolChoice::Named && function_of(tool)["name"] != r.named_function) continue;
        alternatives.push_back(call_schema(tool));
    }
    if (alternatives.size() == 1) return alternatives[0];
    return ojson{{"anyOf", alternatives}};
}

bool one_call_only(const ToolRequest& r) {
    return r.choice == ToolChoice::Named || !r.parallel_calls;
}

ojson json_format_schema(const ToolRequest& r) {
    ojson calls = {{"type", "array"}, {"items", any_call_schema(r)}, {"minItems", 1u}};
    if (one_call_only(r)) calls["maxItems"] = 1u;
    ojson properties = ojson::object();
    properties["tool_calls"] = calls;
    ojson with_calls = {{"type", "object"},
                        {"properties", properties},
                        {"required", {"tool_calls"}},
                        {"additionalProperties", false}};
    if (r.choice != ToolChoice::Auto) return with_calls;
    ojson response = ojson::object();
    response["response"] = ojson{{"type", "string"}};
    ojson with_text = {{"type", "object"},
                       {"properties", response},
                       {"required", {"response"}},
                       {"additionalProperties", false}};
    return ojson{{"anyOf", {with_calls, with_text}}};
}

// The converter's grammar for one call object, its start rule renamed so that other rules can use it.
std::string call_object_rules(const ToolRequest& r) {
    std::string gbnf = grammar::json_schema_to_gbnf(any_call_schema(r));
    const std::string start = "root ::= ";
    return "tool-call-object ::= " + gbnf.substr(start.size());
}

}  // namespace

ToolCallFormat tool_call_format_of(const std::string& template_source) {
    const bool uses_tools = template_source.find("tools") != std::string::npos;
    const bool writes_tags = template_source.find("<tool_call>") != std::string::npos;
    return uses_tools && writes_tags ? ToolCallFormat::Markup : ToolCallFormat::Json;
}

std::string generic_tool_instructions(const ToolRequest& r) {
    std::string text =
        "You can call these functions (tools). Each is given as JSON: its name, what it does, and "
        "a JSON Schema of its arguments.\n";
    for (const ojson& tool : r.tools) {
        const ojson& fn = function_of(tool);
        ojson line = ojson::object();
        line["name"] = fn["name"];
        if (fn.contains("description") && fn["description"].is_string())
            line["description"] = fn["description"];
        line["parameters"] = parameters_of(tool);
        text += line.dump() + "\n";
    }
    text +=
        "\nTo call functions, reply with only this JSON object: "
        "{\"tool_calls\": [{\"name\": <function name>, \"arguments\": <arguments object>}]}";
    switch (r.choice) {
        case ToolChoice::Auto:
            text +=
                "\nTo answer without calling a function, reply with only this JSON object: "
                "{\"response\": <your answer as a string>}";
            break;
        case ToolChoice::Required:
            text += "\nYou must call at least one function.";
            break;
        case ToolChoice::Named:
            text += "\nYou must call the function \"" + r.named_function + "\".";
            break;
        case ToolChoice::None:
            break;
    }
    if (one_call_only(r)) text += "\nCall one function only.";
    return text;
}

nlohmann::ordered_json with_generic_tool_instructions(const nlohmann::ordered_json& messages,
                                                      const ToolRequest& r) {
    const std::string instructions = generic_tool_instructions(r);
    ojson out = messages;
    if (!out.empty() && out[0].value("role", "") == "system") {
        const std::string existing =
            out[0]["content"].is_string() ? out[0]["content"].get<std::string>() : "";
        out[0]["content"] = existing.empty() ? instructions : existing + "\n\n" + instructions;
        return out;
    }
    ojson system = ojson::object();
    system["role"] = "system";
    system["content"] = instructions;
    out.insert(out.begin(), system);
    return out;
}

nlohmann::ordered_json tool_turns_as_plain_messages(const nlohmann::ordered_json& messages) {
    ojson out = ojson::array();
    for (const ojson& m : messages) {
        const std::string role = m.value("role", "");
        const std::string content =
            m.contains("content") && m["content"].is_string() ? m["content"].get<std::string>() : "";
        if (role == "assistant" && m.contains("tool_calls")) {
            ojson calls = ojson::array();
            for (const ojson& c : m["tool_calls"])
                calls.push_back(
                    ojson{{"name", c["function"]["name"]}, {"arguments", c["function"]["arguments"]}});
            ojson answer = ojson::object();
            answer["tool_calls"] = calls;
            out.push_back(ojson{{"role", "assistant"},
                                {"content", (content.empty() ? "" : content + "\n") + answer.dump()}});
        } else if (role == "tool") {
            std::string text = "The function " + m.value("name", std::string("call"));
            if (m.contains("tool_call_id")) text += " (" + m["tool_call_id"].get<std::string>() + ")";
            out.push_back(ojson{{"role", "user"},
                                {"content", text + " returned: " + content + "\nAnswer with this result."}});
        } else {
            out.push_back(m);
        }
    }
    return out;
}

std::string tool_call_gbnf(const ToolRequest& r, ToolCallFormat format) {
    if (!r.calls_possible()) return "";
    if (format == ToolCallFormat::Json) return grammar::json_schema_to_gbnf(json_format_schema(r));
    std::string root = "tool-call-block";
    if (!one_call_only(r)) root += " ( \"\\n\" tool-call-block )*";
    std::string gbnf;
    if (r.choice == ToolChoice::Auto)
        gbnf =
            "root ::= tool-calls | tool-free-text\n"
            "tool-calls ::= " +
            root +
            "\n"
            "tool-free-text ::= [^<] .*\n";
    else
        gbnf = "root ::= " + root + "\n";
    gbnf += "tool-call-block ::= \"<tool_call>\\n\" tool-call-object \"\\n</tool_call>\"\n";
    return gbnf + call_object_rules(r);
}

}  // namespace loom::server
