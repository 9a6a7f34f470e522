// A piece of text as it moves through the pipeline: the (normalized) UTF-8 bytes plus, for every byte, the
// range of ORIGINAL bytes it came from. Every edit goes through transform_range(), which keeps that map, so
// a token found in normalized text maps back to the characters the user typed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loom::tok {

// A Replace stage's content: real ones are a few bytes; a 1 MB one would turn every match into a megabyte.
inline constexpr size_t kMaxReplaceContentBytes = 1024;
// Replace may grow the normalized text to at most this many times its size (plus kMaxReplaceContentBytes).
inline constexpr size_t kMaxReplaceGrowth = 16;

struct Span {  // [start, end) byte range of the original text
    uint32_t start = 0, end = 0;
};

// One output character of a transformation and how it relates to the input characters:
//   change == 0: it replaces the next input character;
//   change  > 0: it is inserted (takes the alignment of the byte before it);
//   change  < 0: it replaces the next input character, and the -change input characters after it are removed.
struct CharChange {
    char32_t c;
    int32_t change;
};

class NormalizedString {
  public:
    NormalizedString() = default;
    // `text` starts at byte `original_start` of the original; each byte maps to its whole character.
    NormalizedString(std::string text, uint32_t original_start);
    // Text whose bytes already carry their original spans (e.g. after replacing invalid UTF-8).
    NormalizedString(std::string text, std::vector<Span> alignments)
        : text_(std::move(text)), align_(std::move(alignments)) {}

    const std::string& get() const { return text_; }
    const std::vector<Span>& alignments() const { return align_; }
    bool empty() const { return text_.empty(); }

    // The original span of normalized bytes [start, end); an empty range maps to an empty span.
    Span original_span(size_t start, size_t end) const;
    Span original_span() const { return original_span(0, text_.size()); }

    // Replaces normalized bytes [start, end) (char-aligned) by `dest`; the first `initial_removed` input
    // characters of the range are dropped before `dest` starts consuming.
    void transform_range(size_t start, size_t end, const std::vector<CharChange>& dest,
                         size_t initial_removed);
    void transform(const std::vector<CharChange>& dest, size_t initial_removed) {
        transform_range(0, text_.size(), dest, initial_removed);
    }

    NormalizedString slice(size_t start, size_t end) const;

    // Common edits, in terms of transform_range.
    void map_chars(const std::function<char32_t(char32_t)>& f);
    void filter(const std::function<bool(char32_t)>& keep);
    void prepend(std::string_view s);
    void append(std::string_view s);
    void lstrip_rstrip(bool left, bool right);  // Unicode whitespace
    // Replaces every [start, end) range (sorted, disjoint, char-aligned) by `content`.
    void replace_ranges(const std::vector<std::pair<size_t, size_t>>& ranges, std::string_view content);

  private:
    std::string text_;
    std::vector<Span> align_;  // (text_.size()): original span of each normalized byte
};

}  // namespace loom::tok
