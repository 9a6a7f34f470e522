// Levelled logging to stderr. The level comes from LOOM_LOG (error|warn|info|debug) or set_log_level().
#pragma once

#include <sstream>
#include <string>

namespace loom {

enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();
void log_message(LogLevel level, const std::string& text);

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}
}  // namespace detail

template <typename... Args>
void log_error(const Args&... args) { log_message(LogLevel::Error, detail::concat(args...)); }
template <typename... Args>
void log_warn(const Args&... args) {
    if (log_level() >= LogLevel::Warn) log_message(LogLevel::Warn, detail::concat(args...));
}
template <typename... Args>
void log_info(const Args&... args) {
    if (log_level() >= LogLevel::Info) log_message(LogLevel::Info, detail::concat(args...));
}
template <typename... Args>
void log_debug(const Args&... args) {
    if (log_level() >= LogLevel::Debug) log_message(LogLevel::Debug, detail::concat(args...));
}

}  // namespace loom
