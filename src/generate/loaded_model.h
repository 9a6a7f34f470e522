// A decoder model ready to generate: the model, its tokenizer, the ids that end a generation and the chat
// template, as `loom run` / `chat` / `serve` and the Python package (python/) load it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "models/decoder_model.h"
#include "tokenizer/tokenizer.h"

namespace loom {

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

}  // namespace loom
