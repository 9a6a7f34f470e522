// The SentencePiece "Precompiled" normalizer: a charsmap (double-array trie + replacement strings) stored
// base64-encoded in tokenizer.json as "precompiled_charsmap".
#pragma once

#include <memory>

#include "tokenizer/components.h"

namespace loom::tok {

std::unique_ptr<Normalizer> make_precompiled_normalizer(const json& j);

}  // namespace loom::tok
