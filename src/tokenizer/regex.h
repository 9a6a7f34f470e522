// PCRE2 regex (UTF + UCP, JIT-compiled) used by Split pre-tokenizers and Replace stages. HF `tokenizers`
// uses Oniguruma; the patterns found in real tokenizer.json files mean the same in PCRE2.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loom::tok {

class Regex {
  public:
    explicit Regex(const std::string& pattern);  // throws loom::Error with PCRE2's message and position
    ~Regex();
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    // Appends every non-empty, non-overlapping match [start, end) of `text` (valid UTF-8), left to right.
    void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;
    const std::string& pattern() const { return pattern_; }

  private:
    std::string pattern_;
    void* code_ = nullptr;  // pcre2_code_8*
    bool jit_ = false;
};

// A regex that matches `literal` exactly.
std::string escape_regex(std::string_view literal);

}  // namespace loom::tok
