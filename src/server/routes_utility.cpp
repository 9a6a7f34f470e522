// The routes around generation: /health, /metrics, /v1/models, /tokenize, /detokenize, /v1/embeddings and
// the playground's files.
#include <httplib.h>

#include <cstring>
#include <limits>

#include "server/api_error.h"
#include "server/capabilities.h"
#include "server/playground_assets.h"
#include "server/request_log.h"
#include "server/request_parse.h"
#include "server/response_format.h"
#include "server/route_requests.h"
#include "server/server_context.h"

namespace loom::server {
namespace {

// Standard base64 of raw bytes (OpenAI's encoding_format "base64": little-endian float32 values).
std::string base64(const unsigned char* data, size_t n) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((n + 2) / 3 * 4);
    for (size_t i = 0; i < n; i += 3) {
        const uint32_t b = (uint32_t{data[i]} << 16) | (i + 1 < n ? uint32_t{data[i + 1]} << 8 : 0) |
                           (i + 2 < n ? uint32_t{data[i + 2]} : 0);
        out += alphabet[(b >> 18) & 63];
        out += alphabet[(b >> 12) & 63];
        out += i + 1 < n ? alphabet[(b >> 6) & 63] : '=';
        out += i + 2 < n ? alphabet[b & 63] : '=';
    }
    return out;
}

const Tokenizer& text_tokenizer(ServerContext& ctx) {
    if (ctx.model.tokenizer) return *ctx.model.tokenizer;
    if (ctx.model.embedder) return ctx.model.embedder->runner().tokenizer();
    throw ApiError(400, "no tokenizer loaded");
}

// [id, ...] or [{"id", "piece"}, ...]
nlohmann::json token_list(const Tokenizer& tok, const std::vector<int32_t>& ids, bool with_pieces) {
    nlohmann::json tokens = nlohmann::json::array();
    for (const int32_t id : ids) {
        if (with_pieces)
            tokens.push_back({{"id", id}, {"piece", tok.decode(std::span<const int32_t>(&id, 1), false)}});
        else
            tokens.push_back(id);
    }
    return tokens;
}

void tokenize(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = parse_json_object(req.body);
    const TokenizeRequest r = parse_tokenize_request(body);
    const std::string& content = r.content;
    const bool add_special = r.add_special;
    const bool with_pieces = r.with_pieces;
    const Tokenizer& tok = text_tokenizer(ctx);
    const Encoding enc = tok.encode(content, add_special);
    res.set_content(json_text({{"tokens", token_list(tok, enc.ids, with_pieces)}}), "application/json");
}

// POST /apply-template: the prompt text the chat template makes of `messages`, and its tokens (as
// /v1/chat/completions would feed them to the model).
void apply_template(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    if (!ctx.model.model)
        throw ApiError(400, "this server has no text-generation model (it serves embeddings only)",
                       "invalid_request_error", "model");
    const ApplyTemplateRequest r = parse_apply_template_request(parse_json_object(req.body));
    const std::string prompt = render_chat_prompt(ctx, r.messages, r.add_generation_prompt);
    const std::vector<int32_t> ids = ctx.model.tokenizer->encode(prompt, false).ids;
    request_note().prompt_tokens = static_cast<int64_t>(ids.size());
    res.set_content(json_text({{"prompt", prompt},
                               {"n_tokens", ids.size()},
                               {"tokens", token_list(*ctx.model.tokenizer, ids, r.with_pieces)}}),
                    "application/json");
}

void detokenize(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = parse_json_object(req.body);
    const std::vector<int32_t> ids = parse_detokenize_request(body, text_tokenizer(ctx).vocab_size());
    res.set_content(json_text({{"content", text_tokenizer(ctx).decode(ids, false)}}), "application/json");
}

void embeddings(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    if (!ctx.model.embedder)
        throw ApiError(
            400, "this server has no embedding model (start it with an encoder folder or --embedding-model)",
            "invalid_request_error", "model");
    const nlohmann::json body = parse_json_object(req.body);
    const EmbeddingsRequest r = parse_embeddings_request(body);
    const std::vector<std::string>& texts = r.texts;
    int64_t n_tokens = 0;
    for (const std::string& t : texts)
        n_tokens += static_cast<int64_t>(ctx.model.embedder->runner().tokenizer().encode(t, true).ids.size());
    request_note().prompt_tokens = n_tokens;
    std::vector<std::vector<float>> vectors;
    {
        std::lock_guard lock(ctx.embed_mutex);
        vectors = ctx.model.embedder->embed(texts);
    }
    nlohmann::json data = nlohmann::json::array();
    for (size_t i = 0; i < vectors.size(); ++i) {
        nlohmann::json e = {{"object", "embedding"}, {"index", i}};
        if (r.base64)
            e["embedding"] = base64(reinterpret_cast<const unsigned char*>(vectors[i].data()),
                                    vectors[i].size() * sizeof(float));
        else
            e["embedding"] = vectors[i];
        data.push_back(e);
    }
    res.set_content(json_text({{"object", "list"},
                               {"data", data},
                               {"model", ctx.model.embedding_name},
                               {"usage", {{"prompt_tokens", n_tokens}, {"total_tokens", n_tokens}}}}),
                    "application/json");
}

}  // namespace

