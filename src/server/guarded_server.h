// cpp-httplib's Server with loom's own connection handling in front of its request parser.
//
// httplib 0.11 (Debian) reads heads with a per-read timeout only (one byte a second holds a thread forever),
// does not limit chunked bodies, limits gzip bodies on their compressed size, reads a non-numeric or
// conflicting Content-Length as something, and drops pipelined requests (its read buffer lives for one
// request). So GuardedServer takes each accepted socket away from httplib's thread pool:
//   accept (httplib's listen loop; the per-client connection cap) -> ConnectionIntake (one poll thread:
//      heads and whole bodies, decoded with a limit; deadlines; the per-client rate limit; a cap)
//   -> a worker thread: httplib's process_request on the normalized request held in memory (routing,
//   handlers, responses)
//   -> back to the intake for the next request on the connection (pipelined bytes kept), or closed.
// Why not a newer cpp-httplib or another server library: see docs/security.md.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "server/body_decoder.h"
#include "server/connection_intake.h"

namespace loom::server {

struct HttpLimits {
    size_t max_body_bytes = 4u << 20;  // decoded request body; larger: 413
    double header_timeout_s = 10;      // a request's head, from its first byte (from connect for the first)
    double body_timeout_s = 60;        // a request's whole body, once its head has arrived
    double keep_alive_timeout_s = 5;   // an idle connection between requests
    double write_timeout_s = 10;       // one blocked write to a client
    size_t max_pending_connections = 1024;  // held while their head arrives (idle ones included)
    size_t keep_alive_max_requests = 1000;  // then the connection is closed
    int worker_threads = 8;                 // requests being handled at once
    ClientLimitsConfig clients;             // per-client rate limit and connection cap (off by default)
};

class GuardedServer : public httplib::Server {
  public:
    using ErrorBody = ConnectionIntake::ErrorBody;
    GuardedServer(HttpLimits limits, ErrorBody error_body);
    ~GuardedServer() override;

    // SIGTERM: idle and half-sent connections are closed now; requests being handled finish, and their
    // connections close after the response.
    void begin_shutdown();
    // After listen_after_bind() returned: ends the intake and waits for the workers.
    void finish();

  private:
    bool process_and_close_socket(socket_t sock) override;  // called by httplib's listen loop per accept
    void handle(std::unique_ptr<HttpConnection> conn);      // on a worker

    HttpLimits limits_;
    ErrorBody error_body_;
    std::atomic<bool> shutting_down_{false};
    std::atomic<size_t> queued_{0};  // heads waiting for a worker
    bool finished_ = false;
    ClientLimits clients_;  // before the workers and the intake: their connections release into it
    std::unique_ptr<httplib::ThreadPool> workers_;
    std::unique_ptr<ConnectionIntake> intake_;
};

}  // namespace loom::server
