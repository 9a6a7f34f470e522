// Expression grammar (jinja2 precedence; see parser.h).
#include <cerrno>
#include <cstdlib>

#include "core/error.h"
#include "generate/jinja/builtins.h"
#include "generate/jinja/parser_state.h"

namespace loom::jinja {

ExpressionParser::DepthGuard::DepthGuard(ExpressionParser& p) : parser(p) {
    if (++parser.depth_ > kMaxDepth) {
        --parser.depth_;
        parser.fail("template nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
}

const Token& ExpressionParser::peek(size_t ahead) const {
    const size_t i = index_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
}

void ExpressionParser::advance() {
    if (index_ + 1 < tokens_.size()) ++index_;
}

void ExpressionParser::fail(const std::string& what) const {
    const Token& t = cur();
    std::string got;
    switch (t.kind) {
        case Token::Kind::End:
            got = "end of template";
            break;
        case Token::Kind::BlockEnd:
            got = "'%}'";
            break;
        case Token::Kind::VariableEnd:
            got = "'}}'";
            break;
        case Token::Kind::Data:
            got = "text";
            break;
        default:
            got = "'" + t.text + "'";
    }
    throw Error("chat template syntax error at " + position(t.line, t.column) + ": " + what + " (at " + got +
                ")");
}

void ExpressionParser::expect(Token::Kind kind, const char* what) {
    if (cur().kind != kind) fail(std::string("expected ") + what);
    advance();
}

void ExpressionParser::expect_op(const char* op) {
    if (!is_op(op)) fail(std::string("expected '") + op + "'");
    advance();
}

ExprPtr ExpressionParser::make(Expr::Kind kind, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    return e;
}

ExprPtr ExpressionParser::binary(const std::string& op, ExprPtr left, ExprPtr right, const Token& at) {
    auto e = make(Expr::Kind::Binary, at);
    e->name = op;
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
    return e;
}

ExprPtr ExpressionParser::parse_tuple(bool with_conditional, const std::vector<std::string>& extra_ends,
                                      bool explicit_parens) {
    const Token& start = cur();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    auto at_end = [&] {
        const auto k = cur().kind;
        if (k == Token::Kind::VariableEnd || k == Token::Kind::BlockEnd || k == Token::Kind::End ||
            is_op(")"))
            return true;
        for (const auto& e : extra_ends)
            if (is_name(e)) return true;
        return false;
    };
    while (true) {
        if (!items.empty()) expect_op(",");
        if (at_end()) break;
        items.push_back(parse_expression(with_conditional));
        if (is_op(",")) {
            is_tuple = true;
        } else {
            break;
        }
    }
    if (!is_tuple) {
        if (items.size() == 1) return std::move(items[0]);
        if (!explicit_parens) fail("expected an expression");
    }
    auto e = make(Expr::Kind::ListLit, start);
    e->name = "tuple";
    e->args = std::move(items);
    return e;
}

ExprPtr ExpressionParser::parse_expression(bool with_conditional) {
    return with_conditional ? parse_conditional() : parse_or();
}

ExprPtr ExpressionParser::parse_conditional() {
    DepthGuard guard(*this);
    ExprPtr expr = parse_or();
    while (is_name("if")) {
        const Token& at = cur();
        advance();
        auto e = make(Expr::Kind::Conditional, at);
        e->args.push_back(parse_or());
        e->args.push_back(std::move(expr));
        if (is_name("else")) {
            advance();
            e->args.push_back(parse_conditional());
        } else {
            e->args.push_back(nullptr);
        }
        expr = std::move(e);
    }
    return expr;
}

ExprPtr ExpressionParser::parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
        const Token& at = cur();
        advance();
        left = binary("or", std::move(left), parse_and(), at);
    }
    return left;
}

ExprPtr ExpressionParser::parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
        const Token& at = cur();
        advance();
        left = binary("and", std::move(left), parse_not(), at);
    }
    return left;
}

ExprPtr ExpressionParser::parse_not() {
    if (is_name("not")) {
        DepthGuard guard(*this);
        auto e = make(Expr::Kind::Unary, cur());
        advance();
        e->name = "not";
        e->args.push_back(parse_not());
        return e;
    }
    return parse_compare();
}

