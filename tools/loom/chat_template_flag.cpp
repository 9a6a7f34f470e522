#include "chat_template_flag.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "default_model.h"
#include "generate/chat_template.h"

namespace loom::cli {

void add_chat_template_flag(CLI::App& app, std::string& file) {
    app.add_option("--chat-template", file,
                   "chat template to use: a Jinja file, or a tokenizer_config.json (its chat_template); for a "
                   "model without one of its own, or to replace it");
}

std::string read_chat_template_file(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error("cannot read the chat template file")
            .file(file)
            .hint("--chat-template takes a Jinja file or a tokenizer_config.json");
    std::stringstream content;
    content << in.rdbuf();
    const std::string text = content.str();
    // A JSON object is a tokenizer config; anything else is the template itself.
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_object()) return chat_template_from_tokenizer_config(file);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        throw Error("the chat template file is empty").file(file);
    return text;
}

void apply_chat_template_flag(LoadedModel& model, const std::string& file) {
    if (!file.empty()) model.chat_template = read_chat_template_file(file);
}

void throw_no_chat_template(const LoadedModel& model) {
    throw Error("this model has no chat template")
        .file(model.source.path)
        .hint("pass --chat-template FILE (a Jinja file or a tokenizer_config.json with a chat_template), or use "
              "`loom run` for plain completion");
}

}  // namespace loom::cli
