#include "tokenizer/normalizers/precompiled.h"

#include <utf8proc.h>

#include <cstring>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace loom::tok {

std::string base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (char ch : text) {
        int v;
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            v = ch - '0' + 52;
        else if (ch == '+' || ch == '-')
            v = 62;
        else if (ch == '/' || ch == '_')
            v = 63;
        else if (ch == '=' || ch == '\n' || ch == '\r')
            continue;
        else
            throw Error("tokenizer: precompiled_charsmap is not valid base64");
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

CharsMap::CharsMap(std::string blob) {
    if (blob.size() < 4) throw Error("tokenizer: precompiled_charsmap is shorter than its header");
    uint32_t trie_bytes;
    std::memcpy(&trie_bytes, blob.data(), 4);  // little-endian hosts only (x86-64, arm64)
    if (trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4)
        throw Error("tokenizer: precompiled_charsmap trie size " + std::to_string(trie_bytes) +
                    " does not fit the blob of " + std::to_string(blob.size()) + " bytes");
    units_.resize(trie_bytes / 4);
    std::memcpy(units_.data(), blob.data() + 4, trie_bytes);
    strings_ = blob.substr(4 + trie_bytes);
}

std::optional<std::string_view> CharsMap::lookup(std::string_view chunk) const {
    // darts-clone unit fields.
    const auto has_leaf = [](uint32_t u) { return ((u >> 8) & 1) == 1; };
    const auto value = [](uint32_t u) { return u & 0x7FFFFFFFu; };
    const auto label = [](uint32_t u) { return u & ((1u << 31) | 0xFFu); };
    const auto offset = [](uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); };
    if (units_.empty()) return std::nullopt;
    size_t pos = offset(units_[0]);
    for (unsigned char c : chunk) {
        pos ^= c;
        if (pos >= units_.size()) return std::nullopt;
        const uint32_t unit = units_[pos];
        if (label(unit) != c) return std::nullopt;
        pos ^= offset(unit);
        if (pos >= units_.size()) return std::nullopt;
        if (has_leaf(unit)) {
            const size_t start = value(units_[pos]);
            if (start >= strings_.size()) return std::nullopt;
            const size_t end = strings_.find('\0', start);
            return std::string_view(strings_).substr(
                start, (end == std::string::npos ? strings_.size() : end) - start);
        }
    }
    return std::nullopt;
}

namespace {

// Appends `replacement` for `old_chars` input characters: one-to-one first, then the extra output characters
// are insertions, or the missing ones are charged to the last output character.
void push_replacement(std::vector<CharChange>& dest, size_t old_chars, std::string_view replacement) {
    const std::u32string chars = to_u32(replacement);
    for (char32_t c : chars) dest.push_back({c, 0});
    const auto diff = static_cast<int64_t>(chars.size()) - static_cast<int64_t>(old_chars);
    if (diff > 0) {
        for (int64_t k = 0; k < diff; ++k) dest[dest.size() - 1 - static_cast<size_t>(k)].change = 1;
    } else if (diff < 0 && !dest.empty()) {
        dest.back().change += static_cast<int32_t>(diff);
    }
}

class Precompiled : public Normalizer {
  public:
    explicit Precompiled(std::string blob) : map_(std::move(blob)) {}
    void normalize(NormalizedString& s) const override {
        const std::string& t = s.get();
        std::vector<CharChange> dest;
        dest.reserve(t.size());
        bool modified = false;
        // Whole grapheme clusters (short ones) are looked up first, then their characters one by one.
        for (size_t g = 0; g < t.size();) {
            const size_t g_end = grapheme_end(t, g);
            const std::string_view grapheme(t.data() + g, g_end - g);
            g = g_end;
            if (grapheme.size() < 6) {
                if (const auto rep = map_.lookup(grapheme)) {
                    push_replacement(dest, count_chars(grapheme), *rep);
                    modified = true;
                    continue;
                }
            }
            for (size_t i = 0; i < grapheme.size();) {
                const size_t start = i;
                const char32_t c = next_code_point(grapheme, i);
                if (const auto rep = map_.lookup(grapheme.substr(start, i - start))) {
                    push_replacement(dest, 1, *rep);
                    modified = true;
                } else {
                    dest.push_back({c, 0});
                }
            }
        }
        if (modified) s.transform(dest, 0);
    }

  private:
    static size_t grapheme_end(std::string_view t, size_t pos) {
        utf8proc_int32_t state = 0;
        size_t i = pos;
        char32_t prev = next_code_point(t, i);
        while (i < t.size()) {
            size_t k = i;
            const char32_t c = next_code_point(t, k);
            if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                                 static_cast<utf8proc_int32_t>(c), &state))
                break;
            prev = c;
            i = k;
        }
        return i;
    }
    CharsMap map_;
};

class Identity : public Normalizer {
  public:
    void normalize(NormalizedString&) const override {}
};

}  // namespace

std::unique_ptr<Normalizer> make_precompiled_normalizer(const json& j) {
    const auto it = j.find("precompiled_charsmap");
    if (it == j.end() || it->is_null()) return std::make_unique<Identity>();
    const std::string blob = base64_decode(it->get<std::string>());
    if (blob.empty()) return std::make_unique<Identity>();
    return std::make_unique<Precompiled>(blob);
}

}  // namespace loom::tok
