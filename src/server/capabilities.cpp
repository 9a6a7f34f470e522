#include "server/capabilities.h"

namespace loom::server {

std::vector<ServedModelInfo> served_models(const ServerModel& m, bool has_chat_template) {
    std::vector<ServedModelInfo> out;
    if (m.model) {
        ServedModelInfo d{m.name, "decoder", {}, {}};
        if (has_chat_template) d.capabilities.push_back("chat");
        d.capabilities.insert(d.capabilities.end(), {"completion", "tokenize", "attention"});
        if (has_chat_template) d.routes.push_back("/v1/chat/completions");
        d.routes.insert(d.routes.end(), {"/v1/completions", "/tokenize", "/detokenize"});
        if (has_chat_template) d.routes.push_back("/apply-template");
        d.routes.push_back("/v1/attention");
        out.push_back(d);
    }
    if (m.embedder) {
        ServedModelInfo e{m.embedding_name, "embedding", {"embeddings", "attention"}, {"/v1/embeddings"}};
        if (!m.model) {  // /tokenize falls back to the embedding model's tokenizer
            e.capabilities.push_back("tokenize");
            e.routes.insert(e.routes.end(), {"/tokenize", "/detokenize"});
        }
        e.routes.push_back("/v1/attention");
        out.push_back(e);
    }
    if (m.translator) out.push_back({m.translate_name, "translation", {"translate"}, {"/v1/translate"}});
    if (m.ner) out.push_back({m.ner_name, "ner", {"ner", "attention"}, {"/v1/ner", "/v1/attention"}});
    return out;
}

std::vector<std::string> startup_lines(const ServerModel& model, bool has_chat_template) {
    std::vector<std::string> lines;
    for (const ServedModelInfo& s : served_models(model, has_chat_template)) {
        std::string line = "loom serve: model " + s.id + " (" + s.kind + "): ";
        for (size_t i = 0; i < s.capabilities.size(); ++i) line += (i ? ", " : "") + s.capabilities[i];
        line += " at";
        for (const std::string& r : s.routes) line += " " + r;
        if (s.kind == "decoder" && !has_chat_template) line += " (no chat template: no chat)";
        lines.push_back(line);
    }
    if (lines.empty()) lines.push_back("loom serve: no model loaded");
    return lines;
}

nlohmann::json props_json(const ServerModel& model, const ServerConfig& config, bool has_chat_template) {
    nlohmann::json models = nlohmann::json::array();
    for (const ServedModelInfo& s : served_models(model, has_chat_template))
        models.push_back(
            {{"id", s.id}, {"kind", s.kind}, {"capabilities", s.capabilities}, {"routes", s.routes}});
    nlohmann::json p = {
        {"models", models}, {"chat_template", has_chat_template}, {"test_pacing", config.test_pacing}};
    if (model.model) {
        p["n_ctx"] = config.scheduler.n_ctx;
        p["slots"] = config.scheduler.n_slots;
        // OpenAI's defaults, not the CLI's (docs/server.md says why).
        p["sampling_defaults"] = {{"temperature", 1.0},
                                  {"top_p", 1.0},
                                  {"top_k", 0},
                                  {"min_p", 0.0},
                                  {"max_tokens_completions", 16},
                                  {"max_tokens_chat", "the rest of the context"}};
    }
    return p;
}

}  // namespace loom::server
