#include "generate/chat_template.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/json_depth.h"
#include "generate/jinja/builtins.h"
#include "generate/jinja/lexer.h"
#include "generate/jinja/parser.h"

namespace loom {

namespace {

std::tm clock_now(const std::optional<std::tm>& fixed) {
    if (fixed) return *fixed;
    if (const char* env = std::getenv("LOOM_CHAT_TEMPLATE_NOW"); env && *env) {
        std::tm t{};
        int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
        const int n = std::sscanf(env, "%d-%d-%dT%d:%d:%d", &year, &month, &day, &hour, &minute, &second);
        if (n != 3 && n != 6) {
            throw Error("LOOM_CHAT_TEMPLATE_NOW must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, got '" +
                        std::string(env) + "'");
        }
        t.tm_year = year - 1900;
        t.tm_mon = month - 1;
        t.tm_mday = day;
        t.tm_hour = hour;
        t.tm_min = minute;
        t.tm_sec = second;
        t.tm_isdst = -1;
        std::tm copy = t;
        timegm(&copy);  // fills weekday and day of year for %A, %j
        t.tm_wday = copy.tm_wday;
        t.tm_yday = copy.tm_yday;
        return t;
    }
    const std::time_t now = std::time(nullptr);
    std::tm t{};
    localtime_r(&now, &t);
    return t;
}

}  // namespace

ChatTemplate::ChatTemplate(const std::string& source, ChatTemplateOptions options)
    : body_(std::make_shared<const jinja::Body>(jinja::parse(jinja::tokenize(source)))),
      options_(std::move(options)) {
    if (options_.now) {
        std::tm copy = *options_.now;
        timegm(&copy);
        options_.now->tm_wday = copy.tm_wday;
        options_.now->tm_yday = copy.tm_yday;
    }
}

std::string ChatTemplate::render(const nlohmann::ordered_json& context) const {
    if (!context.is_object() && !context.is_null())
        throw Error("chat template context must be a JSON object");
    auto globals = std::make_shared<jinja::Scope>();
    const auto fixed = options_.now;
    jinja::add_builtin_globals(*globals, {[fixed] { return clock_now(fixed); }});
    if (context.is_object()) {
        for (auto it = context.begin(); it != context.end(); ++it)
            globals->set(it.key(), jinja::Value::from_json(it.value()));
    }
    jinja::Interpreter interpreter(options_.limits);
    return interpreter.render(*body_, globals);
}

std::string ChatTemplate::render(const nlohmann::json& context) const {
    return render(nlohmann::ordered_json::parse(context.dump()));
}

std::string render_chat_template(const std::string& template_source, const nlohmann::json& context) {
    return ChatTemplate(template_source).render(context);
}

std::string render_chat_template(const std::string& template_source, const nlohmann::ordered_json& context) {
    return ChatTemplate(template_source).render(context);
}

std::string format_chat(const ChatTemplate& chat_template, const nlohmann::ordered_json& messages,
                        bool add_generation_prompt, const std::string& bos_token,
                        const std::string& eos_token, const nlohmann::ordered_json& tools) {
    nlohmann::ordered_json context = nlohmann::ordered_json::object();
    context["messages"] = messages;
    context["tools"] = tools;
    context["documents"] = nullptr;
    context["add_generation_prompt"] = add_generation_prompt;
    context["bos_token"] = bos_token;
    context["eos_token"] = eos_token;
    return chat_template.render(context);
}

std::string format_chat(const std::string& template_source, const nlohmann::ordered_json& messages,
                        bool add_generation_prompt, const std::string& bos_token,
                        const std::string& eos_token, const nlohmann::ordered_json& tools) {
    return format_chat(ChatTemplate(template_source), messages, add_generation_prompt, bos_token, eos_token,
                       tools);
}

std::string chat_template_from_tokenizer_config(const std::string& path) {
    const std::string text = read_json_text(path);
    nlohmann::ordered_json config;
    try {
        config = nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("invalid JSON: ") + e.what()).file(path);
    }
    const auto it = config.find("chat_template");
    if (it == config.end() || it->is_null()) throw Error("no chat_template in tokenizer config").file(path);
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {
        for (const auto& entry : *it) {
            if (entry.value("name", "") == "default" && entry.contains("template"))
                return entry["template"].get<std::string>();
        }
    }
    throw Error("chat_template is neither a string nor a list with a 'default' entry").file(path);
}

}  // namespace loom
