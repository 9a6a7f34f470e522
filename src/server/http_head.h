// The head of an HTTP/1.x request (request line + header lines), parsed and checked before cpp-httplib sees
// it. loom's intake reads the head itself so it can put a deadline on it, refuse the framings that httplib
// 0.11 gets wrong (conflicting or non-numeric Content-Length, chunked + Content-Length) and limit bodies on
// their decoded size; httplib then parses only the normalized request that normalized_head() writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loom::server {

inline constexpr size_t kMaxHeadBytes = 32u << 10;  // request line + headers; larger: 431
inline constexpr size_t kMaxHeaderCount = 100;

enum class BodyFraming { None, Length, Chunked };
enum class BodyCoding { Identity, Gzip, Deflate };

struct RequestHead {
    std::string method, target, version;                       // "POST", "/v1/completions", "HTTP/1.1"
    std::vector<std::pair<std::string, std::string>> headers;  // as sent (value trimmed), order kept
    BodyFraming framing = BodyFraming::None;
    uint64_t content_length = 0;  // with BodyFraming::Length
    BodyCoding coding = BodyCoding::Identity;
    bool expect_continue = false;  // "Expect: 100-continue"
    bool keep_alive = true;        // HTTP/1.1 without "Connection: close", or 1.0 with keep-alive
};

// A request the server refuses before reading its body: the status and a one-line message for the client.
struct HeadError {
    int status = 400;
    std::string message;
};

// Where the head ends in `bytes` (the offset just past the blank line), or nullopt while it is incomplete.
// Lines may end in CRLF or a bare LF.
std::optional<size_t> find_head_end(std::string_view bytes);

// Parses a complete head (what find_head_end delimits). On a malformed or refused head returns false and
// fills `error` (400 malformed or ambiguous framing, 431 too large, 415 unknown Content-Encoding, 501 unknown
// Transfer-Encoding, 505 not HTTP/1.x).
bool parse_request_head(std::string_view head, RequestHead& out, HeadError& error);

// The head handed to cpp-httplib for a body of `body_size` decoded bytes: the same request line and headers
// minus the framing ones (Content-Length, Transfer-Encoding, Content-Encoding, Expect), plus one
// Content-Length. Ends with the blank line.
std::string normalized_head(const RequestHead& head, size_t body_size);

// Case-insensitive ASCII comparison, for header names and tokens.
bool same_token(std::string_view a, std::string_view b);

}  // namespace loom::server
