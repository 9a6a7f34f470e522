#include "generate/jinja/text.h"

#include <utf8proc.h>

#include "core/error.h"

namespace loom::jinja::text {

std::u32string decode(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        utf8proc_int32_t cp = 0;
        const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                        static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
        if (n <= 0) {
            out.push_back(0xFFFD);
            ++i;
        } else {
            out.push_back(static_cast<char32_t>(cp));
            i += static_cast<size_t>(n);
        }
    }
    return out;
}

void append_utf8(std::string& out, char32_t c) {
    utf8proc_uint8_t buf[4];
    const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
    if (n <= 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        return;
    }
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

std::string encode(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : s) append_utf8(out, c);
    return out;
}

size_t length(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

bool is_space(char32_t c) {
    if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0)
        return true;
    return c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

size_t space_at(std::string_view s, size_t pos) {
    if (pos >= s.size()) return 0;
    const unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c < 0x80) return is_space(c) ? 1 : 0;
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + pos),
                                    static_cast<utf8proc_ssize_t>(s.size() - pos), &cp);
    if (n <= 0) return 0;
    return is_space(static_cast<char32_t>(cp)) ? static_cast<size_t>(n) : 0;
}

std::string_view rstrip_space(std::string_view s) {
    size_t end = s.size();
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && end - start < 4) --start;
        if (space_at(s, start) != end - start) break;
        end = start;
    }
    return s.substr(0, end);
}

std::string strip(std::string_view s, const std::string* chars, bool left, bool right) {
    const std::u32string cps = decode(s);
    const std::u32string set = chars ? decode(*chars) : std::u32string();
    auto strippable = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : is_space(c); };
    size_t b = 0, e = cps.size();
    if (left)
        while (b < e && strippable(cps[b])) ++b;
    if (right)
        while (e > b && strippable(cps[e - 1])) --e;
    return encode(std::u32string_view(cps).substr(b, e - b));
}

namespace {

template <typename F>
std::string map_code_points(std::string_view s, F f) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : decode(s)) append_utf8(out, f(c));
    return out;
}

char32_t to_upper(char32_t c) {
    return static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(c)));
}
char32_t to_lower(char32_t c) {
    return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
}
bool is_cased(char32_t c) {
    return to_upper(c) != c || to_lower(c) != c;
}

}  // namespace

std::string upper(std::string_view s) {
    return map_code_points(s, to_upper);
}
std::string lower(std::string_view s) {
    return map_code_points(s, to_lower);
}

std::string capitalize(std::string_view s) {
    std::u32string cps = decode(s);
    for (size_t i = 0; i < cps.size(); ++i) cps[i] = i == 0 ? to_upper(cps[i]) : to_lower(cps[i]);
    return encode(cps);
}

std::string python_title(std::string_view s) {
    std::u32string cps = decode(s);
    bool previous_cased = false;
    for (auto& c : cps) {
        const bool cased = is_cased(c);
        c = previous_cased ? to_lower(c) : to_upper(c);
        previous_cased = cased;
    }
    return encode(cps);
}

std::string jinja_title(std::string_view s) {
    // Words start after whitespace or one of - ( { [ <; the first letter is upper-cased, the rest lowered.
    std::u32string cps = decode(s);
    bool word_start = true;
    for (auto& c : cps) {
        const bool separator = is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
        if (separator) {
            word_start = true;
            continue;
        }
        c = word_start ? to_upper(c) : to_lower(c);
        word_start = false;
    }
    return encode(cps);
}

std::vector<std::string> split(std::string_view s, const std::string* sep, int64_t maxsplit) {
    std::vector<std::string> out;
    if (sep) {
        if (sep->empty()) throw Error("empty separator");
        size_t start = 0;
        while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
            const size_t at = s.find(*sep, start);
            if (at == std::string_view::npos) break;
            out.emplace_back(s.substr(start, at - start));
            start = at + sep->size();
        }
        out.emplace_back(s.substr(start));
        return out;
    }
    // Runs of whitespace separate; leading/trailing whitespace yields no empty strings.
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && space_at(s, i)) i += space_at(s, i);
        if (i >= s.size()) break;
        if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
            out.emplace_back(s.substr(i));  // Python keeps the remainder as is
            break;
        }
        size_t j = i;
        while (j < s.size() && !space_at(s, j)) ++j;
        out.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::string replace(std::string_view s, std::string_view old_text, std::string_view new_text, int64_t count) {
    std::string out;
    if (old_text.empty()) {
        // Python inserts new_text between every code point and at both ends.
        const std::u32string cps = decode(s);
        int64_t done = 0;
        for (size_t i = 0; i <= cps.size(); ++i) {
            if (count < 0 || done < count) {
                out += new_text;
                ++done;
            }
            if (i < cps.size()) append_utf8(out, cps[i]);
        }
        return out;
    }
    size_t start = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
        const size_t at = s.find(old_text, start);
        if (at == std::string_view::npos) break;
        out += s.substr(start, at - start);
        out += new_text;
        start = at + old_text.size();
        ++done;
    }
    out += s.substr(start);
    return out;
}

}  // namespace loom::jinja::text
