#include "server/structured_output.h"

#include "core/error.h"
#include "generate/grammar/grammar_sampler.h"
#include "generate/grammar/json_schema.h"
#include "server/api_error.h"

namespace loom::server {

namespace {

ApiError constraint_error(const char* field, const std::string& message) {
    return ApiError(400, std::string("'") + field + "': " + message, "invalid_request_error", field);
}

std::shared_ptr<const grammar::Grammar> compile(const char* field, const std::string& gbnf) {
    try {
        return std::make_shared<const grammar::Grammar>(grammar::parse_gbnf(gbnf));
    } catch (const Error& e) {
        throw constraint_error(field, e.what());
    }
}

}  // namespace

std::shared_ptr<const grammar::Grammar> parse_output_constraint(const nlohmann::json& body,
                                                                const std::string& raw_body) {
    const bool has_grammar = body.contains("grammar") && !body["grammar"].is_null();
    const bool has_format = body.contains("response_format") && !body["response_format"].is_null();
    if (has_grammar && has_format)
        throw ApiError(400, "'grammar' and 'response_format' exclude each other: give one", "invalid_request_error",
                       "grammar");
    if (has_grammar) {
        if (!body["grammar"].is_string()) throw constraint_error("grammar", "must be a string of GBNF rules");
        return compile("grammar", body["grammar"].get<std::string>());
    }
    if (!has_format) return nullptr;
    const nlohmann::json& format = body["response_format"];
    if (!format.is_object() || !format.contains("type") || !format["type"].is_string())
        throw constraint_error("response_format", "must be an object with a string 'type'");
    const std::string type = format["type"].get<std::string>();
    if (type == "text") return nullptr;
    if (type == "json_object") return compile("response_format", grammar::json_value_gbnf());
    if (type != "json_schema")
        throw constraint_error("response_format", "type must be 'text', 'json_object' or 'json_schema', got '" +
                                                      type + "'");
    if (!format.contains("json_schema") || !format["json_schema"].is_object() ||
        !format["json_schema"].contains("schema"))
        throw constraint_error("response_format", "type 'json_schema' needs json_schema: {name, schema}");
    // The same schema with its members in the order the client wrote them.
    const auto ordered = nlohmann::ordered_json::parse(raw_body, nullptr, false);
    if (ordered.is_discarded()) throw constraint_error("response_format", "the body could not be read again");
    try {
        return compile("response_format",
                       grammar::json_schema_to_gbnf(ordered["response_format"]["json_schema"]["schema"]));
    } catch (const ApiError&) {
        throw;
    } catch (const Error& e) {
        throw constraint_error("response_format", e.what());
    }
}

}  // namespace loom::server