ExprPtr ExpressionParser::parse_compare() {
    const Token& start = cur();
    ExprPtr first = parse_math1();
    std::vector<std::string> ops;
    std::vector<ExprPtr> operands;
    while (true) {
        std::string op;
        if (cur().kind == Token::Kind::Operator &&
            (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" ||
             cur().text == ">" || cur().text == ">=")) {
            op = cur().text;
            advance();
        } else if (is_name("in")) {
            op = "in";
            advance();
        } else if (is_name("not") && peek(1).kind == Token::Kind::Name && peek(1).text == "in") {
            op = "not in";
            advance();
            advance();
        } else {
            break;
        }
        ops.push_back(op);
        operands.push_back(parse_math1());
    }
    if (ops.empty()) return first;
    auto e = make(Expr::Kind::Compare, start);
    e->args.push_back(std::move(first));
    for (auto& o : operands) e->args.push_back(std::move(o));
    e->ops = std::move(ops);
    return e;
}

ExprPtr ExpressionParser::parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
        const Token& at = cur();
        const std::string op = at.text;
        advance();
        left = binary(op, std::move(left), parse_concat(), at);
    }
    return left;
}

ExprPtr ExpressionParser::parse_concat() {
    ExprPtr left = parse_math2();
    while (is_op("~")) {
        const Token& at = cur();
        advance();
        left = binary("~", std::move(left), parse_math2(), at);
    }
    return left;
}

ExprPtr ExpressionParser::parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
        const Token& at = cur();
        const std::string op = at.text;
        advance();
        left = binary(op, std::move(left), parse_pow(), at);
    }
    return left;
}

ExprPtr ExpressionParser::parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
        const Token& at = cur();
        advance();
        left = binary("**", std::move(left), parse_unary(true), at);
    }
    return left;
}

ExprPtr ExpressionParser::parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
        auto e = make(Expr::Kind::Unary, cur());
        e->name = cur().text;
        advance();
        e->args.push_back(parse_unary(false));
        node = std::move(e);
    } else {
        node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_and_test(std::move(node));
    return node;
}

ExprPtr ExpressionParser::parse_primary() {
    const Token& t = cur();
    switch (t.kind) {
        case Token::Kind::Name: {
            auto e = make(Expr::Kind::Literal, t);
            if (t.text == "true" || t.text == "True") {
                e->value = Value(true);
            } else if (t.text == "false" || t.text == "False") {
                e->value = Value(false);
            } else if (t.text == "none" || t.text == "None") {
                e->value = Value::none();
            } else {
                e->kind = Expr::Kind::Name;
                e->name = t.text;
            }
            advance();
            return e;
        }
        case Token::Kind::String: {
            std::string s;
            while (cur().kind == Token::Kind::String) {  // adjacent literals concatenate
                s += cur().text;
                advance();
            }
            auto e = make(Expr::Kind::Literal, t);
            e->value = Value(std::move(s));
            return e;
        }
        case Token::Kind::Int: {
            errno = 0;
            const long long v = std::strtoll(t.text.c_str(), nullptr, 10);
            if (errno == ERANGE) fail("integer literal out of range");
            auto e = make(Expr::Kind::Literal, t);
            e->value = Value(static_cast<int64_t>(v));
            advance();
            return e;
        }
        case Token::Kind::Float: {
            auto e = make(Expr::Kind::Literal, t);
            e->value = Value(std::strtod(t.text.c_str(), nullptr));
            advance();
            return e;
        }
        case Token::Kind::Operator: {
            if (t.text == "(") {
                advance();
                ExprPtr e = parse_tuple(true, {}, true);
                expect_op(")");
                return e;
            }
            if (t.text == "[") {
                auto e = make(Expr::Kind::ListLit, t);
                advance();
                while (!is_op("]")) {
                    if (!e->args.empty()) expect_op(",");
                    if (is_op("]")) break;
                    e->args.push_back(parse_expression(true));
                }
                advance();
                return e;
            }
            if (t.text == "{") {
                auto e = make(Expr::Kind::DictLit, t);
                advance();
                while (!is_op("}")) {
                    if (!e->args.empty()) expect_op(",");
                    if (is_op("}")) break;
                    e->args.push_back(parse_expression(true));
                    expect_op(":");
                    e->args.push_back(parse_expression(true));
                }
                advance();
                return e;
            }
            break;
        }
        default:
            break;
    }
    fail("unexpected token, expected an expression");
}

