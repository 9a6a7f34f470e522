// The SentencePiece "Precompiled" normalizer: a charsmap stored base64-encoded in tokenizer.json as
// "precompiled_charsmap". Layout of the decoded blob:
//   uint32 LE trie_bytes | double-array trie (trie_bytes / 4 uint32 units, darts-clone layout) |
//   replacement strings, each NUL-terminated; a trie value is the byte offset of its replacement.
// Every lookup is bounds-checked: a corrupt blob gives no replacement, never a read past the buffer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/components.h"

namespace loom::tok {

class CharsMap {
  public:
    explicit CharsMap(std::string blob);  // throws loom::Error if the header does not fit the blob
    // The replacement for the shortest key that prefixes `chunk`, if any.
    std::optional<std::string_view> lookup(std::string_view chunk) const;

  private:
    std::vector<uint32_t> units_;
    std::string strings_;
};

std::string base64_decode(std::string_view text);  // throws loom::Error on a character outside the alphabet

std::unique_ptr<Normalizer> make_precompiled_normalizer(const json& j);

}  // namespace loom::tok
