// Information extraction: the conversation that asks an instruction-tuned decoder to fill a JSON Schema from a
// text (`loom extract`). The answer itself is held to the schema by grammar-constrained decoding
// (generate/grammar/); these messages only tell the model what to put where.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace loom {

// System instruction (with the schema, compact), then the text as the user's turn.
nlohmann::ordered_json extraction_messages(const std::string& text, const nlohmann::ordered_json& schema);

}  // namespace loom
