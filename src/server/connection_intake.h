// The intake: one thread that holds every connection whose next request head has not fully arrived (new
// connections, idle keep-alive ones, half-sent heads) and reads them with poll(), so a slow or silent client
// holds a file descriptor and a few KiB here, never an HTTP worker thread. Each connection has a deadline
// (the header timeout once a request has begun, the body timeout once its head is in, the keep-alive timeout
// while idle); at most `max_connections` are held, and a new one beyond that evicts the one held longest. A
// complete head is parsed (http_head.h); a small body is read here as well, then the request is handed to
// `on_request`, which runs it on a worker; a refused head is answered here (4xx) and its connection closed.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_connection.h"
#include "server/http_head.h"

namespace loom::server {

struct IntakeLimits {
    double header_timeout_s = 10;      // from a request's first byte to its last header line
    double body_timeout_s = 60;        // from the end of the head to the end of the body
    double keep_alive_timeout_s = 5;   // an idle connection between requests
    size_t max_connections = 1024;     // held at once (idle, reading a head or a small body)
    size_t max_body_bytes = 4u << 20;  // decoded; larger: 413 (answered by a worker)
    // Bodies up to this size (decoded) are read here too, so a slow small body holds no worker either;
    // a larger one goes to a worker as soon as that is known, which reads the rest.
    size_t max_intake_body = 64u << 10;
};

class ConnectionIntake {
  public:
    // A head is complete (conn->head, conn->body): its body is complete, refused, or large (the worker reads
    // the rest). Runs on the intake thread: must not block.
    using RequestHandler = std::function<void(std::unique_ptr<HttpConnection> conn)>;
    // The JSON error body for a request refused by the HTTP layer.
    using ErrorBody = std::function<std::string(int status, const std::string& message)>;

    ConnectionIntake(IntakeLimits limits, RequestHandler on_request, ErrorBody error_body);
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
    // Parses a complete head, reads what there is of a small body, hands the request off or refuses it; true
    // while the connection stays held (head or small body still incomplete).
    bool try_dispatch(std::unique_ptr<HttpConnection>& conn, SteadyClock::time_point now);
    void refuse(HttpConnection& conn, int status, const std::string& message);
    void evict_oldest();
    void wake();

    IntakeLimits limits_;
    RequestHandler on_request_;
    ErrorBody error_body_;
    std::vector<std::unique_ptr<HttpConnection>> conns_;  // the intake thread's own
    std::mutex added_mutex_;
    std::vector<std::pair<std::unique_ptr<HttpConnection>, bool>> added_;  // (connection, returning)
    std::atomic<bool> stopping_{false}, shutting_down_{false};
    std::atomic<size_t> held_{0};
    int wake_fd_ = -1;  // eventfd
    std::thread thread_;
};

}  // namespace loom::server
