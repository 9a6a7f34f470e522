#include "server/client_connection.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace loom::server {
namespace {

// Address and port of a socket's end (ours: getsockname, the peer's: getpeername).
bool endpoint(int fd, bool peer, std::string& addr, int& port) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    auto* sa = reinterpret_cast<sockaddr*>(&ss);
    if ((peer ? getpeername(fd, sa, &len) : getsockname(fd, sa, &len)) != 0) return false;
    char text[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* in = reinterpret_cast<const sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof text);
        port = ntohs(in->sin6_port);
    } else {
        return false;
    }
    addr = text;
    return true;
}

}  // namespace

ClientConnection::ClientConnection(const httplib::Request& req) {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return;
    while (dirent* entry = readdir(dir)) {
        char* end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd < 3) continue;
        struct stat st {};
        if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
        std::string addr;
        int port = -1;
        if (!endpoint(static_cast<int>(fd), false, addr, port) || port != req.local_port) continue;
        if (!endpoint(static_cast<int>(fd), true, addr, port) || port != req.remote_port ||
            addr != req.remote_addr)
            continue;
        fd_ = static_cast<int>(fd);
        break;
    }
    closedir(dir);
}

bool ClientConnection::closed() const {
    if (fd_ < 0) return false;
    char byte;
    const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return false;  // the client sent more (a pipelined request): still there
    if (n == 0) return true;  // FIN
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;  // RST and other socket errors
}

}  // namespace loom::server
