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

// After refusing a body, how long and how much of the rest is read and dropped before closing.
constexpr double kMaxLingerS = 10;
constexpr size_t kMaxLingerBytes = 64u << 20;

}  // namespace

GuardedServer::GuardedServer(HttpLimits limits, ErrorBody error_body)
    : limits_(limits), error_body_(std::move(error_body)) {
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
        error_body_);
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

bool GuardedServer::read_body(HttpConnection& conn) {
    BodyDecoder& body = *conn.body;
    conn.pending.erase(0, body.feed(conn.pending));
    const SteadyClock::time_point deadline = conn.body_deadline;  // set when the head arrived
    static thread_local std::string buffer(64u << 10, '\0');
    while (!body.done() && !body.failed()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
        if (left <= 0 || shutting_down_.load()) return false;  // SIGTERM ends a half-sent body at once
        pollfd p{conn.fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200))) <= 0) continue;
        const ssize_t n = recv(conn.fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (n <= 0) {  // the client hung up mid-body
            conn.close();
            return false;
        }
        const std::string_view got(buffer.data(), static_cast<size_t>(n));
        const size_t took = body.feed(got);
        conn.pending.append(got.substr(took));  // the start of a pipelined request
    }
    return true;
}

void GuardedServer::handle(std::unique_ptr<HttpConnection> conn) {
    begin_request_note();  // the request's time starts once its head is here (its body may follow)
    const auto answer_and_close = [&](int status, const std::string& message) {
        if (conn->fd < 0) return;
        const std::string& target = conn->head.target;
        log_request(conn->head.method, target.substr(0, target.find('?')), status);
        conn->send_all(plain_response(status, error_body_(status, message)));
        // As cpp-httplib did for an oversized Content-Length: let the client finish sending (bounded).
        const bool stalled = status == 408 || shutting_down_.load();  // nothing more is coming
        const double linger_s = stalled ? 1.0 : std::min(limits_.body_timeout_s, kMaxLingerS);
        conn->linger_close(whole_ms(linger_s), kMaxLingerBytes);
    };
    const RequestHead& head = conn->head;
    BodyDecoder& body = *conn->body;
    if (!read_body(*conn)) {
        if (shutting_down_.load()) return answer_and_close(503, "the server is shutting down");
        return answer_and_close(408, "the request body did not arrive within the body timeout of " +
                                         seconds_text(limits_.body_timeout_s));
    }
    if (body.failed()) return answer_and_close(body.error().status, body.error().message);

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
