// libFuzzer target: loom's HTTP request layer on arbitrary bytes: the head (request line, headers, framing
// checks), the body decoder (chunked, gzip / deflate, the decoded size limit) fed in pieces whose sizes come
// from the input, the access policy on the parsed headers, and then the normalized request through
// cpp-httplib's own parser and router (process_request), as the server runs it.
// A refused request is fine; a crash, sanitizer report, hang or a body past its limit is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <httplib.h>

#include "server/access_policy.h"
#include "server/body_decoder.h"
#include "server/http_head.h"

namespace {

constexpr size_t kMaxBody = 4096;

// Reads one request from memory, drops what is written.
class MemoryStream : public httplib::Stream {
  public:
    explicit MemoryStream(std::string request) : request_(std::move(request)) {}
    bool is_readable() const override { return offset_ < request_.size(); }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override {
        const size_t n = std::min(size, request_.size() - offset_);
        std::copy_n(request_.data() + offset_, n, ptr);
        offset_ += n;
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
    void get_remote_ip_and_port(std::string& ip, int& port) const override { ip = "127.0.0.1", port = 1; }
    void get_local_ip_and_port(std::string& ip, int& port) const override { ip = "127.0.0.1", port = 2; }
    socket_t socket() const override { return -1; }

  private:
    std::string request_;
    size_t offset_ = 0;
};

// cpp-httplib's request parser and router, with routes shaped like loom's.
class Router : public httplib::Server {
  public:
    Router() {
        Post("/v1/completions", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(std::to_string(req.body.size()), "text/plain");
        });
        Get("/health",
            [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
        set_payload_max_length(kMaxBody);
    }
    void run(std::string request) {
        MemoryStream stream(std::move(request));
        bool closed = false;
        (void)process_request(stream, true, closed, nullptr);
    }
};

loom::server::AccessRequest access_request_of(const loom::server::RequestHead& head) {
    loom::server::AccessRequest r;
    r.method = head.method;
    r.path = head.target;
    for (const auto& [name, value] : head.headers) {
        if (loom::server::same_token(name, "Host")) r.host = value, r.has_host = true;
        if (loom::server::same_token(name, "Origin")) r.origin = value, r.has_origin = true;
        if (loom::server::same_token(name, "Authorization")) r.authorization = value;
        if (loom::server::same_token(name, "Content-Type")) r.content_type = value;
    }
    r.is_preflight = head.method == "OPTIONS";
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace loom::server;
    if (size == 0) return 0;
    const size_t step = 1 + data[0] % 64;  // the body arrives in pieces of this size
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::optional<size_t> end = find_head_end(bytes);
    if (!end) return 0;
    RequestHead head;
    HeadError error;
    if (!parse_request_head(bytes.substr(0, *end), head, error)) {
        if (error.status < 400 || error.status > 599 || error.message.empty()) std::abort();
        return 0;
    }
    static const AccessPolicy keyless(AccessConfig{{}, {"http://app.example"}, {}, "127.0.0.1", 8080});
    static const AccessPolicy keyed(AccessConfig{{"key"}, {"*"}, {"a.example"}, "0.0.0.0", 8080});
    (void)keyless.decide(access_request_of(head));
    (void)keyed.decide(access_request_of(head));

    BodyDecoder body(head, kMaxBody);
    std::string_view rest = bytes.substr(*end);
    while (!rest.empty() && !body.done() && !body.failed()) {
        const std::string_view piece = rest.substr(0, step);
        const size_t used = body.feed(piece);
        if (used > piece.size()) std::abort();
        rest.remove_prefix(used);
        if (used < piece.size()) break;  // the body ended inside this piece
    }
    if (body.body().size() > kMaxBody) std::abort();
    if ((body.done() || body.failed()) && body.feed("more") != 0) std::abort();  // an end is final
    if (body.done()) {
        static Router router;
        router.run(normalized_head(head, body.body().size()) + body.body());
    }
    return 0;
}
