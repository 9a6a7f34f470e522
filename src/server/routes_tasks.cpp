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
#include "server/server_context.h"

namespace loom::server {
namespace {

constexpr size_t kMaxTexts = 64;  // texts per request: a bound on the work one request can ask for

std::vector<std::string> input_texts(const nlohmann::json& body) {
    if (!body.contains("input")) throw ApiError(400, "'input' is required", "invalid_request_error", "input");
    const nlohmann::json& input = body["input"];
    std::vector<std::string> texts;
    if (input.is_string()) {
        texts.push_back(input.get<std::string>());
    } else if (input.is_array() && !input.empty() && input.size() <= kMaxTexts) {
        for (const auto& t : input) {
            if (!t.is_string())
                throw ApiError(400, "'input' must be a string or an array of strings",
                               "invalid_request_error", "input");
            texts.push_back(t.get<std::string>());
        }
    } else {
        throw ApiError(400,
                       "'input' must be a string or a non-empty array of at most " +
                           std::to_string(kMaxTexts) + " strings",
                       "invalid_request_error", "input");
    }
    for (const std::string& t : texts)
        if (t.empty()) throw ApiError(400, "'input' holds an empty text", "invalid_request_error", "input");
    return texts;
}

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
    const std::vector<std::string> texts = input_texts(body);
    const std::string from = string_field(body, "source_lang", "");
    const std::string to = string_field(body, "target_lang", "");
    Seq2SeqTextOptions options;  // greedy, as `loom translate`
    options.generate.max_new_tokens = integer_field(body, "max_tokens", 256, 1, 1024);
    options.num_beams = static_cast<int32_t>(integer_field(body, "num_beams", 1, 1, 16));
    options.truncate = bool_field(body, "truncate", false);
    SamplingParams& s = options.generate.sampling;
    s.temperature = static_cast<float>(number_field(body, "temperature", 0.0, 0.0, 2.0));
    s.top_p = static_cast<float>(number_field(body, "top_p", 1.0, 1e-6, 1.0));
    const int64_t seed = integer_field(body, "seed", -1, -1, 0xFFFFFFFEll);
    s.seed = seed < 0 ? SamplingParams::kRandomSeed : static_cast<uint64_t>(seed);

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
    const std::vector<std::string> texts = input_texts(body);
    const std::string aggregation = string_field(body, "aggregation", "simple");
    Aggregation strategy;
    try {
        strategy = parse_aggregation(aggregation);
    } catch (const Error& e) {
        throw ApiError(400, e.what(), "invalid_request_error", "aggregation");
    }
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
        server.Post(path,
                    guarded(ctx, [&ctx](const auto& req, auto& res) { translate_route(ctx, req, res); }));
    for (const char* path : {"/v1/ner", "/ner"})
        server.Post(path, guarded(ctx, [&ctx](const auto& req, auto& res) { ner_route(ctx, req, res); }));
}

}  // namespace loom::server
