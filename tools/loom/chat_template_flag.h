// --chat-template FILE (run, chat, serve): a chat template for a model that has none of its own (a base model
// such as Gemma 3 270M), or to replace the one it has. FILE is a Jinja file, or a Hugging Face
// tokenizer_config.json whose "chat_template" is used.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "default_model.h"  // LoadedModel

namespace loom::cli {

void add_chat_template_flag(CLI::App& app, std::string& file);

// The template in `file` (see above). Throws loom::Error naming the file when it cannot be read, is empty, or
// is a JSON file without a chat_template.
std::string read_chat_template_file(const std::string& file);

// Replaces model.chat_template with the file's template when `file` is not empty.
void apply_chat_template_flag(LoadedModel& model, const std::string& file);

// The error `chat` gives for a model without a template: says so and names the flag.
[[noreturn]] void throw_no_chat_template(const LoadedModel& model);

}  // namespace loom::cli
