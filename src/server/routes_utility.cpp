// The routes around generation: /health, /metrics, /v1/models, /tokenize, /detokenize, /v1/embeddings and
// the playground's files.
#include <httplib.h>

#include <cstring>
#include <limits>

#include "server/api_error.h"
#include "server/playground_assets.h"
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

void tokenize(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = parse_json_object(req.body);
    const TokenizeRequest r = parse_tokenize_request(body);
    const std::string& content = r.content;
    const bool add_special = r.add_special;
    const bool with_pieces = r.with_pieces;
    const Tokenizer& tok = text_tokenizer(ctx);
    const Encoding enc = tok.encode(content, add_special);
    nlohmann::json tokens = nlohmann::json::array();
    for (size_t i = 0; i < enc.ids.size(); ++i) {
        if (!with_pieces) {
            tokens.push_back(enc.ids[i]);
            continue;
        }
        const int32_t id = enc.ids[i];
        tokens.push_back({{"id", id}, {"piece", tok.decode(std::span<const int32_t>(&id, 1), false)}});
    }
    res.set_content(json_text({{"tokens", tokens}}), "application/json");
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
    server.Get("/health", [&ctx](const httplib::Request&, httplib::Response& res) {
        if (ctx.shutting_down.load()) {
            res.status = 503;
            res.set_content(R"({"status":"shutting down"})", "application/json");
            return;
        }
        res.set_content(R"({"status":"ok"})", "application/json");
    });
    server.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
        res.set_content(ctx.metrics.prometheus_text(), "text/plain; version=0.0.4");
    });
    server.Get("/v1/models", guarded(ctx, [&ctx](const httplib::Request&, httplib::Response& res) {
                   nlohmann::json data = nlohmann::json::array();
                   for (const std::string* name : {&ctx.model.name, &ctx.model.embedding_name,
                                                   &ctx.model.translate_name, &ctx.model.ner_name})
                       if (!name->empty())
                           data.push_back(
                               {{"id", *name}, {"object", "model"}, {"created", 0}, {"owned_by", "loom"}});
                   res.set_content(json_text({{"object", "list"}, {"data", data}}), "application/json");
               }));
    server.Post("/tokenize", guarded(ctx, [&ctx](const auto& req, auto& res) { tokenize(ctx, req, res); }));
    server.Post("/detokenize",
                guarded(ctx, [&ctx](const auto& req, auto& res) { detokenize(ctx, req, res); }));
    for (const char* path : {"/v1/embeddings", "/embeddings"})
        server.Post(path, guarded(ctx, [&ctx](const auto& req, auto& res) { embeddings(ctx, req, res); }));
    for (const EmbeddedAsset& asset : playground_assets()) {
        const std::string path = std::string("/") + asset.name;
        auto serve = [&asset](const httplib::Request&, httplib::Response& res) {
            res.set_content(reinterpret_cast<const char*>(asset.data), asset.size, asset.content_type);
        };
        server.Get(path, serve);
        if (path == "/index.html") server.Get("/", serve);
    }
}

}  // namespace loom::server
