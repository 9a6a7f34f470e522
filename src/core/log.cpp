#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace loom {
namespace {

LogLevel level_from_env() {
    const char* env = std::getenv("LOOM_LOG");
    if (!env) return LogLevel::Warn;
    if (!std::strcmp(env, "error")) return LogLevel::Error;
    if (!std::strcmp(env, "info")) return LogLevel::Info;
    if (!std::strcmp(env, "debug")) return LogLevel::Debug;
    return LogLevel::Warn;
}

std::atomic<int> g_level{static_cast<int>(level_from_env())};
std::mutex g_write_mutex;

}  // namespace

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

void log_message(LogLevel level, const std::string& text) {
    static const char* names[] = {"error", "warn", "info", "debug"};
    std::lock_guard<std::mutex> lock(g_write_mutex);
    std::fprintf(stderr, "loom %s: %s\n", names[static_cast<int>(level)], text.c_str());
}

}  // namespace loom
