#include "server/connection_intake.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "server/request_log.h"

namespace loom::server {
namespace {

SteadyClock::duration intake_duration(double s) {
    return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(s));
}

constexpr double kShutdownHeaderTimeoutS = 1;  // after SIGTERM, for connections that arrive anyway
// After refusing a request whose body may still be coming: how long the rest is read and dropped.
constexpr double kMaxDrainS = 10;
// Without a reservation, compressed input is decoded this much at a time (bounds what one read inflates to).
constexpr size_t kUnreservedFeed = 1024;

size_t default_large_bodies(size_t max_body) {
    return std::max<size_t>(16, (size_t{256} << 20) / std::max<size_t>(max_body, 1));
}

}  // namespace

ConnectionIntake::ConnectionIntake(IntakeLimits limits, RequestHandler on_request, ErrorBody error_body,
                                   ClientLimits* clients)
    : limits_(limits),
      on_request_(std::move(on_request)),
      error_body_(std::move(error_body)),
      clients_(clients) {
    if (limits_.max_large_bodies == 0)
        limits_.max_large_bodies = default_large_bodies(limits_.max_body_bytes);
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

bool ConnectionIntake::refuse(HttpConnection& conn, int status, const std::string& message,
                              SteadyClock::time_point now, bool drain, const std::string& extra_headers) {
    // One non-blocking send: the intake never waits on a client. A few hundred bytes fit any socket buffer.
    const std::string response = plain_response(status, error_body_(status, message), extra_headers);
    [[maybe_unused]] const ssize_t n =
        send(conn.fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    RequestNote note;  // a head that never parsed logs "-" for its method and route
    note.start = conn.since;
    const std::string& target = conn.head.target;
    log_request(conn.head.method, target.substr(0, target.find('?')), status, &note);
    if (!drain || shutting_down_.load()) {
        conn.close();
        return false;
    }
    // As cpp-httplib did for an oversized Content-Length: let the client finish sending (bounded), so it
    // reads the answer instead of a reset.
    shutdown(conn.fd, SHUT_WR);
    conn.draining = true;
    conn.large_body = false;
    conn.body.reset();
    conn.pending.clear();
    conn.drain_left = 2 * limits_.max_body_bytes + (64u << 10);
    conn.deadline = now + intake_duration(std::min(limits_.body_timeout_s, kMaxDrainS));
    return true;
}

bool ConnectionIntake::wants_reservation(const HttpConnection& conn) const {
    if (!conn.body || conn.draining || conn.large_body || conn.body->done() || conn.body->failed())
        return false;
    return conn.body->body().size() >= limits_.small_body ||
           (conn.head.framing == BodyFraming::Length && conn.head.content_length > limits_.small_body);
}

void ConnectionIntake::evict_oldest() {
    // Connections draining a refused body go first, then idle keep-alive ones, then the one whose request has
    // been arriving longest.
    auto worse = [](const std::unique_ptr<HttpConnection>& a, const std::unique_ptr<HttpConnection>& b) {
        if (a->draining != b->draining) return a->draining;
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
        conn->draining = false;
        conn->large_body = false;
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
    if (conn.draining) {       // the rest of a refused body: dropped
        if (static_cast<size_t>(n) >= conn.drain_left) return false;
        conn.drain_left -= static_cast<size_t>(n);
        return true;
    }
    if (!conn.reading) {
        conn.reading = true;
        if (conn.served > 0)
            conn.deadline = now + intake_duration(limits_.header_timeout_s);  // was idle keep-alive
    }
    conn.pending.append(buffer, static_cast<size_t>(n));
    return true;
}

bool ConnectionIntake::try_dispatch(std::unique_ptr<HttpConnection>& conn, SteadyClock::time_point now) {
    if (conn->draining) return true;
    std::string& pending = conn->pending;
    if (!conn->body) {
        const size_t blank = pending.find_first_not_of("\r\n");  // empty lines between requests are allowed
        pending.erase(0, blank == std::string::npos ? pending.size() : blank);
        const std::optional<size_t> end = find_head_end(pending);
        if (!end) {
            if (pending.size() <= kMaxHeadBytes) return true;
            return refuse(*conn, 431,
                          "request headers larger than " + std::to_string(kMaxHeadBytes) + " bytes", now);
        }
        HeadError error;
        if (!parse_request_head(std::string_view(pending).substr(0, *end), conn->head, error))
            return refuse(*conn, error.status, error.message, now);
        pending.erase(0, *end);
        const RequestHead& head = conn->head;
        const bool has_body = head.framing == BodyFraming::Chunked ||
                              (head.framing == BodyFraming::Length && head.content_length > 0);
        const std::string path = head.target.substr(0, head.target.find('?'));
        if (clients_ && path != "/health") {  // health probes are never rate-limited
            const int64_t wait_s = clients_->take_request(conn->peer_addr, now);
            if (wait_s > 0) {
                char limit[32];
                std::snprintf(limit, sizeof limit, "%g", clients_->config().requests_per_minute);
                return refuse(*conn, 429,
                              std::string("rate limit reached: at most ") + limit +
                                  " requests per minute from one client; retry in " + std::to_string(wait_s) +
                                  " s",
                              now, has_body, "Retry-After: " + std::to_string(wait_s) + "\r\n");
            }
        }
        conn->body = std::make_unique<BodyDecoder>(head, limits_.max_body_bytes);
        conn->body_deadline = now + intake_duration(limits_.body_timeout_s);
        conn->deadline = conn->body_deadline;
        if (head.expect_continue && !conn->body->done() && !conn->body->failed()) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            [[maybe_unused]] const ssize_t n =
                send(conn->fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
    }
    BodyDecoder& body = *conn->body;
    if (conn->large_body) {
        pending.erase(0, body.feed(pending));
    } else {  // small pieces, so no read inflates far past small_body before a reservation is needed
        while (!pending.empty() && !body.done() && !body.failed() && !wants_reservation(*conn)) {
            const size_t piece = std::min(pending.size(), kUnreservedFeed);
            const size_t took = body.feed(std::string_view(pending).substr(0, piece));
            pending.erase(0, took);
            if (took < piece) break;  // the body ended (or failed) inside this piece
        }
    }
    if (body.failed()) {  // too large or malformed: the client may still be sending
        const HeadError failure = body.error();
        return refuse(*conn, failure.status, failure.message, now, true);
    }
    if (!body.done()) return true;  // the rest is on its way (or waits for a reservation)
    conn->large_body = false;
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
            } else if (conn->draining) {
                conn->close();  // the answer was sent when it was refused
            } else if (conn->body) {
                refuse(*conn, 408,
                       "the request body did not arrive within the body timeout of " +
                           seconds_text(limits_.body_timeout_s),
                       now);
            } else if (conn->reading) {
                refuse(*conn, 408,
                       "the request headers did not arrive within the header timeout of " +
                           seconds_text(limits_.header_timeout_s),
                       now);
            } else {
                conn->close();  // idle: nothing to answer
            }
        }
        conns_.swap(kept);
        held_.store(conns_.size());

        // Reservations for bodies over small_body, oldest request first; a connection that waits for one is
        // not read. One just granted may have bytes pending already: it is decoded right after the poll.
        size_t reserved = 0;
        for (const auto& conn : conns_) reserved += conn->large_body ? 1 : 0;
        std::vector<HttpConnection*> waiting;
        for (const auto& conn : conns_)
            if (wants_reservation(*conn)) waiting.push_back(conn.get());
        std::sort(waiting.begin(), waiting.end(),
                  [](const HttpConnection* a, const HttpConnection* b) { return a->since < b->since; });
        std::vector<char> resumed(conns_.size(), 0);
        for (HttpConnection* conn : waiting) {
            if (reserved >= limits_.max_large_bodies) break;
            conn->large_body = true;
            reserved += 1;
            if (!conn->pending.empty()) next = now;
        }
        fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
        for (size_t i = 0; i < conns_.size(); ++i) {
            const HttpConnection& conn = *conns_[i];
            const bool paused = wants_reservation(conn);
            resumed[i] = conn.large_body && !conn.pending.empty();
            fds.push_back(pollfd{conn.fd, static_cast<short>(paused ? 0 : POLLIN), 0});
        }
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
        if (poll(fds.data(), fds.size(),
                 static_cast<int>(std::clamp<int64_t>(wait, next <= now ? 0 : 1, 1000))) < 0 &&
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
            const short got = fds[i + 1].revents;
            if (got == 0 && !resumed[i]) {
                kept.push_back(std::move(conn));
                continue;
            }
            if (got != 0 && fds[i + 1].events == 0) {  // waiting for a reservation, and the peer is gone
                conn->close();
                continue;
            }
            if (got != 0 && !read_some(*conn, now)) {
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
