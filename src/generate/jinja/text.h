// UTF-8 text helpers with Python str semantics (code points, Unicode whitespace, case mapping).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loom::jinja::text {

// Decodes UTF-8 into code points; invalid bytes become U+FFFD (never reads past the end).
std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);
size_t length(std::string_view s);  // number of code points

// Python str.isspace(): ASCII whitespace, \x1c-\x1f, \x85, and the Unicode Zs/Zl/Zp separators.
bool is_space(char32_t c);
// Byte length of the whitespace character starting at s[pos], or 0.
size_t space_at(std::string_view s, size_t pos);
// Python str.rstrip() (no argument): strips trailing Unicode whitespace.
std::string_view rstrip_space(std::string_view s);

// Python str.strip/lstrip/rstrip; `chars` null means whitespace.
std::string strip(std::string_view s, const std::string* chars, bool left, bool right);

std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string capitalize(std::string_view s);    // Python str.capitalize
std::string python_title(std::string_view s);  // Python str.title
std::string jinja_title(std::string_view s);   // jinja2's |title filter

// Python str.split(sep=None / sep, maxsplit).
std::vector<std::string> split(std::string_view s, const std::string* sep, int64_t maxsplit);
std::string replace(std::string_view s, std::string_view old_text, std::string_view new_text, int64_t count);

}  // namespace loom::jinja::text
