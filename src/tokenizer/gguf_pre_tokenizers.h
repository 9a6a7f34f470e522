// tokenizer.ggml.pre -> the normalizer and pre-tokenizer of the original model's tokenizer.json, for
// byte-level BPE vocabularies (tokenizer.ggml.model == "gpt2").
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace loom::tok {

struct ByteLevelPipeline {
    nlohmann::json normalizer;     // null when the model has none
    nlohmann::json pre_tokenizer;  // always ends in a ByteLevel stage
    bool ignore_merges = false;    // BPE "ignore_merges" (LLaMA-3 family)
};

// Throws loom::Error naming the value for a pre-tokenizer name we do not know (better than tokenizing
// wrongly).
ByteLevelPipeline byte_level_pipeline_for(std::string_view pre);

}  // namespace loom::tok
