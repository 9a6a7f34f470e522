// Notices that the client of a request has hung up while its handler is still working on a whole
// (non-streamed) answer. cpp-httplib 0.11 gives handlers no socket and no "connection closed" query, so the
// socket is found by its addresses: the one open socket whose local port and peer address/port are the
// request's.
//
//   ClientConnection client(req);
//   while (working) { ...; if (client.closed()) cancel(); }
//
// "Closed" means the peer sent FIN or RST (recv with MSG_PEEK returns 0 or an error): a client that only
// half-closes its sending side while still waiting for the answer counts as gone, as with most servers.
#pragma once

namespace httplib {
struct Request;
}

namespace loom::server {

class ClientConnection {
  public:
    explicit ClientConnection(const httplib::Request& req);
    // True once the client has closed or reset the connection; false while it is open or when its socket
    // could not be found (then nothing is cancelled: the time limit still applies).
    bool closed() const;
    bool found() const { return fd_ >= 0; }

  private:
    int fd_ = -1;  // owned by httplib, which keeps it open until the handler returns
};

}  // namespace loom::server
