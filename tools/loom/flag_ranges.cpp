#include "flag_ranges.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace loom::cli {
namespace {

std::string readable_real(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

bool parse_whole(const std::string& text, int64_t& value) {
    if (text.empty()) return false;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno == ERANGE || end != text.c_str() + text.size()) return false;
    value = v;
    return true;
}

std::string whole_range_text(int64_t min, int64_t max) {
    if (max == kNoUpperBound) return "a whole number >= " + std::to_string(min);
    return "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
}

std::string real_range_text(double min, double max, bool min_exclusive) {
    const std::string low = (min_exclusive ? "> " : ">= ") + readable_real(min);
    if (std::isinf(max)) return "a number " + low;
    if (!min_exclusive) return "a number from " + readable_real(min) + " to " + readable_real(max);
    return "a number " + low + " and <= " + readable_real(max);
}

std::string out_of_range(const std::string& text, const std::string& allowed) {
    return "'" + text + "' is out of range: give " + allowed;
}

}  // namespace

CLI::Validator whole_number(int64_t min, int64_t max) {
    const std::string allowed = whole_range_text(min, max);
    return CLI::Validator(
        [min, max, allowed](std::string& text) -> std::string {
            int64_t v = 0;
            if (!parse_whole(text, v)) return "'" + text + "' is not " + allowed;
            if (v < min || v > max) return out_of_range(text, allowed);
            return {};
        },
        "", "whole_number");
}

CLI::Validator real_number(double min, double max, bool min_exclusive) {
    const std::string allowed = real_range_text(min, max, min_exclusive);
    return CLI::Validator(
        [min, max, min_exclusive, allowed](std::string& text) -> std::string {
            char* end = nullptr;
            errno = 0;
            const double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
                return "'" + text + "' is not " + allowed;
            if (v < min || (min_exclusive && v == min) || v > max) return out_of_range(text, allowed);
            return {};
        },
        "", "real_number");
}

CLI::Validator tokens_to_generate() {
    const std::string allowed = "-1 (until the context window is full) or a whole number from 1 to 2147483647";
    return CLI::Validator(
        [allowed](std::string& text) -> std::string {
            int64_t v = 0;
            if (!parse_whole(text, v)) return "'" + text + "' is not " + allowed;
            if (v == 0 || v < -1 || v > 2147483647) return out_of_range(text, allowed);
            return {};
        },
        "", "tokens_to_generate");
}

int64_t parse_byte_size(const std::string& text) {
    if (text.empty()) return -1;
    errno = 0;
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (errno == ERANGE || end == text.c_str() || !std::isfinite(number) || number < 0) return -1;
    std::string suffix(end);
    for (const char* unit : {"iB", "B"})  // "2G", "2GB" and "2GiB" all mean 2 x 2^30
        if (suffix.size() > 1 && suffix.size() >= std::char_traits<char>::length(unit) &&
            suffix.compare(suffix.size() - std::char_traits<char>::length(unit), std::string::npos, unit) == 0) {
            suffix.resize(suffix.size() - std::char_traits<char>::length(unit));
            break;
        }
    double scale = 1;
    if (suffix == "K" || suffix == "k") scale = 1024.0;
    else if (suffix == "M" || suffix == "m") scale = 1024.0 * 1024;
    else if (suffix == "G" || suffix == "g") scale = 1024.0 * 1024 * 1024;
    else if (suffix == "T" || suffix == "t") scale = 1024.0 * 1024 * 1024 * 1024;
    else if (!suffix.empty() && suffix != "B") return -1;
    const double bytes = number * scale;
    if (bytes >= 9.0e18) return -1;
    return static_cast<int64_t>(bytes);
}

CLI::Validator byte_size(int64_t min) {
    return CLI::Validator(
        [min](std::string& text) -> std::string {
            const int64_t v = parse_byte_size(text);
            if (v < 0) return "'" + text + "' is not a memory size: give bytes or a number with K, M, G or T (e.g. 512M, 2G)";
            if (v < min) return out_of_range(text, "at least " + std::to_string(min) + " bytes");
            return {};
        },
        "", "byte_size");
}

}  // namespace loom::cli
