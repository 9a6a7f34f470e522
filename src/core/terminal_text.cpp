#include "core/terminal_text.h"

namespace loom {
namespace {

// Bytes in the UTF-8 sequence led by `lead` (0: not a lead byte).
size_t utf8_lead_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

// True when text[i, i + n) is one well-formed UTF-8 character (no overlong form, surrogate or value past
// U+10FFFF).
bool is_one_utf8_character(std::string_view text, size_t i, size_t n) {
    if (n == 0 || i + n > text.size()) return false;
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
    for (size_t k = 1; k < n; ++k)
        if ((byte(k) & 0xC0) != 0x80) return false;
    if (n == 3 && byte(0) == 0xE0 && byte(1) < 0xA0) return false;   // overlong
    if (n == 3 && byte(0) == 0xED && byte(1) >= 0xA0) return false;  // surrogate
    if (n == 4 && byte(0) == 0xF0 && byte(1) < 0x90) return false;   // overlong
    if (n == 4 && byte(0) == 0xF4 && byte(1) >= 0x90) return false;  // past U+10FFFF
    return true;
}

void append_hex_escape(std::string& out, const char* prefix, unsigned value, int digits) {
    static const char* const kHex = "0123456789abcdef";
    out += prefix;
    for (int d = digits - 1; d >= 0; --d) out += kHex[(value >> (4 * d)) & 15];
}

}  // namespace

std::string terminal_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const auto b = static_cast<unsigned char>(text[i]);
        const size_t n = utf8_lead_length(b);
        if (!is_one_utf8_character(text, i, n)) {
            append_hex_escape(out, "\\x", b, 2);
            ++i;
        } else if (n == 1 && (b < 0x20 || b == 0x7f)) {
            if (b == '\n')
                out += "\\n";
            else if (b == '\r')
                out += "\\r";
            else if (b == '\t')
                out += "\\t";
            else
                append_hex_escape(out, "\\x", b, 2);
            ++i;
        } else if (n == 2 && b == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {  // C1 control
            append_hex_escape(out, "\\u", static_cast<unsigned char>(text[i + 1]), 4);
            i += 2;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

}  // namespace loom
