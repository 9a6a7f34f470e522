// The model a command (or loom.Model in Python) works on when it names one, or the default model when not.
//
// Without a name: $LOOM_MODEL, else models/SmolLM2-135M-Instruct.Q4_1.gguf under the current directory, else
// under the source tree loom was built from (LOOM_SOURCE_DIR); else a loom::Error saying to fetch it.
#pragma once

#include <string>

namespace loom {

inline constexpr const char* kDefaultModelRelativePath = "models/SmolLM2-135M-Instruct.Q4_1.gguf";

// `name` ("" for the default model): anything store/model_resolver.h accepts (a path, a name `loom list`
// prints, hf:ORG/REPO[:FILE], ORG/REPO[:FILE]). A store name not pulled yet is pulled first when
// pull_if_missing (unless offline), else it is an error naming `loom pull`. Throws loom::Error when no model
// can be found.
std::string resolve_model_or_default(const std::string& name, bool pull_if_missing);

}  // namespace loom
