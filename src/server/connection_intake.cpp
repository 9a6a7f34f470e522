#include "server/connection_intake.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "server/request_log.h"

namespace loom::server {
namespace {

SteadyClock::duration intake_duration(double s) {
    return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(s));
}

constexpr double kShutdownHeaderTimeoutS = 1;  // after SIGTERM, for connections that arrive anyway

}  // namespace

ConnectionIntake::ConnectionIntake(IntakeLimits limits, RequestHandler on_request, ErrorBody error_body)
    : limits_(limits), on_request_(std::move(on_request)), error_body_(std::move(error_body)) {
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = std::thread([this] { loop(); });
}

ConnectionIntake::~ConnectionIntake() {
    stop();
    if (wake_fd_ >= 0) close(wake_fd_);
}

void ConnectionIntake::wake() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_fd_, &one, sizeof one);
}

void ConnectionIntake::add(std::unique_ptr<HttpConnection> conn, bool returning) {
    {
        std::lock_guard lock(added_mutex_);
        added_.emplace_back(std::move(conn), returning);
    }
    wake();
}

void ConnectionIntake::begin_shutdown() {
    shutting_down_.store(true);
    wake();
}

void ConnectionIntake::stop() {
    if (!thread_.joinable()) return;
    stopping_.store(true);
    wake();
    thread_.join();
    std::lock_guard lock(added_mutex_);
    for (auto& [conn, returning] : added_) conn->close();
    added_.clear();
}

