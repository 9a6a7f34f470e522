#include "tokenizer/pre_tokenizers/byte_level.h"

#include "tokenizer/unicode.h"

namespace loom::tok {

const std::array<char32_t, 256>& byte_to_char() {
    static const std::array<char32_t, 256> table = [] {
        std::array<char32_t, 256> t{};
        // Printable Latin-1 bytes stand for themselves; the others take code points from 256 upwards in
        // order.
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            t[b] = printable ? static_cast<char32_t>(b) : next++;
        }
        return t;
    }();
    return table;
}

const std::array<std::string, 256>& byte_to_char_utf8() {
    static const std::array<std::string, 256> table = [] {
        std::array<std::string, 256> t;
        for (int b = 0; b < 256; ++b) append_utf8(t[b], byte_to_char()[b]);
        return t;
    }();
    return table;
}

int char_to_byte(char32_t c) {
    static const std::array<int16_t, 512> inverse = [] {
        std::array<int16_t, 512> t;
        t.fill(-1);
        for (int b = 0; b < 256; ++b) t[byte_to_char()[b]] = static_cast<int16_t>(b);
        return t;
    }();
    return c < 512 ? inverse[c] : -1;
}

}  // namespace loom::tok
