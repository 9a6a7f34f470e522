#include "server/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace loom::server {
namespace {

void socket_endpoint(int fd, bool peer, std::string& addr, int& port) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    auto* sa = reinterpret_cast<sockaddr*>(&ss);
    if ((peer ? getpeername(fd, sa, &len) : getsockname(fd, sa, &len)) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* in = reinterpret_cast<const sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof text);
        port = ntohs(in->sin6_port);
    }
    addr = text;
}

const char* status_reason(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 408:
            return "Request Timeout";
        case 413:
            return "Payload Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 417:
            return "Expectation Failed";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Error";
    }
}

}  // namespace

void HttpConnection::describe() {
    socket_endpoint(fd, true, peer_addr, peer_port);
    socket_endpoint(fd, false, local_addr, local_port);
}

bool HttpConnection::send_all(std::string_view bytes) const {
    while (!bytes.empty()) {
        const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;  // includes the send timeout (EAGAIN after SO_SNDTIMEO)
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

void HttpConnection::close() {
    if (fd < 0) return;
    shutdown(fd, SHUT_RDWR);
    ::close(fd);
    fd = -1;
    client_slot.reset();
}

std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g s", seconds);
    return text;
}

std::string plain_response(int status, const std::string& json_body, const std::string& extra_headers) {
    return "HTTP/1.1 " + std::to_string(status) + " " + status_reason(status) + "\r\n" + extra_headers +
           "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " +
           std::to_string(json_body.size()) + "\r\n\r\n" + json_body;
}

bool ConnectionStream::is_writable() const {
    pollfd p{conn_.fd, POLLOUT, 0};
    if (poll(&p, 1, write_timeout_ms_) <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return false;
    // A FIN from the client (it hung up, or half-closed while waiting) counts as gone.
    char byte;
    const ssize_t n = recv(conn_.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
    const size_t n = std::min(size, request_.size() - offset_);
    std::memcpy(ptr, request_.data() + offset_, n);
    offset_ += n;
    return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
    return conn_.send_all(std::string_view(ptr, size)) ? static_cast<ssize_t>(size) : -1;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
    ip = conn_.peer_addr;
    port = conn_.peer_port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
    ip = conn_.local_addr;
    port = conn_.local_port;
}

}  // namespace loom::server
