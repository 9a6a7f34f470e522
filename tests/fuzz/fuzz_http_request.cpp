// libFuzzer target: loom's HTTP request layer on arbitrary bytes: the head (request line, headers, framing
// checks), the normalized head handed to cpp-httplib, the body decoder (chunked, gzip / deflate, the decoded
// size limit) fed in pieces whose sizes come from the input, and the access policy on the parsed headers.
// A refused request is fine; a crash, sanitizer report, hang or a body past its limit is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/access_policy.h"
#include "server/body_decoder.h"
#include "server/http_head.h"

namespace {

constexpr size_t kMaxBody = 4096;

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
    if (body.done()) (void)normalized_head(head, body.body().size());
    return 0;
}
