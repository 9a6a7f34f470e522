// Chat templates: renders a Hugging Face chat template (Jinja) exactly as transformers' apply_chat_template
// does (jinja2 with trim_blocks, lstrip_blocks, loop controls, raise_exception, strftime_now, and a tojson
// that is json.dumps(ensure_ascii=False)). The interpreter lives in generate/jinja/.
//
// Context values come from JSON. Pass nlohmann::ordered_json to keep key order (it shows in tojson output
// and dict iteration); plain nlohmann::json works but its keys arrive sorted.
//
// strftime_now's clock: ChatTemplateOptions::now if set, else the environment variable
// LOOM_CHAT_TEMPLATE_NOW ("YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS"), else the local time. The golden script sets
// the same fixed date on the Python side.
#pragma once

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "generate/jinja/interpreter.h"

namespace loom {

struct ChatTemplateOptions {
    jinja::RenderLimits limits;
    std::optional<std::tm> now;  // fixes strftime_now
};

class ChatTemplate {
  public:
    // Parses once; throws loom::Error with line and column on unknown syntax.
    explicit ChatTemplate(const std::string& source, ChatTemplateOptions options = {});

    // Renders with `context` (a JSON object) as the template's variables. Throws loom::Error on runtime
    // errors; raise_exception(msg) throws loom::Error whose message() is exactly msg.
    std::string render(const nlohmann::ordered_json& context) const;
    std::string render(const nlohmann::json& context) const;

  private:
    std::shared_ptr<const jinja::Body> body_;
    ChatTemplateOptions options_;
};

std::string render_chat_template(const std::string& template_source, const nlohmann::json& context);
std::string render_chat_template(const std::string& template_source, const nlohmann::ordered_json& context);

// The variables apply_chat_template passes: messages, tools (null when absent), documents (null),
// add_generation_prompt, bos_token, eos_token.
std::string format_chat(const ChatTemplate& chat_template, const nlohmann::ordered_json& messages,
                        bool add_generation_prompt, const std::string& bos_token,
                        const std::string& eos_token, const nlohmann::ordered_json& tools = nullptr);
std::string format_chat(const std::string& template_source, const nlohmann::ordered_json& messages,
                        bool add_generation_prompt, const std::string& bos_token,
                        const std::string& eos_token, const nlohmann::ordered_json& tools = nullptr);

// The chat template inside a Hugging Face tokenizer_config.json ("chat_template": a string, or a list of
// {name, template} where "default" is chosen). Throws loom::Error naming the file when there is none.
std::string chat_template_from_tokenizer_config(const std::string& path);

}  // namespace loom
