// GPT-2 as OpenAI published it: encoder.json (token -> id, byte-level spelling) and vocab.bpe (a "#version"
// line, then one merge "left right" per line, best first). Loaded as transformers' GPT2TokenizerFast builds
// it from these two files (the pipeline of HF's gpt2 tokenizer.json): byte-level BPE, the ByteLevel
// pre-tokenizer with GPT-2's regex and no prefix space, the ByteLevel post-processor (no special tokens
// added) and decoder, and "<|endoftext|>" (when encoder.json has it) as a special added token.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tokenizer/tokenizer.h"

namespace loom::tok {

// The tokenizer.json equivalent. Throws loom::Error when encoder.json is not an object of token -> id or a
// merge line is not two tokens.
nlohmann::json gpt2_files_to_tokenizer_json(std::string_view encoder_json, std::string_view vocab_bpe);

// Reads the two files; errors name the file at fault.
std::unique_ptr<Tokenizer> load_gpt2_files(const std::string& encoder_json_path,
                                           const std::string& vocab_bpe_path);

}  // namespace loom::tok
