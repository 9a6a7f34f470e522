// Turns the token stream into a statement tree, following jinja2's grammar and operator precedence:
// or < and < not < comparisons (chained, in, not in) < + - < ~ < * / // % < ** < unary - + < postfix
// (.attr [sub] (call)) and filters/tests (| name, is [not] name), with `a if c else b` on top.
#pragma once

#include <vector>

#include "generate/jinja/ast.h"
#include "generate/jinja/lexer.h"

namespace loom::jinja {

// Throws loom::Error "chat template syntax error at line L, column C: ..." on unknown syntax.
Body parse(const std::vector<Token>& tokens);

}  // namespace loom::jinja
