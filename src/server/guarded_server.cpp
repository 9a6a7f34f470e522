#include "server/guarded_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "server/request_log.h"

namespace loom::server {
namespace {

// httplib's listen loop hands each accepted socket to its task queue; this one runs the hand-off inline
// (GuardedServer::process_and_close_socket only passes the socket to the intake and returns).
class InlineQueue : public httplib::TaskQueue {
  public:
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override {}
};

int whole_ms(double s) {
    return static_cast<int>(s * 1000);
}

}  // namespace

GuardedServer::GuardedServer(HttpLimits limits, ErrorBody error_body)
    : limits_(limits), error_body_(std::move(error_body)), clients_(limits.clients) {
    new_task_queue = [] { return new InlineQueue; };
    workers_ =
        std::make_unique<httplib::ThreadPool>(static_cast<size_t>(std::max(1, limits_.worker_threads)));
    IntakeLimits intake;
    intake.header_timeout_s = limits_.header_timeout_s;
    intake.body_timeout_s = limits_.body_timeout_s;
    intake.keep_alive_timeout_s = limits_.keep_alive_timeout_s;
    intake.max_connections = limits_.max_pending_connections;
    intake.max_body_bytes = limits_.max_body_bytes;
    intake_ = std::make_unique<ConnectionIntake>(
        intake,
        [this](std::unique_ptr<HttpConnection> conn) {
            // A flood of complete heads whose bodies never come could queue without bound: past as many
            // queued as the intake may hold, refuse at once.
            if (queued_.load() >= limits_.max_pending_connections) {
                const std::string response =
                    plain_response(503, error_body_(503, "the server is busy; retry in a moment"));
                [[maybe_unused]] const ssize_t n =
                    send(conn->fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                return;
            }
            queued_.fetch_add(1);
            auto shared = std::make_shared<std::unique_ptr<HttpConnection>>(std::move(conn));
            workers_->enqueue([this, shared] {
                queued_.fetch_sub(1);
                try {
                    handle(std::move(*shared));
                } catch (
                    ...) {  // out of memory building the request, say: this connection ends, not the server
                }
            });
        },
        error_body_, &clients_);
}

GuardedServer::~GuardedServer() {
    finish();
}

void GuardedServer::begin_shutdown() {
    shutting_down_.store(true);
    intake_->begin_shutdown();
}

void GuardedServer::finish() {
    if (finished_) return;
    finished_ = true;
    intake_->stop();
    workers_->shutdown();
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
    auto conn = std::make_unique<HttpConnection>();
    conn->fd = sock;
    conn->describe();
    conn->client_slot = clients_.open_connection(conn->peer_addr);
    if (!conn->client_slot) {  // this client holds its most connections already: one non-blocking answer
        const std::string response = plain_response(
            429,
            error_body_(429, "too many connections from this client (at most " +
                                 std::to_string(limits_.clients.max_connections_per_client) + " at once)"),
            "Retry-After: 1\r\n");
        [[maybe_unused]] const ssize_t n =
            send(sock, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        log_request("", "", 429);
        return true;  // conn closes the socket
    }
    timeval tv{static_cast<time_t>(limits_.write_timeout_s),
               static_cast<suseconds_t>(
                   (limits_.write_timeout_s - static_cast<time_t>(limits_.write_timeout_s)) * 1e6)};
    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    // cpp-httplib writes a response's head and body (and each streamed event) as separate small writes; with
    // Nagle's algorithm each waits for the client's delayed ACK (~40 ms): 23 keep-alive requests a second.
    const int one = 1;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    intake_->add(std::move(conn), false);
    return true;
}

void GuardedServer::handle(std::unique_ptr<HttpConnection> conn) {
    begin_request_note();  // the request's time starts once its head and body are here
    const RequestHead& head = conn->head;
    BodyDecoder& body = *conn->body;  // complete: the intake read and decoded it
    std::string request = normalized_head(head, body.body().size());
    request += body.body();
    std::string().swap(body.body());
    ConnectionStream stream(*conn, std::move(request), whole_ms(limits_.write_timeout_s));
    const bool close_connection =
        !head.keep_alive || conn->served + 1 >= limits_.keep_alive_max_requests || shutting_down_.load();
    bool connection_closed = false;
    const bool ok = process_request(stream, close_connection, connection_closed, nullptr);
    conn->served += 1;
    if (!ok || close_connection || connection_closed || shutting_down_.load()) return conn->close();
    intake_->add(std::move(conn), true);
}

}  // namespace loom::server
