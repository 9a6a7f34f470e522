// Finding and loading the model a `loom run` / `chat` / `bench` command works on.
//
// Without -m: $LOOM_MODEL, else models/SmolLM2-135M-Instruct.Q4_1.gguf under the current directory, else
// under the source tree loom was built from (LOOM_SOURCE_DIR); else a loom::Error saying to fetch it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "models/decoder_model.h"
#include "tokenizer/tokenizer.h"

namespace loom::cli {

inline constexpr const char* kDefaultModelRelativePath = "models/SmolLM2-135M-Instruct.Q4_1.gguf";

// `flag` is the -m value ("" when not given: the default model); anything store/model_resolver.h accepts (a
// path, a name `loom list` prints, hf:ORG/REPO[:FILE], ORG/REPO[:FILE]). Throws loom::Error when no model can
// be found; a store name not pulled yet is an error naming `loom pull`.
std::string resolve_model_path(const std::string& flag);

// The same, but a store name not pulled yet is pulled first, with its progress bar (run, chat, serve), unless
// --offline / LOOM_OFFLINE=1.
std::string resolve_or_pull_model_path(const std::string& flag);

// Adds --offline to a command that may pull (run, chat, serve).
void add_offline_flag(CLI::App& app);

struct LoadedModel {
    ModelSource source;
    std::unique_ptr<DecoderModel> model;
    std::unique_ptr<Tokenizer> tokenizer;
    std::vector<int32_t> end_of_generation;  // EOS / EOT / end-of-turn ids
    std::string chat_template;               // "" when the model has none
    std::string bos_token, eos_token;        // their text, for chat templates ("" when unknown)
};

// Opens the source, builds the model and its tokenizer, and collects the end-of-generation ids.
LoadedModel load_model(const std::string& path);

// The context window to use: `requested` when > 0, else min(trained context, 4096) (or 4096 when unknown).
int64_t choose_context(const ModelConfig& config, int64_t requested);

}  // namespace loom::cli