void ConnectionIntake::refuse(HttpConnection& conn, int status, const std::string& message) {
    // One non-blocking send: the intake never waits on a client. A few hundred bytes fit any socket buffer.
    const std::string response = plain_response(status, error_body_(status, message));
    [[maybe_unused]] const ssize_t n =
        send(conn.fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    conn.close();
    RequestNote note;  // a head that never parsed logs "-" for its method and route
    note.start = conn.since;
    const std::string& target = conn.head.target;
    log_request(conn.head.method, target.substr(0, target.find('?')), status, &note);
}

void ConnectionIntake::evict_oldest() {
    // Idle keep-alive connections go first, then the one whose head has been arriving longest.
    auto worse = [](const std::unique_ptr<HttpConnection>& a, const std::unique_ptr<HttpConnection>& b) {
        if (a->reading != b->reading) return !a->reading;
        return a->since < b->since;
    };
    auto victim = std::min_element(conns_.begin(), conns_.end(), worse);
    (*victim)->close();
    conns_.erase(victim);
}

void ConnectionIntake::take_added(SteadyClock::time_point now) {
    std::vector<std::pair<std::unique_ptr<HttpConnection>, bool>> added;
    {
        std::lock_guard lock(added_mutex_);
        added.swap(added_);
    }
    const bool shutting_down = shutting_down_.load();
    for (auto& [conn, returning] : added) {
        if (returning && shutting_down) {
            conn->close();
            continue;
        }
        conn->since = now;
        conn->reading = false;
        conn->body.reset();
        conn->deadline = now + intake_duration(returning       ? limits_.keep_alive_timeout_s
                                               : shutting_down ? std::min(limits_.header_timeout_s,
                                                                          kShutdownHeaderTimeoutS)
                                                               : limits_.header_timeout_s);
        if (!conn->pending.empty()) {  // pipelined: the next request may be complete already
            conn->reading = true;
            conn->deadline = now + intake_duration(limits_.header_timeout_s);
            if (!try_dispatch(conn, now)) continue;
        }
        while (conns_.size() >= std::max<size_t>(limits_.max_connections, 1)) evict_oldest();
        conns_.push_back(std::move(conn));
    }
}

bool ConnectionIntake::read_some(HttpConnection& conn, SteadyClock::time_point now) {
    char buffer[16384];
    const ssize_t n = recv(conn.fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    if (n == 0) return false;  // the client hung up
    if (!conn.reading) {
        conn.reading = true;
        if (conn.served > 0)
            conn.deadline = now + intake_duration(limits_.header_timeout_s);  // was idle keep-alive
    }
    conn.pending.append(buffer, static_cast<size_t>(n));
    return true;
}

bool ConnectionIntake::try_dispatch(std::unique_ptr<HttpConnection>& conn, SteadyClock::time_point now) {
    std::string& pending = conn->pending;
    if (!conn->body) {
        const size_t blank = pending.find_first_not_of("\r\n");  // empty lines between requests are allowed
        pending.erase(0, blank == std::string::npos ? pending.size() : blank);
        const std::optional<size_t> end = find_head_end(pending);
        if (!end) {
            if (pending.size() <= kMaxHeadBytes) return true;
            refuse(*conn, 431, "request headers larger than " + std::to_string(kMaxHeadBytes) + " bytes");
            return false;
        }
        HeadError error;
        if (!parse_request_head(std::string_view(pending).substr(0, *end), conn->head, error)) {
            refuse(*conn, error.status, error.message);
            return false;
        }
        pending.erase(0, *end);
        conn->body = std::make_unique<BodyDecoder>(conn->head, limits_.max_body_bytes);
        conn->body_deadline = now + intake_duration(limits_.body_timeout_s);
        conn->deadline = conn->body_deadline;
        if (conn->head.expect_continue && !conn->body->done() && !conn->body->failed()) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            [[maybe_unused]] const ssize_t n =
                send(conn->fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
    }
    BodyDecoder& body = *conn->body;
    pending.erase(0, body.feed(pending));
    const bool large =
        body.body().size() > limits_.max_intake_body ||
        (conn->head.framing == BodyFraming::Length && conn->head.content_length > limits_.max_intake_body);
    if (!body.done() && !body.failed() && !large) return true;  // the rest of a small body is on its way
    on_request_(std::move(conn));
    return false;
}

void ConnectionIntake::loop() {
    std::vector<pollfd> fds;
    bool closed_for_shutdown = false;
    while (!stopping_.load()) {
        SteadyClock::time_point now = SteadyClock::now();
        if (shutting_down_.load() && !closed_for_shutdown) {  // SIGTERM: idle and half-sent ones go now
            for (auto& conn : conns_) conn->close();
            conns_.clear();
            closed_for_shutdown = true;
        }
        take_added(now);
        SteadyClock::time_point next = now + std::chrono::seconds(1);
        std::vector<std::unique_ptr<HttpConnection>> kept;
        for (auto& conn : conns_) {
            if (conn->deadline > now) {
                next = std::min(next, conn->deadline);
                kept.push_back(std::move(conn));
            } else if (conn->body) {
                refuse(*conn, 408,
                       "the request body did not arrive within the body timeout of " +
                           seconds_text(limits_.body_timeout_s));
            } else if (conn->reading) {
                refuse(*conn, 408,
                       "the request headers did not arrive within the header timeout of " +
                           seconds_text(limits_.header_timeout_s));
            } else {
                conn->close();  // idle: nothing to answer
            }
        }
        conns_.swap(kept);
        held_.store(conns_.size());

        fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
        for (const auto& conn : conns_) fds.push_back(pollfd{conn->fd, POLLIN, 0});
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
        if (poll(fds.data(), fds.size(), static_cast<int>(std::clamp<int64_t>(wait, 1, 1000))) < 0 &&
            errno != EINTR)
            continue;
        if (fds[0].revents & POLLIN) {
            uint64_t count;
            [[maybe_unused]] const ssize_t n = read(wake_fd_, &count, sizeof count);
        }
        now = SteadyClock::now();
        kept.clear();
        for (size_t i = 0; i < conns_.size(); ++i) {
            std::unique_ptr<HttpConnection>& conn = conns_[i];
            if (fds[i + 1].revents == 0) {
                kept.push_back(std::move(conn));
                continue;
            }
            if (!read_some(*conn, now)) {
                conn->close();
                continue;
            }
            if (try_dispatch(conn, now)) kept.push_back(std::move(conn));
        }
        conns_.swap(kept);
        held_.store(conns_.size());
    }
    for (auto& conn : conns_) conn->close();
    conns_.clear();
    held_.store(0);
}

}  // namespace loom::server
