#include "server/request_log.h"

#include <cstdio>
#include <ctime>

#include "core/log.h"

namespace loom::server {
namespace {

thread_local RequestNote t_request_note;

std::string printable_path(const std::string& path) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (const char c : path) {
        if (out.size() >= 200) {
            out += "...";
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out.empty() ? "-" : out;
}

}  // namespace

RequestNote& request_note() {
    return t_request_note;
}

void begin_request_note() {
    t_request_note = RequestNote{};
}

std::string request_log_line(int64_t unix_ms, const std::string& method, const std::string& path, int status,
                             int64_t prompt_tokens, int64_t generated_tokens, double ms) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char when[96];
    std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(unix_ms % 1000));
    std::string line = "loom serve: ";
    line += when;
    line += ' ';
    line += printable_path(method);
    line += ' ';
    line += printable_path(path);
    line += ' ';
    line += std::to_string(status);
    if (prompt_tokens >= 0) line += " prompt=" + std::to_string(prompt_tokens);
    if (generated_tokens >= 0) line += " generated=" + std::to_string(generated_tokens);
    char took[32];
    std::snprintf(took, sizeof took, " %.0f ms", ms < 0 ? 0.0 : ms);
    line += took;
    return line;
}

void log_request(const std::string& method, const std::string& path, int status, const RequestNote* given) {
    if (log_level() < LogLevel::Warn) return;
    const RequestNote& note = given ? *given : t_request_note;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - note.start).count();
    const int64_t unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    const std::string line =
        request_log_line(unix_ms, method, path, status, note.prompt_tokens, note.generated_tokens, ms) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);  // one write per line: lines from threads do not mix
    std::fflush(stderr);
}

}  // namespace loom::server
