// tokenizer.json (+ tokenizer_config.json) -> the GGUF tokenizer.ggml.* vocabulary, the reverse of
// tokenizer/gguf_vocab.h. Two kinds are converted:
//   - byte-level BPE (GPT-2, Qwen, SmolLM, LLaMA-3, BLOOM): tokenizer.ggml.model "gpt2", tokens by id,
//   merges,
//     token types; tokenizer.ggml.pre is found by trying loom's known pre-tokenizers and keeping the first
//     that tokenizes a probe text exactly as the tokenizer.json pipeline does;
//   - SentencePiece-style BPE with byte fallback (LLaMA-2, Mistral): model "llama", each piece scored by
//     the rank of the merge that makes it (SentencePiece merges by score), <0xNN> byte tokens.
// The result is checked the same way: a vocabulary that does not reproduce the tokenizer.json encoding of the
// probe text is refused with an error rather than written wrong.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "formats/gguf_writer.h"
#include "tokenizer/gguf_vocab.h"

namespace loom {

struct HfTokenizerFiles {
    nlohmann::json tokenizer;         // tokenizer.json
    nlohmann::json tokenizer_config;  // tokenizer_config.json (null when absent)
    nlohmann::json model_config;      // config.json (bos/eos ids when tokenizer_config has none)
};

// Throws loom::Error for a tokenizer kind not converted (WordPiece, Unigram) or one no known GGUF
// pre-tokenizer reproduces.
tok::GgufVocab gguf_vocab_from_hf(const HfTokenizerFiles& files);

// Writes tokenizer.ggml.* (and tokenizer.chat_template when tokenizer_config.json has one).
void write_gguf_vocab(GgufWriter& writer, const tok::GgufVocab& vocab, const std::string& chat_template);

// tokenizer_config.json's chat_template ("" when none; the "default" entry of a list of named templates).
std::string hf_chat_template(const nlohmann::json& tokenizer_config);

}  // namespace loom
