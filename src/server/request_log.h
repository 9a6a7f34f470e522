// One line per request on stderr at the default log level (LOOM_LOG=error silences it):
//   loom serve: 2026-12-07T16:40:00.123Z POST /v1/chat/completions 200 prompt=12 generated=20 153 ms
// prompt= / generated= appear where the route knows them (generation, embeddings, attention). The handler
// fills the thread's RequestNote; httplib's logger (called on the same worker thread once the response,
// streamed ones included, has been written) prints the line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace loom::server {

struct RequestNote {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    int64_t prompt_tokens = -1, generated_tokens = -1;  // -1: not known for this route
};

// The note of the request this thread is handling.
RequestNote& request_note();
// Starts a new note (at the moment the request's head and body have been read).
void begin_request_note();

// The line for one request (no trailing newline); `unix_ms` is the wall-clock time in ms since the epoch.
// Control characters and spaces in `path` are %-escaped and it is cut at 200 bytes.
std::string request_log_line(int64_t unix_ms, const std::string& method, const std::string& path, int status,
                             int64_t prompt_tokens, int64_t generated_tokens, double ms);

// Writes the line for `note` (default: the thread's current request) unless LOOM_LOG=error.
void log_request(const std::string& method, const std::string& path, int status,
                 const RequestNote* note = nullptr);

}  // namespace loom::server
