#include "tokenizer/normalizers/unicode_forms.h"

#include <utf8proc.h>

#include <cstdlib>

#include "tokenizer/unicode.h"

namespace loom::tok {

namespace {

// A character that never joins the one before it in any normalization form: a starter that is not a
// Hangul vowel/trailing jamo (those compose with the preceding syllable).
bool starts_segment(char32_t c) {
    if (c < 0x300) return true;
    if ((c >= 0x1161 && c <= 0x1175) || (c >= 0x11A8 && c <= 0x11C2)) return false;
    return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class == 0;
}

utf8proc_option_t options_for(UnicodeForm form) {
    int opts = UTF8PROC_STABLE;
    switch (form) {
        case UnicodeForm::NFC:
            opts |= UTF8PROC_COMPOSE;
            break;
        case UnicodeForm::NFD:
            opts |= UTF8PROC_DECOMPOSE;
            break;
        case UnicodeForm::NFKC:
            opts |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
            break;
        case UnicodeForm::NFKD:
            opts |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
            break;
    }
    return static_cast<utf8proc_option_t>(opts);
}

}  // namespace

void normalize_unicode(NormalizedString& s, UnicodeForm form) {
    const std::string& text = s.get();
    bool ascii = true;
    for (unsigned char c : text) ascii &= c < 0x80;
    if (ascii) return;  // ASCII is invariant under all four forms

    const utf8proc_option_t opts = options_for(form);
    std::vector<CharChange> dest;
    dest.reserve(text.size());
    bool changed = false;
    size_t i = 0;
    while (i < text.size()) {
        // One segment: a starter and the characters that may combine with it.
        const size_t seg_start = i;
        size_t in_chars = 1;
        next_code_point(text, i);
        while (i < text.size()) {
            size_t k = i;
            if (starts_segment(next_code_point(text, k))) break;
            i = k;
            ++in_chars;
        }
        const std::string_view seg(text.data() + seg_start, i - seg_start);
        if (seg.size() == 1) {
            dest.push_back({static_cast<char32_t>(static_cast<unsigned char>(seg[0])), 0});
            continue;
        }
        utf8proc_uint8_t* mapped = nullptr;
        const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(seg.data()),
                                    static_cast<utf8proc_ssize_t>(seg.size()), &mapped, opts);
        std::u32string out =
            n >= 0 ? to_u32(std::string_view(reinterpret_cast<char*>(mapped), size_t(n))) : to_u32(seg);
        std::free(mapped);
        changed |= n < 0 ||
                   std::string_view(reinterpret_cast<const char*>(seg.data()), seg.size()).size() !=
                       static_cast<size_t>(n) ||
                   out != to_u32(seg);
        // Characters map one to one in order; extra output characters are insertions, missing ones are
        // removals charged to the last output character.
        for (size_t k = 0; k < out.size(); ++k) {
            int32_t change = 0;
            if (k >= in_chars)
                change = 1;
            else if (k + 1 == out.size() && out.size() < in_chars)
                change = -static_cast<int32_t>(in_chars - out.size());
            dest.push_back({out[k], change});
        }
    }
    if (changed) s.transform(dest, 0);
}

}  // namespace loom::tok
