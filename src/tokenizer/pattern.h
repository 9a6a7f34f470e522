// Patterns ({"String": ...} or {"Regex": ...} in tokenizer.json) and the split behaviours shared by the
// Split/Punctuation/Digits/... pre-tokenizers and the Replace normalizer/decoder.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/normalized_string.h"
#include "tokenizer/regex.h"

namespace loom::tok {

using Ranges = std::vector<std::pair<size_t, size_t>>;  // [start, end) byte ranges, sorted, disjoint

class Pattern {
  public:
    explicit Pattern(const nlohmann::json& j);  // {"String": s} or {"Regex": r}
    void find_all(std::string_view text, Ranges& out) const;

  private:
    std::string literal_;
    std::unique_ptr<Regex> regex_;
};

// Every character c with pred(c), each as its own match.
template <typename Pred>
void find_char_matches(std::string_view text, Pred pred, Ranges& out);

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };
SplitBehavior parse_split_behavior(const nlohmann::json& j);

// Cuts `s` at `matches` (invert: the text between matches is what matched) and appends the pieces.
void split_by_matches(NormalizedString&& s, const Ranges& matches, bool invert, SplitBehavior behavior,
                      std::vector<NormalizedString>& out);

}  // namespace loom::tok

#include "tokenizer/unicode.h"

template <typename Pred>
void loom::tok::find_char_matches(std::string_view text, Pred pred, Ranges& out) {
    for (size_t i = 0; i < text.size();) {
        const size_t start = i;
        const char32_t c = next_code_point(text, i);
        if (pred(c)) out.emplace_back(start, i);
    }
}
