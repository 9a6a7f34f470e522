// UTF-8 and Unicode character helpers shared by every stage of the tokenizer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loom::tok {

// Decodes the code point at s[i] (s must be valid UTF-8, as every string inside the pipeline is);
// returns it and advances i past it.
inline char32_t next_code_point(std::string_view s, size_t& i) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    if (b0 < 0xE0) {
        char32_t c = ((b0 & 0x1Fu) << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu);
        i += 2;
        return c;
    }
    if (b0 < 0xF0) {
        char32_t c = ((b0 & 0x0Fu) << 12) | ((static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 6) |
                     (static_cast<uint8_t>(s[i + 2]) & 0x3Fu);
        i += 3;
        return c;
    }
    char32_t c = ((b0 & 0x07u) << 18) | ((static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 12) |
                 ((static_cast<uint8_t>(s[i + 2]) & 0x3Fu) << 6) | (static_cast<uint8_t>(s[i + 3]) & 0x3Fu);
    i += 4;
    return c;
}

// Byte length of the UTF-8 sequence that starts with lead byte b (valid input assumed).
inline size_t utf8_length(uint8_t b) {
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}
inline size_t utf8_length(char32_t c) {
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

void append_utf8(std::string& out, char32_t c);
std::u32string to_u32(std::string_view s);
size_t count_chars(std::string_view s);

// Length of the longest valid UTF-8 sequence at s[i] (0 when the byte there starts no valid sequence).
size_t valid_sequence_length(std::string_view s, size_t i);
bool is_valid_utf8(std::string_view s);
// Bytes to text, each invalid byte (sequence start) becoming U+FFFD.
std::string lossy_utf8(std::string_view bytes);
// The byte a SentencePiece byte-fallback piece "<0xXX>" stands for; nullopt for any other piece.
std::optional<uint8_t> byte_fallback_byte(std::string_view piece);

// Replaces every byte that starts no valid UTF-8 sequence by U+FFFD. original_of[k] is the original byte
// offset of output byte k (size = output size + 1, the last entry = s.size()).
std::string sanitize_utf8(std::string_view s, std::vector<uint32_t>& original_of);

// Character classes with the meaning HF `tokenizers` gives them (Rust char methods + Unicode categories).
bool is_whitespace(char32_t c);        // Unicode White_Space
bool is_control(char32_t c);           // category Cc/Cf/Cn/Co (BERT's definition, minus \t \n \r)
bool is_punctuation(char32_t c);       // category P*
bool is_bert_punctuation(char32_t c);  // ASCII symbols or P*
bool is_numeric(char32_t c);           // category Nd/Nl/No
bool is_alphanumeric(char32_t c);      // L* or N*
bool is_combining_mark(char32_t c);    // category M*
bool is_nonspacing_mark(char32_t c);   // category Mn (what BertNormalizer strip_accents removes)
bool is_chinese_char(char32_t c);      // the CJK blocks BERT pads with spaces

}  // namespace loom::tok
