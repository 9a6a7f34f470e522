// Finding and loading the model a `loom run` / `chat` / `bench` command works on.
//
// Without -m: $LOOM_MODEL, else models/SmolLM2-135M-Instruct.Q4_1.gguf under the current directory, else
// under the source tree loom was built from (LOOM_SOURCE_DIR); else a loom::Error saying to fetch it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "generate/loaded_model.h"       // LoadedModel, load_model, choose_context (the library's)
#include "store/default_model_path.h"  // kDefaultModelRelativePath, resolve_model_or_default

namespace loom::cli {

// `flag` is the -m value ("" when not given: the default model); anything store/model_resolver.h accepts (a
// path, a name `loom list` prints, hf:ORG/REPO[:FILE], ORG/REPO[:FILE]). Throws loom::Error when no model can
// be found; a store name not pulled yet is an error naming `loom pull`.
std::string resolve_model_path(const std::string& flag);

// The same, but a store name not pulled yet is pulled first, with its progress bar (run, chat, serve), unless
// --offline / LOOM_OFFLINE=1.
std::string resolve_or_pull_model_path(const std::string& flag);

// Adds --offline to a command that may pull (run, chat, serve).
void add_offline_flag(CLI::App& app);

}  // namespace loom::cli
