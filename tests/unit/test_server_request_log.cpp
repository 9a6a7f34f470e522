// The per-request log line (request_log.h) and the parsing of the playground's routes: /apply-template and
// /v1/attention with "messages", and the test-only pacing field.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "server/api_error.h"
#include "server/request_log.h"
#include "server/request_parse.h"
#include "server/route_requests.h"

namespace loom::server {
namespace {

TEST(ServerRequestLog, LineHasTimeMethodRouteStatusTokensAndMs) {
    // 2026-12-07T16:40:00.123Z
    const int64_t ms = 1796661600123;
    EXPECT_EQ(
        request_log_line(ms, "POST", "/v1/chat/completions", 200, 12, 20, 153.4),
        "loom serve: 2026-12-07T16:40:00.123Z POST /v1/chat/completions 200 prompt=12 generated=20 153 ms");
    EXPECT_EQ(request_log_line(ms, "GET", "/health", 200, -1, -1, 0.2),
              "loom serve: 2026-12-07T16:40:00.123Z GET /health 200 0 ms");
    EXPECT_EQ(request_log_line(ms, "POST", "/v1/embeddings", 400, 7, -1, 2),
              "loom serve: 2026-12-07T16:40:00.123Z POST /v1/embeddings 400 prompt=7 2 ms");
}

TEST(ServerRequestLog, PathIsOneWordOfPrintableBytes) {
    const std::string line = request_log_line(0, "GET", "/a b\nc\x7f", 404, -1, -1, 1);
    EXPECT_NE(line.find(" /a%20b%0Ac%7F 404 "), std::string::npos) << line;
    const std::string long_line = request_log_line(0, "GET", "/" + std::string(1000, 'x'), 404, -1, -1, 1);
    EXPECT_LT(long_line.size(), 300u);
    EXPECT_NE(long_line.find("... 404 "), std::string::npos);
    EXPECT_NE(request_log_line(0, "", "", 400, -1, -1, 1).find(" - - 400 "), std::string::npos);
}

int status_of(const std::function<void()>& parse) {
    try {
        parse();
    } catch (const ApiError& e) {
        return e.status;
    }
    return 200;
}

TEST(ServerRequestLog, ApplyTemplateRequest) {
    const ApplyTemplateRequest r = parse_apply_template_request(parse_json_object(
        R"({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "hi"}]}],
            "add_generation_prompt": false, "with_pieces": true})"));
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[1]["content"], "hi");
    EXPECT_FALSE(r.add_generation_prompt);
    EXPECT_TRUE(r.with_pieces);
    for (const char* bad : {R"({})", R"({"messages": []})", R"({"messages": [{"content": "x"}]})",
                            R"({"messages": [{"role": "user", "content": 3}]})",
                            R"({"messages": [{"role": "user", "content": "x"}], "with_pieces": 1})"})
        EXPECT_EQ(status_of([&] { parse_apply_template_request(parse_json_object(bad)); }), 400) << bad;
}

TEST(ServerRequestLog, AttentionTakesInputOrMessages) {
    const AttentionRequest chat = parse_attention_request(parse_json_object(
        R"({"messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": false})"));
    EXPECT_TRUE(chat.text.empty());
    EXPECT_EQ(chat.messages.size(), 1u);
    EXPECT_FALSE(chat.add_generation_prompt);
    const AttentionRequest text = parse_attention_request(parse_json_object(R"({"input": "hi"})"));
    EXPECT_EQ(text.text, "hi");
    EXPECT_TRUE(text.messages.is_null());
    for (const char* bad : {R"({})", R"({"input": ""})", R"({"messages": []})",
                            R"({"input": "x", "messages": [{"role": "user", "content": "hi"}]})"})
        EXPECT_EQ(status_of([&] { parse_attention_request(parse_json_object(bad)); }), 400) << bad;
}

TEST(ServerRequestLog, TestPacingFieldIsBounded) {
    EXPECT_EQ(parse_generation_request(parse_json_object(R"({"prompt": "x"})"), false).test_token_delay_ms,
              0);
    EXPECT_EQ(parse_generation_request(
                  parse_json_object(R"({"prompt": "x", "loom_test_token_delay_ms": 50})"), false)
                  .test_token_delay_ms,
              50);
    for (const char* bad : {R"({"prompt": "x", "loom_test_token_delay_ms": -1})",
                            R"({"prompt": "x", "loom_test_token_delay_ms": 100000})"})
        EXPECT_EQ(status_of([&] { parse_generation_request(parse_json_object(bad), false); }), 400) << bad;
}

}  // namespace
}  // namespace loom::server
