// The one loader behind `loom tokenize --tokenizer PATH`: a tokenizer from whatever PATH is, decided by what
// it holds, not by a flag:
//   - a tokenizer.json file (Hugging Face `tokenizers`),
//   - a SentencePiece .model file (encodes and decodes as sentencepiece does: no BOS/EOS, <unk> as " ⁇ "),
//   - GPT-2's encoder.json + vocab.bpe (HF's vocab.json + merges.txt alike): either file, or their folder,
//   - a GGUF file (its tokenizer.ggml.* metadata),
//   - a model folder (tokenizer.json, else a SentencePiece .model, with tokenizer_config.json's BOS/EOS;
//     config.json and weights are not needed).
// Anything else: one loom::Error naming the path and the accepted kinds.
#pragma once

#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"

namespace loom {

std::unique_ptr<Tokenizer> load_tokenizer_from_path(const std::string& path);

// The tokenizer of the model at `path` as `loom tokenize -m` and the Python package use it: a GGUF's
// tokenizer.ggml.* metadata, else the folder's tokenizer.json, else its SentencePiece .model.
std::unique_ptr<Tokenizer> load_tokenizer_of_model(const std::string& path);

}  // namespace loom
