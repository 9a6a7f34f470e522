// The syntax tree of a parsed template: expressions (Expr) and statements (Stmt). One generic node type per
// category keeps the parser and the evaluator to a switch over `kind`.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "generate/jinja/value.h"

namespace loom::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
    enum class Kind {
        Literal,     // value
        Name,        // name
        ListLit,     // args = items (tuples are lists too)
        DictLit,     // args = key0, value0, key1, value1, ...
        GetAttr,     // args[0].name
        GetItem,     // args[0][args[1]]
        Slice,       // args[0][args[1]:args[2]:args[3]] (null parts omitted)
        Call,        // args[0](args[1..], kwargs)
        Filter,      // args[0] | name(args[1..], kwargs)
        Test,        // args[0] is [not] name(args[1..], kwargs)
        Unary,       // name in {"-", "+", "not"} applied to args[0]
        Binary,      // args[0] name args[1]; name in {+ - * / // % ** ~ and or}
        Compare,     // args[0] ops[0] args[1] ops[1] args[2] ... (chained, Python style)
        Conditional  // args[1] if args[0] else args[2] (args[2] may be null)
    };
    Kind kind;
    int line = 0, column = 0;
    Value value;
    std::string name;
    std::vector<ExprPtr> args;
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
    std::vector<std::string> ops;
    bool negated = false;

    // Frees the subtree without recursion: a chain such as `x|trim|trim|...` is a left-deep tree as tall as
    // it is long, and a hostile template's (refused by the parser, but built first) must not overflow the
    // stack.
    ~Expr();
};

// Levels of the tallest path from `root` down (a leaf is 1); measured without recursion.
size_t expression_height(const Expr& root);

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct MacroParam {
    std::string name;
    ExprPtr default_value;  // may be null
};

struct Stmt {
    enum class Kind {
        Text,         // text
        Print,        // {{ expr }}
        If,           // branches: (condition, body)...; a null condition is the else branch
        For,          // for targets in expr [if filter]: body [else else_body]
        Set,          // targets (or ns_target.attribute) = expr
        SetBlock,     // {% set target %}body{% endset %}, filters applied to the captured text
        Macro,        // name(params): body
        CallBlock,    // {% call(params) expr %}body{% endcall %}
        FilterBlock,  // {% filter f %}body{% endfilter %}: filters in `filters`
        Break,
        Continue,
        Scope  // body in its own scope ({% generation %})
    };
    Kind kind;
    int line = 0, column = 0;
    std::string text;
    ExprPtr expr;
    ExprPtr filter;  // For: the `if` condition
    std::vector<std::pair<ExprPtr, Body>> branches;
    std::vector<std::string> targets;
    std::string attribute;  // Set on a namespace: targets[0].attribute = expr
    Body body, else_body;
    std::vector<MacroParam> params;
    std::vector<ExprPtr> filters;  // FilterBlock / SetBlock: Filter exprs whose args[0] is null (the text)
};

}  // namespace loom::jinja
