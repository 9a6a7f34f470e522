// Internal to the parser: the token cursor and the expression grammar (parser_expr.cpp), which the
// statement parser (parser.cpp) extends.
#pragma once

#include <string>
#include <vector>

#include "generate/jinja/ast.h"
#include "generate/jinja/lexer.h"

namespace loom::jinja {

class ExpressionParser {
  public:
    explicit ExpressionParser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  protected:
    // Hostile templates nest deeply; past this depth parsing fails instead of exhausting the stack.
    static constexpr int kMaxDepth = 200;
    struct DepthGuard {
        explicit DepthGuard(ExpressionParser& p);
        ~DepthGuard() { --parser.depth_; }
        ExpressionParser& parser;
    };

    const Token& cur() const { return tokens_[index_]; }
    const Token& peek(size_t ahead) const;
    void advance();
    bool is_op(const char* op) const { return cur().kind == Token::Kind::Operator && cur().text == op; }
    bool is_name(const std::string& name) const {
        return cur().kind == Token::Kind::Name && cur().text == name;
    }
    void expect(Token::Kind kind, const char* what);
    void expect_op(const char* op);
    [[noreturn]] void fail(const std::string& what) const;

    // A comma-separated expression list becomes a tuple (list); `extra_ends` are names that end it.
    ExprPtr parse_tuple(bool with_conditional, const std::vector<std::string>& extra_ends,
                        bool explicit_parens = false);
    ExprPtr parse_expression(bool with_conditional);
    // `| name(args)` applied to `input` (null for filter blocks); the '|' is already consumed.
    ExprPtr parse_filter(ExprPtr input);

  private:
    ExprPtr parse_conditional();
    ExprPtr parse_or();
    ExprPtr parse_and();
    ExprPtr parse_not();
    ExprPtr parse_compare();
    ExprPtr parse_math1();
    ExprPtr parse_concat();
    ExprPtr parse_math2();
    ExprPtr parse_pow();
    ExprPtr parse_unary(bool with_filter);
    ExprPtr parse_primary();
    ExprPtr parse_postfix(ExprPtr node);
    ExprPtr parse_filter_and_test(ExprPtr node);
    ExprPtr parse_subscript(ExprPtr node);
    void parse_call_args(Expr& call);
    ExprPtr make(Expr::Kind kind, const Token& at);
    ExprPtr binary(const std::string& op, ExprPtr left, ExprPtr right, const Token& at);

    const std::vector<Token>& tokens_;
    size_t index_ = 0;
    int depth_ = 0;
};

}  // namespace loom::jinja
