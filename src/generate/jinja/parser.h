// Turns the token stream into a statement tree, following jinja2's grammar and operator precedence:
// or < and < not < comparisons (chained, in, not in) < + - < ~ < * / // % < ** < unary - + < postfix
// (.attr [sub] (call)) and filters/tests (| name, is [not] name), with `a if c else b` on top.
#pragma once

#include <cstddef>
#include <vector>

#include "generate/jinja/ast.h"
#include "generate/jinja/lexer.h"

namespace loom::jinja {

// Levels an expression may nest (a chain of filters, operators, attributes or calls counts one per link).
inline constexpr size_t kMaxExpressionLevels = 256;

// Throws loom::Error "chat template syntax error at line L, column C: ..." on unknown syntax or an expression
// nested deeper than kMaxExpressionLevels.
Body parse(const std::vector<Token>& tokens);

}  // namespace loom::jinja
