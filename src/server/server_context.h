// What the route handlers share: the model, the settings, the scheduler and the counters.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "generate/chat_template.h"
#include "server/metrics.h"
#include "server/scheduler.h"
#include "server/server.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace loom::server {

struct ServerContext {
    const ServerModel& model;
    const ServerConfig& config;
    Metrics metrics;
    std::unique_ptr<Scheduler> scheduler;       // null without a decoder model
    std::optional<ChatTemplate> chat_template;  // parsed once
    std::mutex embed_mutex;                     // the Embedder runs one batch at a time
    std::mutex translate_mutex;                 // the translator: one request (pair + run) at a time
    std::mutex ner_mutex;                       // the NER pipeline: one text at a time
    std::atomic<bool> shutting_down{false};
    // Every registered path and its methods: a known path asked with another method is 405 with `Allow`.
    std::map<std::string, std::set<std::string>> route_methods;
};

// Register a handler and note its path and method in ctx.route_methods.
void add_get(httplib::Server& server, ServerContext& ctx, const std::string& path,
             std::function<void(const httplib::Request&, httplib::Response&)> handler);
void add_post(httplib::Server& server, ServerContext& ctx, const std::string& path,
              std::function<void(const httplib::Request&, httplib::Response&)> handler);

// The prompt text the model sees for chat `messages` (its chat template); ApiError(400) without a template or
// when the template fails on them.
std::string render_chat_prompt(const ServerContext& ctx, const nlohmann::ordered_json& messages,
                               bool add_generation_prompt, const nlohmann::ordered_json& tools = nullptr);

// Writes an OpenAI error object with `status` into the response (and counts it).
void send_error(ServerContext& ctx, httplib::Response& res, int status, const std::string& message,
                const std::string& type = "", const std::string& param = "", const std::string& code = "");

// After a large request (tokenizing a 1 MB prompt leaves megabytes of freed heap in the thread's arena),
// hands free heap pages back to the OS so the server's memory returns to its baseline.
void release_memory_after(const httplib::Request& req);

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

// Counts the request and turns every exception into an OpenAI error response (ApiError: its status;
// anything else: 400).
Handler guarded(ServerContext& ctx, Handler inner);

// Registers one route family each.
void add_generation_routes(httplib::Server& server, ServerContext& ctx);  // completions, chat
void add_utility_routes(httplib::Server& server, ServerContext& ctx);     // models, tokenize, embeddings, ...
void add_task_routes(httplib::Server& server, ServerContext& ctx);        // translate, ner
void add_attention_routes(httplib::Server& server, ServerContext& ctx);   // attention

}  // namespace loom::server
