// One client connection as loom's HTTP layer holds it between requests, and the httplib::Stream through
// which cpp-httplib parses one normalized request from memory and writes its response to the socket.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "server/body_decoder.h"
#include "server/http_head.h"

namespace loom::server {

using SteadyClock = std::chrono::steady_clock;

struct HttpConnection {
    int fd = -1;
    std::string pending;  // bytes received and not yet consumed (a partial head, pipelined requests)
    std::string peer_addr, local_addr;
    int peer_port = -1, local_port = -1;
    size_t served = 0;                 // requests answered on this connection
    bool reading = false;              // a request has begun (bytes of it arrived): header deadline applies
    SteadyClock::time_point deadline;  // when the intake gives up on it (idle or half-sent head)
    SteadyClock::time_point since;     // when it entered the intake (oldest are evicted first)
    // The request whose head has arrived: its head, its body so far, when its body must be complete.
    RequestHead head;
    std::unique_ptr<BodyDecoder> body;  // null until the head is complete
    SteadyClock::time_point body_deadline;
    // After an error answer while the client may still be sending its body: the intake reads and drops what
    // arrives (up to `drain_left` bytes, until `deadline`), so a client that sends its whole body before
    // reading (most do) reads the answer instead of a reset; then it closes.
    bool draining = false;
    size_t drain_left = 0;
    bool large_body = false;  // holds one of the intake's reservations for a body over its small-body size
    // Counts this connection against its client's cap (client_limits.h) while it is open.
    std::shared_ptr<void> client_slot;

    HttpConnection() = default;
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;
    ~HttpConnection() { close(); }

    // Fills the addresses from the socket.
    void describe();
    // Writes all of `bytes` (blocking, bounded by the socket's send timeout); false when the peer is gone.
    bool send_all(std::string_view bytes) const;
    // Closes the socket (after a shutdown so the peer sees the end at once). Idempotent.
    void close();
};

// "2.5 s" for messages.
std::string seconds_text(double seconds);

// A minimal response written by the HTTP layer itself (the request never reached httplib): a JSON error
// body, "Connection: close"; `extra_headers`: more lines, each ending in CRLF (e.g. "Retry-After: 5\r\n").
std::string plain_response(int status, const std::string& json_body, const std::string& extra_headers = "");

// Reads the request from `request` (normalized head + decoded body), writes to the connection's socket.
class ConnectionStream : public httplib::Stream {
  public:
    ConnectionStream(const HttpConnection& conn, std::string request, int write_timeout_ms)
        : conn_(conn), request_(std::move(request)), write_timeout_ms_(write_timeout_ms) {}

    bool is_readable() const override { return offset_ < request_.size(); }
    bool is_writable() const override;
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override;
    void get_remote_ip_and_port(std::string& ip, int& port) const override;
    void get_local_ip_and_port(std::string& ip, int& port) const override;
    socket_t socket() const override { return conn_.fd; }

  private:
    const HttpConnection& conn_;
    std::string request_;
    size_t offset_ = 0;
    int write_timeout_ms_;
};

}  // namespace loom::server
