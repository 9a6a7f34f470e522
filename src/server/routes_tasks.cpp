// The task routes over the models given to `loom serve` beside the decoder:
//   POST /v1/translate  {"input": "text" | ["text", ...], "source_lang": "en", "target_lang": "de",
//                        "max_tokens": 256, "num_beams": 1, "temperature": 0, "top_p": 1, "seed": -1,
//                        "truncate": false}
//     -> {"object": "list", "model", "source_lang", "target_lang",
//         "data": [{"object": "translation", "index": 0, "text": "..."}], "usage": {"prompt_tokens": N}}
//   POST /v1/ner        {"input": "text" | ["text", ...], "aggregation": "simple"}
//     -> {"object": "list", "model", "aggregation",
//         "data": [{"object": "entities", "index": 0, "entities": [ ...as `loom ner` prints... ]}]}
// Same pipelines and defaults as `loom translate` / `loom ner`, so the same input gives the same output.
// "model", when given, must name the loaded task model (else 404 model_not_found).
#include <httplib.h>

#include "core/error.h"
#include "server/api_error.h"
#include "server/request_parse.h"
#include "server/response_format.h"
#include "server/route_requests.h"
#include "server/server_context.h"

namespace loom::server {
namespace {

void check_model_name(const nlohmann::json& body, const std::string& loaded) {
    const std::string asked = string_field(body, "model", "");
    if (!asked.empty() && asked != loaded)
        throw ApiError(404,
                       "the model '" + asked + "' is not loaded for this route (loaded: '" + loaded + "')",
                       "invalid_request_error", "model", "model_not_found");
}

void translate_route(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    if (!ctx.model.translator)
        throw ApiError(400, "this server has no translation model (start it with --translate-model FOLDER)",
                       "invalid_request_error", "model");
    const nlohmann::json body = parse_json_object(req.body);
    check_model_name(body, ctx.model.translate_name);
    const TranslateRequest r = parse_translate_request(body);
    const std::vector<std::string>& texts = r.texts;
    const std::string& from = r.source_lang;
    const std::string& to = r.target_lang;
    const Seq2SeqTextOptions& options = r.options;

    std::vector<std::string> outputs;
    int64_t n_prompt = 0;
    std::string pair;
    {
        std::lock_guard lock(ctx.translate_mutex);
        Seq2SeqTextPipeline& p = *ctx.model.translator;
        try {
            p.set_translation(from, to);
        } catch (const Error& e) {
            throw ApiError(400, e.what(), "invalid_request_error",
                           to.empty() ? "source_lang" : "target_lang");
        }
        try {
            for (const std::string& t : texts)
                n_prompt += static_cast<int64_t>(p.source_ids(t, options.truncate).size());
        } catch (const Error& e) {
            throw ApiError(400, e.what(), "invalid_request_error", "input");
        }
        if (options.num_beams > 1) {
            for (auto& hypotheses : p.run_beams(texts, options)) outputs.push_back(hypotheses.front().text);
        } else {
            outputs = p.run(texts, options);
        }
        pair = p.language_pair();
    }
    nlohmann::json data = nlohmann::json::array();
    for (size_t i = 0; i < outputs.size(); ++i)
        data.push_back({{"object", "translation"}, {"index", i}, {"text", outputs[i]}});
    // Marian reports its own pair when the request named none; T5 echoes the request's.
    const size_t dash = pair.find('-');
    const std::string model_from = pair.substr(0, dash), model_to = pair.substr(dash + 1);
    res.set_content(json_text({{"object", "list"},
                               {"model", ctx.model.translate_name},
                               {"source_lang", from.empty() ? model_from : from},
                               {"target_lang", to.empty() ? model_to : to},
                               {"data", data},
                               {"usage", {{"prompt_tokens", n_prompt}, {"total_tokens", n_prompt}}}}),
                    "application/json");
}

void ner_route(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    if (!ctx.model.ner)
        throw ApiError(400,
                       "this server has no token-classification model (start it with --ner-model FOLDER)",
                       "invalid_request_error", "model");
    const nlohmann::json body = parse_json_object(req.body);
    check_model_name(body, ctx.model.ner_name);
    const NerRequest r = parse_ner_request(body);
    const std::vector<std::string>& texts = r.texts;
    const Aggregation strategy = r.aggregation;
    const std::string& aggregation = r.aggregation_name;
    nlohmann::json data = nlohmann::json::array();
    for (size_t i = 0; i < texts.size(); ++i) {
        std::vector<NerEntity> entities;
        {
            std::lock_guard lock(ctx.ner_mutex);
            entities = ctx.model.ner->run(texts[i], strategy);
        }
        data.push_back({{"object", "entities"}, {"index", i}, {"entities", ner_to_json(entities, strategy)}});
    }
    res.set_content(json_text({{"object", "list"},
                               {"model", ctx.model.ner_name},
                               {"aggregation", aggregation},
                               {"data", data}}),
                    "application/json");
}

}  // namespace

void add_task_routes(httplib::Server& server, ServerContext& ctx) {
    for (const char* path : {"/v1/translate", "/translate"})
        add_post(server, ctx, path,
                 guarded(ctx, [&ctx](const auto& req, auto& res) { translate_route(ctx, req, res); }));
    for (const char* path : {"/v1/ner", "/ner"})
        add_post(server, ctx, path,
                 guarded(ctx, [&ctx](const auto& req, auto& res) { ner_route(ctx, req, res); }));
}

}  // namespace loom::server
