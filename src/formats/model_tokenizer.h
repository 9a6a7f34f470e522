// The tokenizer of a model, whatever its source (GGUF metadata, HF tokenizer.json, SentencePiece .model),
// plus what generation needs to know about it: BOS/EOS, whether encoding adds BOS, the end-of-generation
// tokens and the chat template.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/model_source.h"
#include "tokenizer/tokenizer.h"

namespace loom {

struct TokenizerInfo {
    std::optional<int32_t> bos_id, eos_id, pad_id, unk_id;
    std::string bos_token, eos_token;  // their text ("" when absent), for chat templates
    // Whether the model expects BOS first / EOS last (tokenizer_config.json add_bos_token / add_eos_token,
    // GGUF tokenizer.ggml.add_bos_token / add_eos_token; else what the tokenizer's post-processor does) ...
    bool add_bos = false, add_eos = false;
    // ... and whether encode(text, /*add_special_tokens=*/true) already adds them. They differ where
    // transformers adds BOS from the config flag although tokenizer.json's post-processor does not (e.g.
    // DeepSeek-V3).
    bool encode_adds_bos = false, encode_adds_eos = false;
    // Tokens that end generation: EOS, plus the model's end-of-turn tokens (<|im_end|>, <|eot_id|>,
    // <end_of_turn>, <|endoftext|>, ...) where the vocabulary has them as special tokens. Sorted, unique.
    std::vector<int32_t> eog_ids;
    // GGUF tokenizer.chat_template or tokenizer_config.json chat_template; "" if none.
    std::string chat_template;
};

struct ModelTokenizer {
    std::unique_ptr<Tokenizer> tokenizer;
    TokenizerInfo info;
};

// Throws loom::Error naming the file when the source has no usable tokenizer.
ModelTokenizer load_model_tokenizer_with_info(const ModelSource& source);
std::unique_ptr<Tokenizer> load_model_tokenizer(const ModelSource& source);

// The ids to feed the model for `text`: encode with special tokens, plus BOS / EOS where the model expects
// them and the tokenizer did not add them.
std::vector<int32_t> encode_for_model(const ModelTokenizer& model_tokenizer, std::string_view text);

}  // namespace loom
