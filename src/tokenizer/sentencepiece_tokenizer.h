// A SentencePiece .model -> the equivalent tokenizer.json -> a loom Tokenizer that encodes as
// SentencePieceProcessor::Encode does (no BOS/EOS: spm_encode adds none; the model's config decides that).
//
//   normalizer:    Precompiled(charsmap) -> strip spaces at both ends and collapse runs of spaces (only ' ',
//   as
//                  SentencePiece does) -> " " to "▁" -> Prepend "▁" (the dummy prefix; nothing for empty
//                  text)
//   pre-tokenizer: user-defined pieces isolated (SentencePiece emits them whole), else none
//   model:         Unigram (piece, score) | BPE with merges ranked by the score of the merged piece
//   decoder:       "▁" -> " ", byte fallback, fuse, strip the dummy prefix (SpDecodeStyle::HuggingFace, what
//                  HF's Llama conversion has), or LoomSentencePiece (SpDecodeStyle::SentencePiece: as
//                  SentencePieceProcessor::Decode, <unk> rendered " ⁇ " even when skipping special tokens)
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer/sentencepiece_model.h"
#include "tokenizer/tokenizer.h"

namespace loom::tok {

// How ids decode: as a Hugging Face tokenizer converted from the model does, or as sentencepiece itself does.
enum class SpDecodeStyle { HuggingFace, SentencePiece };

// Throws loom::Error for model types other than unigram and BPE, or for treat_whitespace_as_suffix.
nlohmann::json sentencepiece_to_tokenizer_json(const SpModel& model,
                                               SpDecodeStyle style = SpDecodeStyle::HuggingFace);

// A bare .model: encodes and decodes as sentencepiece does (SpDecodeStyle::SentencePiece).
std::unique_ptr<Tokenizer> tokenizer_from_sentencepiece(const SpModel& model);
std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::string& path);

}  // namespace loom::tok
