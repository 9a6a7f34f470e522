// JSON documents from files and requests are parsed into nlohmann::json, whose dump, copy and comparison
// recurse once per nesting level, as do the tokenizer factories that walk it: a hostile file nested 100k
// levels deep would overflow the stack. Every JSON text is scanned first (one pass, no recursion) and refused
// past a fixed depth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loom {

// Follows JSON text one character at a time: whether a character is structural (outside every string
// literal, escapes included) or part of a string. The bracket scanners (this file's depth check, the tool-call
// reader) share it.
struct JsonStringTracker {
    bool in_string = false, escaped = false;
    // True when `c` is outside any string and is not the quote that opens one.
    bool structural(char c) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            return false;
        }
        if (c == '"') in_string = true;
        return !in_string;
    }
};

// Real files nest a few levels (tokenizer.json about 6); this leaves room for any honest one.
inline constexpr size_t kMaxJsonDepth = 256;

// Deepest nesting of arrays and objects in `text` (brackets inside strings do not count); stops counting at
// `stop_at` + 1. Malformed text is left to the parser to report.
size_t json_nesting_depth(std::string_view text, size_t stop_at = kMaxJsonDepth);

// Throws loom::Error "<origin>: JSON nested deeper than 256 levels ..." when `text` nests deeper than
// kMaxJsonDepth.
void check_json_depth(std::string_view text, const std::string& origin);

// read_text_file(path), refused (naming the file) when nested deeper than kMaxJsonDepth.
std::string read_json_text(const std::string& path);

}  // namespace loom
