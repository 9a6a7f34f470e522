// `loom serve`: an OpenAI-compatible HTTP server over one model (cpp-httplib), with the playground at /.
//   POST /v1/completions, /v1/chat/completions   (SSE streaming, stop, max_tokens, temperature, top_p, seed,
//                                                  logprobs / top_logprobs, logit_bias, n)
//   POST /v1/embeddings                            (when an encoder model is loaded)
//   POST /v1/translate, /v1/ner                    (with --translate-model / --ner-model; routes_tasks.cpp)
//   POST /v1/attention                             (attention maps of the decoder or an encoder)
//   POST /tokenize, /detokenize, /apply-template   (apply-template: the chat template's prompt and tokens)
//   GET  /v1/models, /props (what each model can do: capabilities.h), /health, /metrics (Prometheus)
//   GET  /  (the playground: src/server/playground/*, embedded in the binary)
// A known route asked with another method is 405 with Allow; every request is one line on stderr
// (request_log.h) and each loaded model one line at start-up.
// Errors are OpenAI's {"error": {message, type, param, code}} with a 4xx/5xx status. Who may call which route
// (API keys, Host, Origin, Content-Type) is access_policy.h; the HTTP limits are guarded_server.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/decoder_model.h"
#include "server/scheduler.h"
#include "tasks/embed.h"
#include "tasks/ner.h"
#include "tasks/translate.h"
#include "tokenizer/tokenizer.h"

namespace loom::server {

struct ServerModel {
    std::string name;               // reported by /v1/models and in responses
    DecoderModel* model = nullptr;  // null: an embeddings-only server
    const Tokenizer* tokenizer = nullptr;
    std::vector<int32_t> end_of_generation;
    std::string chat_template;         // "" when the model has none (chat routes answer 400)
    std::string bos_token, eos_token;  // for the chat template
    // Encodes a completion prompt the way the model expects (special tokens / BOS added).
    std::function<std::vector<int32_t>(const std::string&)> encode_prompt;
    const Embedder* embedder = nullptr;  // for /v1/embeddings; null: the route answers 400
    std::string embedding_name;
    // Task models (null: the route answers 400). The translator is not const: each request sets its pair.
    Seq2SeqTextPipeline* translator = nullptr;
    std::string translate_name;
    const NerPipeline* ner = nullptr;
    std::string ner_name;
};

struct ServerConfig {
    std::string host = "127.0.0.1";
    int port = 8080;  // 0: any free port (the chosen one goes to on_listening)
    // Access (access_policy.h): any of these keys as "Authorization: Bearer KEY"; empty: no key.
    std::vector<std::string> api_keys;
    std::vector<std::string> cors_origins;   // origins allowed cross-origin use ("*": any); empty: none
    std::vector<std::string> allowed_hosts;  // extra Host values for a keyless loopback server ("*": any)
    SchedulerConfig scheduler;
    size_t max_body_bytes = 4u << 20;  // decoded request body, any transfer or content encoding; larger: 413
    double request_timeout_s = 300;    // per request, queue wait included
    // HTTP transport limits (guarded_server.h): deadlines for a request's head and body, and how many
    // connections may be held while their head arrives.
    double header_timeout_s = 10;
    double body_timeout_s = 60;
    size_t max_pending_connections = 1024;
    // Per client IP (client_limits.h): requests per minute (a token bucket; 0: unlimited) and connections
    // open at once (0: unlimited). Off by default: see docs/security.md.
    size_t rate_limit_per_minute = 0;
    size_t max_client_connections = 0;
    int http_threads = 0;          // 0: slots + queue + 16
    double shutdown_grace_s = 15;  // on SIGTERM: how long in-flight work may take before it is cancelled
    // Tests only: accept "loom_test_token_delay_ms" in generation requests (a paced stream). run_server turns
    // it on when the environment has LOOM_SERVE_TEST_PACING=1; otherwise such a request is a 400.
    bool test_pacing = false;
};

// Blocks SIGTERM / SIGINT in the calling thread, so threads started afterwards (the compute pool's workers included)
// inherit the mask and run_server's watcher is the one that receives them. Call before loading the model.
void block_shutdown_signals();

// Serves until SIGTERM or SIGINT, then shuts down gracefully (stops accepting, lets in-flight work finish
// within the grace period, cancels the rest) and returns 0. Throws loom::Error when it cannot bind.
// Blocks SIGTERM / SIGINT in the calling thread (and the threads it starts) to receive them itself.
int run_server(const ServerModel& model, const ServerConfig& config,
               const std::function<void(int port)>& on_listening = {});

}  // namespace loom::server
