// JSON Schema -> GBNF (grammar.h), so generation can only produce instances of the schema.
//
// Enforced: type (one or a list), properties / required / additionalProperties (false, true, or a schema),
// items / prefixItems / minItems / maxItems, enum / const, anyOf / oneOf (as alternatives: oneOf's "only one"
// is not checked), allOf with one member, $ref into #/$defs or #/definitions (recursion included),
// string minLength / maxLength / pattern (a regular-expression subset: literals, ., [classes], \d \w \s and
// their negations, groups, |, * + ? {m,n}, anchored) / format (date, time, date-time, uuid, email),
// integer minimum / maximum when both are given and their range is small (at most 10000 values, listed),
// otherwise a sign-only bound (minimum 0 / 1, exclusiveMinimum 0).
// The members of an object come in the schema's order (as llama.cpp and OpenAI's structured outputs do);
// additional members, where allowed, come after the declared ones.
// Annotations (title, description, default, examples, $schema, $id, $comment) are ignored. Any other keyword
// is an error naming it and its JSON pointer: a schema is never half-enforced in silence.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace loom::grammar {

// An ordered_json keeps the schema's property order, which the grammar follows.
std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema);

// Any JSON value (RFC 8259): the converter's primitives with `root ::= value`. Whitespace sits only between
// tokens and is bounded, so a model cannot pad forever.
const char* json_value_gbnf();

}  // namespace loom::grammar
