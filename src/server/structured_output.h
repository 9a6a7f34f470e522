// Structured outputs on the completion routes: `response_format` {"type": "text" | "json_object" |
// "json_schema", "json_schema": {"name", "schema", "strict"}} as OpenAI defines it, and llama-server's `grammar`
// (GBNF text). The constraint is compiled here, so a bad grammar or schema is a 400 naming the field and the
// line / column / JSON pointer, before the request is queued.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "generate/grammar/grammar.h"

namespace loom::server {

// nullptr when the request asks for no constraint. `raw_body` is the request text: a schema is read from it
// again, keeping its property order (which the grammar follows), since `body` sorts object keys.
std::shared_ptr<const grammar::Grammar> parse_output_constraint(const nlohmann::json& body,
                                                                const std::string& raw_body);

}  // namespace loom::server
