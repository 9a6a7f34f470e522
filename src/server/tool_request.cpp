#include "server/tool_request.h"

#include <cctype>
#include <set>

#include "server/api_error.h"

namespace loom::server {
namespace {

ApiError tool_field_error(const char* field, const std::string& message) {
    return ApiError(400, std::string("'") + field + "': " + message, "invalid_request_error", field);
}

bool valid_function_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (unsigned char c : name)
        if (!std::isalnum(c) && c != '_' && c != '-') return false;
    return true;
}

void check_tool(const nlohmann::ordered_json& tool, size_t i, std::set<std::string>& names) {
    const std::string at = "tools[" + std::to_string(i) + "]";
    if (!tool.is_object()) throw tool_field_error("tools", at + " must be an object");
    if (!tool.contains("type") || tool["type"] != "function")
        throw tool_field_error("tools", at + ".type must be \"function\"");
    if (!tool.contains("function") || !tool["function"].is_object())
        throw tool_field_error("tools", at + ".function must be an object with a 'name'");
    const auto& fn = tool["function"];
    if (!fn.contains("name") || !fn["name"].is_string())
        throw tool_field_error("tools", at + ".function.name must be a string");
    const std::string name = fn["name"].get<std::string>();
    if (!valid_function_name(name))
        throw tool_field_error("tools", at + ".function.name '" + name +
                                            "' must be 1-64 characters of a-z, A-Z, 0-9, '_' or '-'");
    if (!names.insert(name).second)
        throw tool_field_error("tools", at + ".function.name '" + name + "' is given twice");
    if (fn.contains("description") && !fn["description"].is_string() && !fn["description"].is_null())
        throw tool_field_error("tools", at + ".function.description must be a string");
    if (fn.contains("parameters") && !fn["parameters"].is_null()) {
        const auto& p = fn["parameters"];
        if (!p.is_object() || (p.contains("type") && p["type"] != "object"))
            throw tool_field_error("tools",
                                   at + ".function.parameters must be a JSON Schema of type \"object\"");
    }
}

}  // namespace

ToolRequest parse_tool_request(const nlohmann::ordered_json& body) {
    ToolRequest r;
    const bool has_tools = body.contains("tools") && !body["tools"].is_null();
    const bool has_choice = body.contains("tool_choice") && !body["tool_choice"].is_null();
    if (body.contains("parallel_tool_calls") && !body["parallel_tool_calls"].is_null()) {
        if (!body["parallel_tool_calls"].is_boolean())
            throw tool_field_error("parallel_tool_calls", "must be a boolean");
        r.parallel_calls = body["parallel_tool_calls"].get<bool>();
    }
    if (!has_tools) {
        if (has_choice) throw tool_field_error("tool_choice", "is given without 'tools'");
        return r;
    }
    const auto& tools = body["tools"];
    if (!tools.is_array())
        throw tool_field_error("tools", "must be an array of {type: \"function\", function}");
    std::set<std::string> names;
    for (size_t i = 0; i < tools.size(); ++i) check_tool(tools[i], i, names);
    r.tools = tools;
    if (tools.empty()) return r;  // an empty list asks for nothing
    r.choice = ToolChoice::Auto;
    if (!has_choice) return r;
    const auto& choice = body["tool_choice"];
    if (choice.is_string()) {
        const std::string s = choice.get<std::string>();
        if (s == "auto")
            r.choice = ToolChoice::Auto;
        else if (s == "none")
            r.choice = ToolChoice::None;
        else if (s == "required")
            r.choice = ToolChoice::Required;
        else
            throw tool_field_error(
                "tool_choice",
                "must be \"auto\", \"none\", \"required\" or {type: \"function\", function: "
                "{name}}, got \"" +
                    s + "\"");
        return r;
    }
    if (!choice.is_object() || !choice.contains("type") || choice["type"] != "function" ||
        !choice.contains("function") || !choice["function"].is_object() ||
        !choice["function"].contains("name") || !choice["function"]["name"].is_string())
        throw tool_field_error(
            "tool_choice",
            "must be \"auto\", \"none\", \"required\" or {type: \"function\", function: {name}}");
    r.named_function = choice["function"]["name"].get<std::string>();
    if (!names.count(r.named_function))
        throw tool_field_error("tool_choice",
                               "names the function '" + r.named_function + "', which is not in 'tools'");
    r.choice = ToolChoice::Named;
    return r;
}

}  // namespace loom::server
