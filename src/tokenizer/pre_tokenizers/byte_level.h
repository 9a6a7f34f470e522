// GPT-2's byte-level mapping: every byte is shown as a printable character, so a BPE vocabulary over
// characters covers all byte strings. Used by the ByteLevel pre-tokenizer, post-processor and decoder.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace loom::tok {

// The character (as UTF-8) standing for each byte.
const std::array<std::string, 256>& byte_to_char_utf8();
const std::array<char32_t, 256>& byte_to_char();
// -1 when c stands for no byte.
int char_to_byte(char32_t c);

// GPT-2's pre-tokenization regex.
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace loom::tok