ExprPtr ExpressionParser::parse_postfix(ExprPtr node) {
    while (true) {
        if (is_op(".")) {
            const Token& at = cur();
            advance();
            if (cur().kind == Token::Kind::Name) {
                auto e = make(Expr::Kind::GetAttr, at);
                e->name = cur().text;
                e->args.push_back(std::move(node));
                node = std::move(e);
            } else if (cur().kind == Token::Kind::Int) {
                auto e = make(Expr::Kind::GetItem, at);
                auto index = make(Expr::Kind::Literal, cur());
                index->value = Value(static_cast<int64_t>(std::strtoll(cur().text.c_str(), nullptr, 10)));
                e->args.push_back(std::move(node));
                e->args.push_back(std::move(index));
                node = std::move(e);
            } else {
                fail("expected an attribute name after '.'");
            }
            advance();
        } else if (is_op("[")) {
            node = parse_subscript(std::move(node));
        } else if (is_op("(")) {
            auto e = make(Expr::Kind::Call, cur());
            e->args.push_back(std::move(node));
            parse_call_args(*e);
            node = std::move(e);
        } else {
            return node;
        }
    }
}

ExprPtr ExpressionParser::parse_subscript(ExprPtr node) {
    const Token& at = cur();
    advance();  // '['
    ExprPtr start, stop, step;
    if (!is_op(":")) {
        start = parse_expression(true);
        if (!is_op(":")) {
            if (is_op(",")) fail("tuple subscripts are not supported");
            expect_op("]");
            auto e = make(Expr::Kind::GetItem, at);
            e->args.push_back(std::move(node));
            e->args.push_back(std::move(start));
            return e;
        }
    }
    advance();  // ':'
    if (!is_op(":") && !is_op("]")) stop = parse_expression(true);
    if (is_op(":")) {
        advance();
        if (!is_op("]")) step = parse_expression(true);
    }
    expect_op("]");
    auto e = make(Expr::Kind::Slice, at);
    e->args.push_back(std::move(node));
    e->args.push_back(std::move(start));
    e->args.push_back(std::move(stop));
    e->args.push_back(std::move(step));
    return e;
}

void ExpressionParser::parse_call_args(Expr& call) {
    advance();  // '('
    bool first = true;
    while (!is_op(")")) {
        if (!first) {
            expect_op(",");
            if (is_op(")")) break;
        }
        first = false;
        if (is_op("*") || is_op("**")) fail("*args and **kwargs in calls are not supported");
        if (cur().kind == Token::Kind::Name && peek(1).kind == Token::Kind::Operator && peek(1).text == "=") {
            std::string key = cur().text;
            advance();
            advance();
            call.kwargs.emplace_back(std::move(key), parse_expression(true));
        } else {
            if (!call.kwargs.empty()) fail("positional argument after keyword argument");
            call.args.push_back(parse_expression(true));
        }
    }
    advance();  // ')'
}

ExprPtr ExpressionParser::parse_filter(ExprPtr input) {
    const Token& at = cur();
    if (cur().kind != Token::Kind::Name) fail("expected a filter name after '|'");
    auto e = make(Expr::Kind::Filter, at);
    e->name = cur().text;
    if (!is_filter_name(e->name)) fail("no filter named '" + e->name + "'");
    advance();
    e->args.push_back(std::move(input));
    if (is_op("(")) parse_call_args(*e);
    return e;
}

ExprPtr ExpressionParser::parse_filter_and_test(ExprPtr node) {
    while (true) {
        if (is_op("|")) {
            advance();
            node = parse_filter(std::move(node));
        } else if (is_name("is")) {
            const Token& at = cur();
            advance();
            auto e = make(Expr::Kind::Test, at);
            if (is_name("not")) {
                e->negated = true;
                advance();
            }
            if (cur().kind != Token::Kind::Name) fail("expected a test name after 'is'");
            e->name = cur().text;
            if (!is_test_name(e->name)) fail("no test named '" + e->name + "'");
            advance();
            e->args.push_back(std::move(node));
            const auto k = cur().kind;
            if (is_op("(")) {
                parse_call_args(*e);
            } else if ((k == Token::Kind::Name || k == Token::Kind::String || k == Token::Kind::Int ||
                        k == Token::Kind::Float || is_op("[") || is_op("{")) &&
                       !is_name("else") && !is_name("or") && !is_name("and")) {
                if (is_name("is")) fail("you cannot chain multiple tests with 'is'");
                e->args.push_back(parse_postfix(parse_primary()));
            }
            node = std::move(e);
        } else if (is_op("(")) {
            auto e = make(Expr::Kind::Call, cur());
            e->args.push_back(std::move(node));
            parse_call_args(*e);
            node = std::move(e);
        } else {
            return node;
        }
    }
}

}  // namespace loom::jinja
