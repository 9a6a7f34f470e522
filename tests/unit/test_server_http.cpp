// loom's HTTP layer in front of cpp-httplib: request heads (http_head.h), body decoding with decoded-size
// limits (body_decoder.h) and the access policy (access_policy.h).
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "server/access_policy.h"
#include "server/body_decoder.h"
#include "server/http_head.h"

namespace loom::server {
namespace {

RequestHead parse_ok(const std::string& text) {
    RequestHead head;
    HeadError error;
    EXPECT_TRUE(parse_request_head(text, head, error)) << error.message;
    return head;
}

HeadError parse_error(const std::string& text) {
    RequestHead head;
    HeadError error;
    EXPECT_FALSE(parse_request_head(text, head, error)) << text;
    return error;
}

std::string gzipped(const std::string& data) {
    z_stream z{};
    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, data.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// Feeds `wire` in pieces of `step` bytes; returns the decoder's state.
void feed_in_pieces(BodyDecoder& d, const std::string& wire, size_t step) {
    for (size_t i = 0; i < wire.size() && !d.done() && !d.failed(); i += step)
        d.feed(std::string_view(wire).substr(i, step));
}

TEST(HttpHead, FindsTheEndWithCrlfOrLf) {
    EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY"), 27u);
    EXPECT_EQ(find_head_end("GET / HTTP/1.1\nHost: a\n\nBODY"), 24u);
    EXPECT_FALSE(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n"));
}

TEST(HttpHead, ParsesFramingAndConnection) {
    RequestHead h = parse_ok("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n");
    EXPECT_EQ(h.method, "POST");
    EXPECT_EQ(h.target, "/v1/completions");
    EXPECT_EQ(h.framing, BodyFraming::Length);
    EXPECT_EQ(h.content_length, 12u);
    EXPECT_TRUE(h.keep_alive);
    h = parse_ok(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\nConnection: "
        "close\r\n\r\n");
    EXPECT_EQ(h.framing, BodyFraming::Chunked);
    EXPECT_EQ(h.coding, BodyCoding::Gzip);
    EXPECT_FALSE(h.keep_alive);
    EXPECT_FALSE(parse_ok("GET / HTTP/1.0\r\n\r\n").keep_alive);
    EXPECT_TRUE(parse_ok("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
    EXPECT_EQ(parse_ok("POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n").content_length,
              3u);
}

TEST(HttpHead, RefusesAmbiguousFraming) {
    EXPECT_EQ(parse_error("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n").status, 400);
    EXPECT_EQ(parse_error("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n").status, 400);
    EXPECT_EQ(parse_error("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").status, 400);
    EXPECT_EQ(parse_error("POST / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n").status, 400);
    EXPECT_EQ(parse_error("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n").status, 400);
    EXPECT_EQ(
        parse_error("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").status,
        400);
    EXPECT_EQ(parse_error("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").status, 501);
    EXPECT_EQ(parse_error("POST / HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\n").status,
              415);
    EXPECT_EQ(parse_error("POST / HTTP/1.1\r\nExpect: something\r\n\r\n").status, 417);
    EXPECT_EQ(parse_error("GET / HTTP/2.0\r\n\r\n").status, 505);
    EXPECT_EQ(parse_error("GET /\r\n\r\n").status, 400);
    EXPECT_EQ(parse_error("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n").status, 400);
    EXPECT_EQ(parse_error("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n").status, 400);
    EXPECT_EQ(parse_error("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n").status, 400);
}

TEST(HttpHead, NormalizedHeadKeepsHeadersAndSetsOneLength) {
    const RequestHead h = parse_ok(
        "POST /tokenize HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n"
        "Expect: 100-continue\r\nContent-Type: application/json\r\n\r\n");
    EXPECT_EQ(
        normalized_head(h, 42),
        "POST /tokenize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 42\r\n\r\n");
}

TEST(BodyDecoder, ContentLengthBodyAndWhatFollows) {
    const RequestHead h = parse_ok("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n");
    BodyDecoder d(h, 100);
    EXPECT_EQ(d.feed("helloGET / HTTP/1.1"), 5u);  // the rest is the next request's
    EXPECT_TRUE(d.done());
    EXPECT_EQ(d.body(), "hello");
}

TEST(BodyDecoder, ContentLengthOverTheLimitFailsAtOnce) {
    BodyDecoder d(parse_ok("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"), 100);
    EXPECT_TRUE(d.failed());
    EXPECT_EQ(d.error().status, 413);
}

TEST(BodyDecoder, ChunkedInAnyPieces) {
    const std::string wire = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    for (size_t step : {1u, 3u, 1000u}) {
        BodyDecoder d(parse_ok("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 100);
        size_t used = 0;
        for (size_t i = 0; i < wire.size() && !d.done(); i += step)
            used += d.feed(std::string_view(wire).substr(i, step));
        ASSERT_TRUE(d.done()) << step;
        EXPECT_EQ(d.body(), "hello world");
        EXPECT_EQ(wire.substr(used), "NEXT");
    }
}

TEST(BodyDecoder, ChunkedOverTheLimitIs413) {
    std::string wire;
    for (int i = 0; i < 100; ++i) wire += "10\r\n0123456789abcdef\r\n";
    BodyDecoder d(parse_ok("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 1000);
    feed_in_pieces(d, wire, 7);
    ASSERT_TRUE(d.failed());
    EXPECT_EQ(d.error().status, 413);
    EXPECT_LE(d.body().size(), 1000u);
}

TEST(BodyDecoder, MalformedChunkedIs400) {
    for (const char* wire : {"zz\r\n", "5\r\nhelloXX\r\n", "fffffffffffffffff\r\n"}) {
        BodyDecoder d(parse_ok("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 1000);
        d.feed(wire);
        EXPECT_TRUE(d.failed()) << wire;
        EXPECT_EQ(d.error().status, 400) << wire;
    }
}

TEST(BodyDecoder, GzipIsLimitedOnDecodedBytes) {
    const std::string json = "{\"content\": \"" + std::string(1 << 20, 'a') + "\"}";
    const std::string packed = gzipped(json);
    ASSERT_LT(packed.size(), 8000u);
    const std::string head =
        "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(packed.size()) +
        "\r\n\r\n";
    BodyDecoder small_limit(parse_ok(head), 64 << 10);
    feed_in_pieces(small_limit, packed, 4096);
    ASSERT_TRUE(small_limit.failed());
    EXPECT_EQ(small_limit.error().status, 413);
    EXPECT_LE(small_limit.body().size(), 64u << 10);

    BodyDecoder large_limit(parse_ok(head), 2 << 20);
    feed_in_pieces(large_limit, packed, 100);
    ASSERT_TRUE(large_limit.done());
    EXPECT_EQ(large_limit.body(), json);
}

TEST(BodyDecoder, CorruptOrTruncatedGzipIs400) {
    const std::string packed = gzipped("hello hello hello");
    for (const std::string& wire : {std::string("not gzip at all"), packed.substr(0, packed.size() - 6)}) {
        BodyDecoder d(parse_ok("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                               std::to_string(wire.size()) + "\r\n\r\n"),
                      1000);
        d.feed(wire);
        ASSERT_TRUE(d.failed());
        EXPECT_EQ(d.error().status, 400);
    }
}

AccessRequest post(const std::string& host, const std::string& content_type = "application/json") {
    AccessRequest r;
    r.method = "POST";
    r.path = "/v1/completions";
    r.host = host;
    r.has_host = true;
    r.content_type = content_type;
    return r;
}

TEST(AccessPolicy, KeylessLoopbackChecksHostAndContentType) {
    const AccessPolicy p(AccessConfig{{}, {}, {}, "127.0.0.1", 8080});
    EXPECT_EQ(p.decide(post("127.0.0.1:8080")).status, 0);
    EXPECT_EQ(p.decide(post("localhost")).status, 0);
    EXPECT_EQ(p.decide(post("[::1]:8080")).status, 0);
    EXPECT_EQ(p.decide(post("evil.example:8080")).status, 403);
    EXPECT_EQ(p.decide(post("127.0.0.1:8081")).status, 403);
    EXPECT_EQ(p.decide(post("127.0.0.1:8080", "text/plain")).status, 415);
    EXPECT_EQ(p.decide(post("127.0.0.1:8080", "Application/JSON; charset=utf-8")).status, 0);
}

TEST(AccessPolicy, NoHostCheckWithAKeyOrOffLoopback) {
    EXPECT_FALSE(AccessPolicy(AccessConfig{{"k"}, {}, {}, "127.0.0.1", 1}).checks_host());
    EXPECT_FALSE(AccessPolicy(AccessConfig{{}, {}, {}, "0.0.0.0", 1}).checks_host());
    EXPECT_FALSE(AccessPolicy(AccessConfig{{}, {}, {"*"}, "127.0.0.1", 1}).checks_host());
    EXPECT_TRUE(AccessPolicy(AccessConfig{{}, {}, {"a.b"}, "0.0.0.0", 1}).checks_host());
}

TEST(AccessPolicy, OriginsAndPreflight) {
    const AccessPolicy p(AccessConfig{{}, {"http://app.example"}, {}, "127.0.0.1", 8080});
    AccessRequest r = post("127.0.0.1:8080");
    r.has_origin = true;
    r.origin = "http://127.0.0.1:8080";  // the playground: same origin
    EXPECT_EQ(p.decide(r).status, 0);
    r.origin = "http://evil.example";
    EXPECT_EQ(p.decide(r).status, 403);
    r.origin = "http://app.example";
    AccessDecision d = p.decide(r);
    EXPECT_EQ(d.status, 0);
    ASSERT_FALSE(d.headers.empty());
    EXPECT_EQ(d.headers[0].second, "http://app.example");
    r.method = "OPTIONS";
    r.is_preflight = true;
    r.content_type = "";
    EXPECT_EQ(p.decide(r).status, 204);
}

TEST(AccessPolicy, KeysNeedBearer) {
    const AccessPolicy p(AccessConfig{{"one", "two"}, {}, {}, "127.0.0.1", 8080});
    AccessRequest r = post("x");
    for (const char* auth : {"Bearer one", "bearer two", "Bearer  one "}) {
        r.authorization = auth;
        EXPECT_EQ(p.decide(r).status, 0) << auth;
    }
    for (const char* auth : {"one", "Bearer on", "Bearer one1", "Basic one", ""}) {
        r.authorization = auth;
        EXPECT_EQ(p.decide(r).status, 401) << auth;
    }
    r.path = "/health";
    r.method = "GET";
    r.authorization = "";
    EXPECT_EQ(p.decide(r).status, 0);
}

TEST(AccessPolicy, CollectsKeysFromEverySource) {
    EXPECT_EQ(collect_api_keys({"a", " "}, "", "b"), (std::vector<std::string>{"a", "b"}));
    EXPECT_THROW(collect_api_keys({}, "/nonexistent/keys", nullptr), std::exception);
}

}  // namespace
}  // namespace loom::server
