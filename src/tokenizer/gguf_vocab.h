// A tokenizer described by GGUF metadata (tokenizer.ggml.*), turned into a loom Tokenizer.
//
// GGUF keeps a vocabulary, not a pipeline. We rebuild the Hugging Face tokenizer.json that the original model
// shipped (the normalizer, pre-tokenizer, model, post-processor and decoder it had), as an nlohmann::json
// held in memory, and load it with Tokenizer::from_json: one pipeline for every source, as HF does when it
// converts a slow tokenizer. The struct is neutral (no GGUF reader here): formats/gguf_tokenizer.h fills it
// from a GgufFile, so the tokenizer library depends on core only.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace loom::tok {

// tokenizer.ggml.token_type values.
enum class GgufTokenType : int32_t {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

struct GgufVocab {
    std::string model;  // tokenizer.ggml.model: "gpt2" | "llama" | "bert" | "t5"
    std::string pre;    // tokenizer.ggml.pre: which pre-tokenizer ("" or "default": the model's default)
    std::string architecture;  // general.architecture (a few vocabularies differ by architecture, e.g. phi3)

    std::vector<std::string> tokens;   // id -> token text, as GGUF spells it
    std::vector<float> scores;         // per token; empty when absent
    std::vector<int32_t> token_types;  // per token, GgufTokenType values; empty when absent (all Normal)
    std::vector<std::string> merges;   // "left right", best first (gpt2 only)

    std::optional<int32_t> bos_id, eos_id, unk_id, sep_id, pad_id, mask_id, cls_id, eot_id, eom_id;
    std::optional<bool> add_bos, add_eos, add_space_prefix, remove_extra_whitespaces;
    std::string precompiled_charsmap;  // raw bytes of tokenizer.ggml.precompiled_charsmap ("" when absent)
};

// The tokenizer.json equivalent of `vocab`. Throws loom::Error for an unknown model type, mismatched array
// lengths, or ids out of range.
nlohmann::json gguf_vocab_to_tokenizer_json(const GgufVocab& vocab);

std::unique_ptr<Tokenizer> tokenizer_from_gguf_vocab(const GgufVocab& vocab);

// The type of token `id` (Normal when the vocabulary has no types).
GgufTokenType gguf_token_type(const GgufVocab& vocab, size_t id);

}  // namespace loom::tok
