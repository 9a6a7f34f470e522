// POST /v1/attention: the attention maps of a text, as `loom attention` writes them to attention.json.
//   {"input": "text", "model": NAME (default: the decoder, else the embedding model), "layers": "all" |
//   "0,2-4",
//    "heads": "all" | "0-3", "generate": 0, "decimals": 6}
//   -> the attention.json document (attention_maps/attention_json.h): model, architecture, causal, text,
//      token_ids, tokens, labels, n_prompt, layers, heads, attention[layer][head][query][key]
// The decoder runs on the scheduler thread between two batched steps (run_exclusive), because recording
// installs a hook in the shared model; encoders (the embedding or NER model) run under their own lock.
// Memory is bounded: at most kMaxTokens tokens and kMaxCells recorded weights per request (else 400).
#include <httplib.h>

#include "attention_maps/attention_capture.h"
#include "attention_maps/attention_json.h"
#include "core/error.h"
#include "models/bert.h"
#include "server/api_error.h"
#include "server/request_log.h"
#include "server/request_parse.h"
#include "server/response_format.h"
#include "server/route_requests.h"
#include "server/server_context.h"

namespace loom::server {
namespace {

constexpr int64_t kMaxTokens = 512;        // prompt + generated
constexpr int64_t kMaxCells = 16ll << 20;  // layers x heads x tokens^2: 64 MiB of float weights

AttentionSelection select_for(const AttentionRequest& r, int64_t n_layers, int64_t n_heads) {
    try {
        return select_attention(r.layers, r.heads, n_layers, n_heads);
    } catch (const Error& e) {
        const bool heads = std::string(e.what()).find("head") != std::string::npos;
        throw ApiError(400, e.what(), "invalid_request_error", heads ? "heads" : "layers");
    }
}

void check_size(const AttentionSelection& s, int64_t n_tokens) {
    if (n_tokens > kMaxTokens)
        throw ApiError(400,
                       "attention is recorded for at most " + std::to_string(kMaxTokens) +
                           " tokens; this asks for " + std::to_string(n_tokens),
                       "invalid_request_error", "input");
    const auto cells = static_cast<int64_t>(s.layers.size() * s.heads.size()) * n_tokens * n_tokens;
    if (cells > kMaxCells)
        throw ApiError(400,
                       std::to_string(s.layers.size()) + " layers x " + std::to_string(s.heads.size()) +
                           " heads x " + std::to_string(n_tokens) +
                           "^2 tokens is more than this server records at once (" +
                           std::to_string(kMaxCells) + " weights); select fewer layers or heads",
                       "invalid_request_error", "layers");
}

void fill_attention_tokens(AttentionDocument& doc, const Tokenizer& tokenizer, std::span<const int32_t> ids) {
    doc.token_ids.assign(ids.begin(), ids.end());
    for (int32_t id : ids) {
        doc.tokens.push_back(token_label(tokenizer.id_to_token(id)));
        doc.labels.push_back(token_label(tokenizer.decode(std::span<const int32_t>(&id, 1), false)));
    }
}

std::string decoder_attention(ServerContext& ctx, const AttentionRequest& r) {
    const ServerModel& m = ctx.model;
    const bool chat = !r.messages.is_null();
    const std::string text = chat ? render_chat_prompt(ctx, r.messages, r.add_generation_prompt) : r.text;
    // A templated prompt holds its special tokens already, as /v1/chat/completions encodes it.
    const std::vector<int32_t> prompt = chat ? m.tokenizer->encode(text, false).ids : m.encode_prompt(text);
    if (prompt.empty())
        throw ApiError(400, "the input encodes to no tokens", "invalid_request_error", "input");
    const ModelConfig& c = m.model->config();
    const AttentionSelection selection = select_for(r, c.n_layer, c.n_head);
    check_size(selection, static_cast<int64_t>(prompt.size()) + r.generate);
    if (ctx.shutting_down.load())
        throw ApiError(503, "the server is shutting down", "server_overloaded", "", "shutting_down");
    DecoderCapture capture;
    ctx.scheduler->run_exclusive([&](DecoderModel& model) {
        capture = capture_decoder_attention(model, prompt, r.generate, selection, m.end_of_generation);
    });
    AttentionDocument doc;
    doc.model = m.name;
    doc.architecture = c.architecture;
    doc.causal = true;
    doc.text = text;
    doc.n_prompt = capture.n_prompt;
    request_note().prompt_tokens = capture.n_prompt;
    doc.n_model_layers = c.n_layer;
    doc.n_model_heads = c.n_head;
    fill_attention_tokens(doc, *m.tokenizer, capture.tokens);
    return attention_json(capture.maps, doc, r.decimals);
}

std::string encoder_attention(const EncoderRunner& runner, std::mutex& lock_for, const std::string& name,
                              const AttentionRequest& r) {
    if (r.generate > 0)
        throw ApiError(400, "'generate' needs a decoder model; " + name + " is an encoder",
                       "invalid_request_error", "generate");
    if (!r.messages.is_null())
        throw ApiError(400,
                       "'messages' needs a decoder model with a chat template; " + name + " is an encoder",
                       "invalid_request_error", "messages");
    const std::vector<std::string> texts = {r.text};
    const std::vector<Encoding> encodings = runner.encode(texts);
    const EncoderBatch batch = runner.make_batch(encodings);
    const EncoderConfig& c = runner.model().config();
    const AttentionSelection selection = select_for(r, c.n_layers, c.n_heads);
    check_size(selection, batch.seq_len);
    AttentionMaps maps;
    {
        std::lock_guard lock(lock_for);
        maps = capture_encoder_attention(runner.model(), batch, selection);
    }
    AttentionDocument doc;
    doc.model = name;
    doc.architecture = runner.source().architecture;
    doc.causal = false;
    doc.text = r.text;
    doc.n_prompt = batch.seq_len;
    request_note().prompt_tokens = batch.seq_len;
    doc.n_model_layers = c.n_layers;
    doc.n_model_heads = c.n_heads;
    fill_attention_tokens(doc, runner.tokenizer(), batch.ids);
    return attention_json(maps, doc, r.decimals);
}

void attention_route(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = parse_json_object(req.body);
    const AttentionRequest r = parse_attention_request(body);
    const ServerModel& m = ctx.model;
    std::string name = r.model;
    if (name.empty()) name = m.model ? m.name : m.embedder ? m.embedding_name : m.ner ? m.ner_name : "";
    std::string text;
    if (m.model && name == m.name) {
        text = decoder_attention(ctx, r);
    } else if (m.embedder && name == m.embedding_name) {
        text = encoder_attention(m.embedder->runner(), ctx.embed_mutex, name, r);
    } else if (m.ner && name == m.ner_name) {
        text = encoder_attention(m.ner->runner(), ctx.ner_mutex, name, r);
    } else {
        throw ApiError(404,
                       name.empty() ? "this server has no model to record attention from"
                                    : "the model '" + name + "' is not loaded (or records no attention here)",
                       "invalid_request_error", "model", "model_not_found");
    }
    res.set_content(text, "application/json");
}

}  // namespace

void add_attention_routes(httplib::Server& server, ServerContext& ctx) {
    for (const char* path : {"/v1/attention", "/attention"})
        add_post(server, ctx, path,
                 guarded(ctx, [&ctx](const auto& req, auto& res) { attention_route(ctx, req, res); }));
}

}  // namespace loom::server
