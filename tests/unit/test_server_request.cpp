// Request validation of the OpenAI routes: every malformed body is an ApiError with status 400 naming the
// field, never another exception.
#include <gtest/gtest.h>

#include <string>

#include "server/api_error.h"
#include "server/request_parse.h"

namespace loom::server {
namespace {

int status_of(const std::string& body, bool chat) {
    try {
        parse_generation_request(parse_json_object(body), chat);
    } catch (const ApiError& e) {
        return e.status;
    }
    return 200;
}

std::string param_of(const std::string& body, bool chat) {
    try {
        parse_generation_request(parse_json_object(body), chat);
    } catch (const ApiError& e) {
        return e.param;
    }
    return "";
}

TEST(ServerRequest, AcceptsWellFormedBodies) {
    GenerationRequest r = parse_generation_request(
        parse_json_object(R"({"prompt":"Hi","max_tokens":5,"temperature":0,"top_p":0.5,"seed":7,"stop":["\n"],
                              "logprobs":3,"logit_bias":{"42":-100,"7":2.5},"n":2,"stream":true})"),
        false);
    EXPECT_EQ(r.prompt_text, "Hi");
    EXPECT_EQ(r.spec.max_tokens, 5);
    EXPECT_EQ(r.spec.sampling.temperature, 0.0f);
    EXPECT_EQ(r.spec.sampling.top_p, 0.5f);
    EXPECT_EQ(r.spec.sampling.seed, 7u);
    EXPECT_EQ(r.spec.stop, std::vector<std::string>{"\n"});
    EXPECT_TRUE(r.spec.logprobs);
    EXPECT_EQ(r.spec.top_logprobs, 3u);
    EXPECT_TRUE(std::isinf(r.spec.sampling.logit_bias.at(42)));  // -100 bans the token
    EXPECT_EQ(r.spec.sampling.logit_bias.at(7), 2.5f);
    EXPECT_EQ(r.n, 2);
    EXPECT_TRUE(r.stream);

    GenerationRequest c =
        parse_generation_request(parse_json_object(R"({"messages":[{"role":"system","content":"Be brief."},
                                          {"role":"user","content":[{"type":"text","text":"Hello"}]}],
                              "logprobs":true,"top_logprobs":2})"),
                                 true);
    ASSERT_EQ(c.messages.size(), 2u);
    EXPECT_EQ(c.messages[1]["content"], "Hello");
    EXPECT_EQ(c.spec.top_logprobs, 2u);
    EXPECT_FALSE(c.max_tokens_given);

    GenerationRequest ids = parse_generation_request(parse_json_object(R"({"prompt":[1,2,3]})"), false);
    EXPECT_TRUE(ids.prompt_is_ids);
    EXPECT_EQ(ids.prompt_ids, (std::vector<int32_t>{1, 2, 3}));
}

TEST(ServerRequest, MalformedJsonIs400) {
    for (const char* body : {"", "{", "not json", "[1,2]", "\"text\"", "{\"prompt\": }", "{\"a\":1,}"})
        EXPECT_EQ(status_of(body, false), 400) << body;
}

TEST(ServerRequest, DeepNestingIsRefusedBeforeParsing) {
    const std::string deep = "{\"prompt\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_EQ(status_of(deep, false), 400);
    // Brackets inside strings do not count.
    EXPECT_EQ(status_of("{\"prompt\":\"" + std::string(1000, '[') + "\"}", false), 200);
}

TEST(ServerRequest, WrongTypesNameTheField) {
    EXPECT_EQ(param_of(R"({"prompt":"x","max_tokens":"10"})", false), "max_tokens");
    EXPECT_EQ(param_of(R"({"prompt":"x","max_tokens":0})", false), "max_tokens");
    EXPECT_EQ(param_of(R"({"prompt":"x","max_tokens":1.5})", false), "max_tokens");
    EXPECT_EQ(param_of(R"({"prompt":"x","temperature":"hot"})", false), "temperature");
    EXPECT_EQ(param_of(R"({"prompt":"x","temperature":3})", false), "temperature");
    EXPECT_EQ(param_of(R"({"prompt":"x","top_p":1.5})", false), "top_p");
    EXPECT_EQ(param_of(R"({"prompt":"x","stream":"yes"})", false), "stream");
    EXPECT_EQ(param_of(R"({"prompt":"x","stop":[1]})", false), "stop");
    EXPECT_EQ(param_of(R"({"prompt":"x","stop":["a","b","c","d","e"]})", false), "stop");
    EXPECT_EQ(param_of(R"({"prompt":"x","logit_bias":{"abc":1}})", false), "logit_bias");
    EXPECT_EQ(param_of(R"({"prompt":"x","logit_bias":{"5":500}})", false), "logit_bias");
    EXPECT_EQ(param_of(R"({"prompt":"x","n":0})", false), "n");
    EXPECT_EQ(param_of(R"({"prompt":"x","seed":"1"})", false), "seed");
    EXPECT_EQ(param_of(R"({"prompt":"x","logprobs":true})", false), "logprobs");
    EXPECT_EQ(param_of(R"({"prompt":"x","max_tokens":18446744073709551615})", false), "max_tokens");
    EXPECT_EQ(param_of(R"({"prompt":42})", false), "prompt");
    EXPECT_EQ(param_of(R"({"prompt":[-1]})", false), "prompt");
    EXPECT_EQ(param_of(R"({})", false), "prompt");
    EXPECT_EQ(param_of(R"({"messages":"hi"})", true), "messages");
    EXPECT_EQ(param_of(R"({"messages":[]})", true), "messages");
    EXPECT_EQ(param_of(R"({"messages":[{"content":"no role"}]})", true), "messages");
    EXPECT_EQ(param_of(R"({"messages":[{"role":"user","content":5}]})", true), "messages");
    EXPECT_EQ(param_of(R"({"messages":[{"role":"user","content":"x"}],"top_logprobs":3})", true),
              "top_logprobs");
    EXPECT_EQ(
        param_of(R"({"messages":[{"role":"user","content":"x"}],"top_logprobs":50,"logprobs":true})", true),
        "top_logprobs");
}

TEST(ServerRequest, ErrorBodyHasOpenAiShape) {
    const nlohmann::json e = error_body(ApiError(400, "bad", "invalid_request_error", "max_tokens"));
    EXPECT_EQ(e["error"]["message"], "bad");
    EXPECT_EQ(e["error"]["type"], "invalid_request_error");
    EXPECT_EQ(e["error"]["param"], "max_tokens");
    EXPECT_TRUE(e["error"]["code"].is_null());
}

}  // namespace
}  // namespace loom::server
