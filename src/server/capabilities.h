// What each loaded model serves: the kinds, capabilities and routes reported by GET /props, GET /v1/models
// ("capabilities") and the start-up lines, so clients (the playground) show only what the server can do.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/server.h"

namespace loom::server {

struct ServedModelInfo {
    std::string id;    // as /v1/models names it
    std::string kind;  // "decoder", "embedding", "translation", "ner"
    std::vector<std::string>
        capabilities;                 // "chat", "completion", "tokenize", "embeddings", "translate", ...
    std::vector<std::string> routes;  // the POST routes that use it
};

std::vector<ServedModelInfo> served_models(const ServerModel& model, bool has_chat_template);

// One start-up line per model: "loom serve: model NAME (KIND): capability, ... at /route ...".
std::vector<std::string> startup_lines(const ServerModel& model, bool has_chat_template);

// GET /props: {"models": [{id, kind, capabilities, routes}], "chat_template", "n_ctx", "slots",
// "sampling_defaults", "test_pacing"}.
nlohmann::json props_json(const ServerModel& model, const ServerConfig& config, bool has_chat_template);

}  // namespace loom::server
