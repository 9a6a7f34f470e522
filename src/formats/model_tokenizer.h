// The tokenizer of a model, whatever its source (GGUF metadata, HF tokenizer.json, SentencePiece .model),
// plus what generation needs to know about it: BOS/EOS, whether encoding adds BOS, the end-of-generation
// tokens and the chat template.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "tokenizer/tokenizer.h"

namespace loom {

struct TokenizerInfo {
    std::optional<int32_t> bos_id, eos_id, pad_id, unk_id;
    std::string bos_token, eos_token;  // their text ("" when absent), for chat templates
    // Whether encode(text, /*add_special_tokens=*/true) puts BOS first / EOS last (what the model was trained
    // with).
    bool add_bos = false, add_eos = false;
    // Tokens that end generation: EOS, plus the model's end-of-turn tokens (<|im_end|>, <|eot_id|>,
    // <end_of_turn>, <|endoftext|>, ...) where the vocabulary has them as special tokens. Sorted, unique.
    std::vector<int32_t> eog_ids;
    std::string
        chat_template;  // GGUF tokenizer.chat_template or tokenizer_config.json chat_template; "" if none
};

struct ModelTokenizer {
    std::unique_ptr<Tokenizer> tokenizer;
    TokenizerInfo info;
};

// Throws loom::Error naming the file when the source has no usable tokenizer.
ModelTokenizer load_model_tokenizer_with_info(const ModelSource& source);
std::unique_ptr<Tokenizer> load_model_tokenizer(const ModelSource& source);

}  // namespace loom
