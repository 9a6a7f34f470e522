// libFuzzer target: the JSON body of every `loom serve` route, as the routes parse it before touching a
// model: parse_json_object (nesting bound), completions and chat (request_parse.h), tokenize, detokenize,
// embeddings, translate, NER and attention (route_requests.h). An ApiError is the expected answer to a bad
// body; any other exception, a crash, a sanitizer report or a hang is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/api_error.h"
#include "server/request_parse.h"
#include "server/route_requests.h"

namespace {

template <typename F>
void expect_api_errors_only(F&& parse) {
    try {
        parse();
    } catch (const loom::server::ApiError& e) {
        if (e.status < 400 || e.status > 499) std::abort();  // a bad body is the client's fault: 4xx
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace loom::server;
    nlohmann::json body;
    try {
        body = parse_json_object(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const ApiError& e) {
        if (e.status != 400) std::abort();
        return 0;
    }
    expect_api_errors_only([&] { (void)parse_generation_request(body, false); });
    expect_api_errors_only([&] { (void)parse_generation_request(body, true); });
    expect_api_errors_only([&] { (void)parse_tokenize_request(body); });
    expect_api_errors_only([&] { (void)parse_detokenize_request(body, 49152); });
    expect_api_errors_only([&] { (void)parse_embeddings_request(body); });
    expect_api_errors_only([&] { (void)parse_translate_request(body); });
    expect_api_errors_only([&] { (void)parse_ner_request(body); });
    expect_api_errors_only([&] { (void)parse_attention_request(body); });
    expect_api_errors_only([&] { (void)parse_apply_template_request(body); });
    return 0;
}
