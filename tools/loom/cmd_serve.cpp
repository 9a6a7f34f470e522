// `loom serve`: an OpenAI-compatible HTTP server with continuous batching and a web playground at /.
//   loom serve                                   (default model, http://127.0.0.1:8080)
//   loom serve -m model.gguf --port 0 --slots 8  (port 0: a free port, printed on stderr; -np 8 = --slots 8)
//   loom serve -m models/all-MiniLM-L6-v2        (an encoder folder: /v1/embeddings only)
//   loom serve --translate-model opus-mt-en-de --ner-model bert-ner   (adds /v1/translate and /v1/ner)
// SIGTERM / Ctrl-C: stop accepting, finish in-flight requests (cancel after --shutdown-grace), exit 0.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "chat_template_flag.h"
#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "flag_ranges.h"
#include "shared_flags.h"
#include "server/access_policy.h"
#include "server/server.h"
#include "tasks/embed.h"
#include "tasks/ner.h"
#include "tasks/translate.h"

namespace loom::cli {
namespace {

struct ServeOptions {
    std::string model, embedding_model, translate_model, ner_model;
    server::ServerConfig config;
    int64_t context = 0;
    int threads = 0;
    std::vector<std::string> api_keys;
    std::string api_key_file;
    std::string chat_template_file;  // --chat-template
    std::string kv_memory;           // --kv-memory as typed (parse_byte_size)
};

// The name a model is served under: its file or folder name ("opus-mt-en-de/" -> "opus-mt-en-de").
std::string served_name(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return std::filesystem::path(path).filename().string();
}

int run(ServeOptions& o) {
    o.config.api_keys = server::collect_api_keys(o.api_keys, o.api_key_file, std::getenv("LOOM_API_KEY"));
    server::block_shutdown_signals();  // before any thread exists (the compute pool's start with the first model pass)
    set_num_threads(o.threads);
    server::ServerModel served;
    std::unique_ptr<LoadedModel> loaded;
    std::unique_ptr<Embedder> embedder;
    const std::string path = resolve_or_pull_model_path(o.model);
    try {
        loaded = std::make_unique<LoadedModel>(load_model(path));
        apply_chat_template_flag(*loaded, o.chat_template_file);
    } catch (const Error&) {
        // An encoder folder (BERT, MiniLM, ...) serves embeddings; anything else reports the decoder error.
        if (!std::filesystem::is_directory(path)) throw;
        embedder = Embedder::open(path);
        served.embedding_name = served_name(path);
    }
    if (!o.embedding_model.empty()) {
        embedder = Embedder::open(resolve_or_pull_model_path(o.embedding_model));
        served.embedding_name = served_name(o.embedding_model);
    }
    if (loaded) {
        served.name = served_name(path);
        served.model = loaded->model.get();
        served.tokenizer = loaded->tokenizer.get();
        served.end_of_generation = loaded->end_of_generation;
        served.chat_template = loaded->chat_template;
        served.bos_token = loaded->bos_token;
        served.eos_token = loaded->eos_token;
        const Tokenizer* tokenizer = served.tokenizer;
        served.encode_prompt = [tokenizer](const std::string& text) {
            return tokenizer->encode(text, true).ids;
        };
        o.config.scheduler.n_ctx = choose_context(loaded->model->config(), o.context);
        if (!o.kv_memory.empty()) o.config.scheduler.kv_memory = parse_byte_size(o.kv_memory);
    }
    served.embedder = embedder.get();
    std::unique_ptr<Seq2SeqTextPipeline> translator;
    if (!o.translate_model.empty()) {
        translator = Seq2SeqTextPipeline::open(resolve_or_pull_model_path(o.translate_model));
        served.translator = translator.get();
        served.translate_name = served_name(o.translate_model);
    }
    std::unique_ptr<NerPipeline> ner;
    if (!o.ner_model.empty()) {
        EncoderInputOptions options;
        options.truncate = true;  // as `loom ner` does by default
        ner = NerPipeline::open(resolve_or_pull_model_path(o.ner_model), options);
        served.ner = ner.get();
        served.ner_name = served_name(o.ner_model);
    }
    return server::run_server(served, o.config, [&](int port) {
        std::fprintf(stderr, "loom serve: %s%s%s on http://%s:%d (%d slots x %lld tokens)\n",
                     served.name.c_str(), served.name.empty() || served.embedding_name.empty() ? "" : " + ",
                     served.embedding_name.c_str(), o.config.host.c_str(), port, o.config.scheduler.n_slots,
                     static_cast<long long>(o.config.scheduler.n_ctx));
        std::fflush(stderr);
    });
}

CommandRegistrar serve_registrar(
    {"serve", "OpenAI-compatible HTTP server (completions, chat, embeddings) with a web playground",
     [](CLI::App& app) -> std::function<int()> {
         auto o = std::make_shared<ServeOptions>();
         app.add_option("-m,--model", o->model, "model file or folder (default: the default model)");
         add_chat_template_flag(app, o->chat_template_file);
         add_offline_flag(app);
         app.add_option("--host", o->config.host, "address to listen on")->capture_default_str();
         app.add_option("--port", o->config.port, "port (0: any free port)")
             ->capture_default_str()
             ->check(whole_number(0, 65535));
         app.add_option("--slots,--parallel", o->config.scheduler.n_slots,
                        "sequences decoded together (also -np, as llama-server)")
             ->capture_default_str()
             ->check(whole_number(1, 256));
         const CLI::Validator context_range = whole_number(0, 1 << 24);
         app.add_option("-c,--ctx-size", o->context, "context window per slot (0: min(trained, 4096))")
             ->capture_default_str()
             ->check(context_range);
         add_hidden_alias(app, "--ctx", o->context, &context_range);
         add_threads_flag(app, o->threads);
         app.add_option(
             "--api-key", o->api_keys,
             "require \"Authorization: Bearer KEY\" (repeatable; also --api-key-file, LOOM_API_KEY)");
         app.add_option("--api-key-file", o->api_key_file, "file of API keys, one per line ('#' comments)");
         app.add_option("--cors-origins", o->config.cors_origins,
                        "origins allowed cross-origin use, comma-separated (\"*\": any; default: none)")
             ->delimiter(',');
         app.add_option("--allowed-hosts", o->config.allowed_hosts,
                        "Host values a keyless loopback server accepts besides localhost/127.0.0.1/[::1] "
                        "(\"*\": any)")
             ->delimiter(',');
         app.add_option("--embedding-model", o->embedding_model, "encoder folder for /v1/embeddings");
         app.add_option("--translate-model", o->translate_model,
                        "encoder-decoder folder (Marian, T5) for /v1/translate");
         app.add_option("--ner-model", o->ner_model, "token-classification folder for /v1/ner");
         app.add_option("--max-queue", o->config.scheduler.max_queue,
                        "requests waiting for a slot before 429")
             ->capture_default_str()
             ->check(whole_number(0, kNoUpperBound));
         app.add_option("--prefill-chunk", o->config.scheduler.prefill_chunk,
                        "prompt tokens per prefill step")
             ->capture_default_str()
             ->check(whole_number(1, 1 << 20));
         app.add_option("--kv-memory", o->kv_memory,
                        "memory for all sequences' keys/values, e.g. 512M, 2G (default: slots x ctx positions)")
             ->check(byte_size(1));
         app.add_flag_function(
             "--no-prefix-cache", [o](int64_t) { o->config.scheduler.prefix_cache = false; },
             "recompute every prompt (default: reuse the KV of prompt prefixes other requests have run)");
         app.add_option("--timeout", o->config.request_timeout_s, "per-request time limit in seconds")
             ->capture_default_str()
             ->check(real_number(0, 1e9, true));
         app.add_option("--max-body", o->config.max_body_bytes,
                        "largest request body in bytes, decoded (chunked, gzip); else 413")
             ->capture_default_str()
             ->check(whole_number(1, int64_t{1} << 40));
         app.add_option("--header-timeout", o->config.header_timeout_s,
                        "seconds a request's headers may take to arrive (else 408 and closed)")
             ->capture_default_str()
             ->check(real_number(0, 1e9, true));
         app.add_option("--body-timeout", o->config.body_timeout_s,
                        "seconds a request's body may take to arrive once its headers did (else 408)")
             ->capture_default_str()
             ->check(real_number(0, 1e9, true));
         app.add_option("--max-pending-connections", o->config.max_pending_connections,
                        "connections held while their headers arrive; beyond, the oldest is closed")
             ->capture_default_str()
             ->check(whole_number(1, 1 << 20));
         app.add_option("--rate-limit", o->config.rate_limit_per_minute,
                        "requests per minute from one client IP, as a burst-tolerant bucket (else 429; 0: no "
                        "limit)")
             ->capture_default_str()
             ->check(whole_number(0, 1 << 30));
         app.add_option("--max-client-connections", o->config.max_client_connections,
                        "connections one client IP may hold open at once (else 429; 0: no limit)")
             ->capture_default_str()
             ->check(whole_number(0, 1 << 20));
         app.add_option("--shutdown-grace", o->config.shutdown_grace_s,
                        "seconds in-flight work may take after SIGTERM before it is cancelled")
             ->capture_default_str()
             ->check(real_number(0, 1e9));
         return [o] { return run(*o); };
     }});

}  // namespace
}  // namespace loom::cli
