// The intake: one thread that holds every connection whose next request head has not fully arrived (new
// connections, idle keep-alive ones, half-sent heads) and reads them with poll(), so a slow or silent client
// holds a file descriptor and a few KiB here, never an HTTP worker thread. Each connection has a deadline
// (the header timeout once a request has begun, the body timeout once its head is in, the keep-alive timeout
// while idle); at most `max_connections` are held, and a new one beyond that evicts the one held longest. A
// complete head is parsed (http_head.h), the per-client rate limit applied (client_limits.h), and the whole
// body read and decoded here too, so a slow body of any size holds no worker either; only then is the request
// handed to `on_request`, which runs it on a worker. A refused request is answered here (4xx) and its
// connection closed, after the rest of its body (if one is coming) was read and dropped for a bounded time.
//
// Memory: bodies up to `small_body` are read for every held connection; a larger one needs one of
// `max_large_bodies` reservations (each up to max_body_bytes), and a connection waiting for one is not read
// (its data waits in the kernel, its deadline runs). Without a reservation a connection holds at most
// small_body plus what 1 KiB of compressed input inflates to (~1 MiB).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/client_limits.h"
#include "server/http_connection.h"
#include "server/http_head.h"

namespace loom::server {

struct IntakeLimits {
    double header_timeout_s = 10;      // from a request's first byte to its last header line
    double body_timeout_s = 60;        // from the end of the head to the end of the body
    double keep_alive_timeout_s = 5;   // an idle connection between requests
    size_t max_connections = 1024;     // held at once (idle, reading a head or a small body)
    size_t max_body_bytes = 4u << 20;  // decoded; larger: 413
    // Bodies up to this size (decoded) are read for any number of connections; larger ones take a
    // reservation, at most `max_large_bodies` at once (0: max(16, 256 MiB / max_body_bytes)).
    size_t small_body = 64u << 10;
    size_t max_large_bodies = 0;
};

class ConnectionIntake {
  public:
    // A request is complete (conn->head, conn->body, the body decoded whole). Runs on the intake thread: must
    // not block.
    using RequestHandler = std::function<void(std::unique_ptr<HttpConnection> conn)>;
    // The JSON error body for a request refused by the HTTP layer.
    using ErrorBody = std::function<std::string(int status, const std::string& message)>;

    // `clients` (may be null: no per-client rate limit) must outlive the intake.
    ConnectionIntake(IntakeLimits limits, RequestHandler on_request, ErrorBody error_body,
                     ClientLimits* clients = nullptr);
    ~ConnectionIntake();  // stop() if still running

    // A new connection (from accept) or one returning after a response (keep-alive). Thread-safe.
    void add(std::unique_ptr<HttpConnection> conn, bool returning);
    // SIGTERM: closes every held connection now; later ones get a short header deadline (1 s).
    void begin_shutdown();
    // Ends the thread and closes what is held.
    void stop();
    size_t held() const { return held_.load(); }

  private:
    void loop();
    void take_added(SteadyClock::time_point now);
    // Reads what arrived; true while the connection stays held.
    bool read_some(HttpConnection& conn, SteadyClock::time_point now);
    // Parses a complete head, decodes what there is of its body, hands a complete request off or refuses it;
    // true while the connection stays held (head or body still incomplete, or draining after a refusal).
    bool try_dispatch(std::unique_ptr<HttpConnection>& conn, SteadyClock::time_point now);
    // Answers with an error. With `drain` (the client may still be sending a body) the connection stays held
    // while the rest is read and dropped (bounded in time and bytes; returns true), else it is closed.
    bool refuse(HttpConnection& conn, int status, const std::string& message, SteadyClock::time_point now,
                bool drain = false, const std::string& extra_headers = "");
    // The body is larger than small_body (announced or decoded) and has no reservation yet.
    bool wants_reservation(const HttpConnection& conn) const;
    void evict_oldest();
    void wake();

    IntakeLimits limits_;
    RequestHandler on_request_;
    ErrorBody error_body_;
    ClientLimits* clients_;
    std::vector<std::unique_ptr<HttpConnection>> conns_;  // the intake thread's own
    std::mutex added_mutex_;
    std::vector<std::pair<std::unique_ptr<HttpConnection>, bool>> added_;  // (connection, returning)
    std::atomic<bool> stopping_{false}, shutting_down_{false};
    std::atomic<size_t> held_{0};
    int wake_fd_ = -1;  // eventfd
    std::thread thread_;
};

}  // namespace loom::server
