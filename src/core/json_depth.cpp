#include "core/json_depth.h"

#include "core/error.h"
#include "core/mapped_file.h"

namespace loom {

size_t json_nesting_depth(std::string_view text, size_t stop_at) {
    size_t depth = 0, deepest = 0;
    JsonStringTracker strings;
    for (const char c : text) {
        if (!strings.structural(c)) continue;
        if (c == '[' || c == '{') {
            if (++depth > deepest) deepest = depth;
            if (deepest > stop_at) return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

void check_json_depth(std::string_view text, const std::string& origin) {
    if (json_nesting_depth(text) > kMaxJsonDepth)
        throw Error(origin + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                    " levels, the limit (real files and requests nest a few); fix or replace it");
}

std::string read_json_text(const std::string& path) {
    std::string text = read_text_file(path);
    check_json_depth(text, path);
    return text;
}

}  // namespace loom
