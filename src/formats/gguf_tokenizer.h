// Reads the tokenizer.ggml.* metadata of a GGUF file into the neutral GgufVocab (tokenizer/gguf_vocab.h),
// which builds the Tokenizer. Kept in formats/ so that the tokenizer library does not depend on the GGUF
// reader.
#pragma once

#include <memory>

#include "formats/gguf.h"
#include "tokenizer/gguf_vocab.h"

namespace loom {

// Throws loom::Error naming the file and key when the metadata is missing or of the wrong type.
tok::GgufVocab read_gguf_vocab(const GgufFile& file);

std::unique_ptr<Tokenizer> tokenizer_from_gguf(const GgufFile& file);

}  // namespace loom