Handler guarded(ServerContext& ctx, Handler inner) {
    return [&ctx, inner](const httplib::Request& req, httplib::Response& res) {
        ctx.metrics.requests_total.fetch_add(1);
        try {
            inner(req, res);
        } catch (const ApiError& e) {
            send_error(ctx, res, e.status, e.what(), e.type, e.param, e.code);
        } catch (const std::exception& e) {
            send_error(ctx, res, 400, e.what());
        }
        release_memory_after(req);
    };
}

void add_utility_routes(httplib::Server& server, ServerContext& ctx) {
    add_get(server, ctx, "/health", [&ctx](const httplib::Request&, httplib::Response& res) {
        if (ctx.shutting_down.load()) {
            res.status = 503;
            res.set_content(R"({"status":"shutting down"})", "application/json");
            return;
        }
        res.set_content(R"({"status":"ok"})", "application/json");
    });
    add_get(server, ctx, "/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
        res.set_content(ctx.metrics.prometheus_text(), "text/plain; version=0.0.4");
    });
    add_get(server, ctx, "/slots", guarded(ctx, [&ctx](const httplib::Request&, httplib::Response& res) {
                if (!ctx.scheduler)
                    throw ApiError(400, "this server has no text-generation model (it serves embeddings only)",
                                   "invalid_request_error");
                nlohmann::json slots = nlohmann::json::array();
                for (const Scheduler::SlotInfo& s : ctx.scheduler->describe_slots())
                    slots.push_back({{"id", s.id},
                                     {"state", s.state},
                                     {"n_ctx", ctx.scheduler->config().n_ctx},
                                     {"positions", s.positions},
                                     {"kv_blocks", s.blocks},
                                     {"prompt_tokens", s.prompt_tokens},
                                     {"cached_prompt_tokens", s.cached_prompt_tokens},
                                     {"generated_tokens", s.generated_tokens}});
                const Metrics& m = ctx.metrics;
                res.set_content(json_text({{"kv", {{"block_size", m.kv_block_size},
                                                   {"blocks_total", m.kv_blocks_total},
                                                   {"blocks_free", m.kv_blocks_free.load()},
                                                   {"blocks_cached", m.kv_blocks_cached.load()}}},
                                           {"slots", slots}}),
                                "application/json");
            }));
    add_get(server, ctx, "/v1/models", guarded(ctx, [&ctx](const httplib::Request&, httplib::Response& res) {
                nlohmann::json data = nlohmann::json::array();
                for (const ServedModelInfo& s : served_models(ctx.model, ctx.chat_template.has_value()))
                    data.push_back({{"id", s.id},
                                    {"object", "model"},
                                    {"created", 0},
                                    {"owned_by", "loom"},
                                    {"kind", s.kind},
                                    {"capabilities", s.capabilities}});
                res.set_content(json_text({{"object", "list"}, {"data", data}}), "application/json");
            }));
    add_get(server, ctx, "/props", guarded(ctx, [&ctx](const httplib::Request&, httplib::Response& res) {
                res.set_content(json_text(props_json(ctx.model, ctx.config, ctx.chat_template.has_value())),
                                "application/json");
            }));
    add_post(server, ctx, "/tokenize",
             guarded(ctx, [&ctx](const auto& req, auto& res) { tokenize(ctx, req, res); }));
    add_post(server, ctx, "/detokenize",
             guarded(ctx, [&ctx](const auto& req, auto& res) { detokenize(ctx, req, res); }));
    add_post(server, ctx, "/apply-template",
             guarded(ctx, [&ctx](const auto& req, auto& res) { apply_template(ctx, req, res); }));
    for (const char* path : {"/v1/embeddings", "/embeddings"})
        add_post(server, ctx, path,
                 guarded(ctx, [&ctx](const auto& req, auto& res) { embeddings(ctx, req, res); }));
    for (const EmbeddedAsset& asset : playground_assets()) {
        const std::string path = std::string("/") + asset.name;
        auto serve = [&asset](const httplib::Request&, httplib::Response& res) {
            res.set_content(reinterpret_cast<const char*>(asset.data), asset.size, asset.content_type);
        };
        add_get(server, ctx, path, serve);
        if (path == "/index.html") add_get(server, ctx, "/", serve);
    }
}

}  // namespace loom::server
