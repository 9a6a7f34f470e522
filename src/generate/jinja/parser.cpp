// Statement-level parsing: the template body and every {% tag %}.
#include "generate/jinja/parser.h"

#include "core/error.h"
#include "generate/jinja/parser_state.h"

namespace loom::jinja {

namespace {

class StatementParser : public ExpressionParser {
  public:
    using ExpressionParser::ExpressionParser;

    Body parse_template() {
        Body body = parse_body({});
        if (cur().kind != Token::Kind::End) fail("unexpected '" + cur().text + "'");
        return body;
    }

  private:
    // Parses until a {% name %} with a name in `ends` (left as the current token) or the end of input.
    Body parse_body(const std::vector<std::string>& ends) {
        Body body;
        while (true) {
            const Token& t = cur();
            if (t.kind == Token::Kind::End) {
                if (!ends.empty()) {
                    std::string expected;
                    for (const auto& e : ends) expected += (expected.empty() ? "'" : " or '") + e + "'";
                    fail("unexpected end of template, expected " + expected);
                }
                return body;
            }
            if (t.kind == Token::Kind::Data) {
                auto s = node(Stmt::Kind::Text, t);
                s->text = t.text;
                body.push_back(std::move(s));
                advance();
            } else if (t.kind == Token::Kind::VariableBegin) {
                auto s = node(Stmt::Kind::Print, t);
                advance();
                s->expr = parse_tuple(true, {});
                expect(Token::Kind::VariableEnd, "'}}'");
                body.push_back(std::move(s));
            } else if (t.kind == Token::Kind::BlockBegin) {
                const Token& name = peek(1);
                if (name.kind != Token::Kind::Name) {
                    advance();
                    fail("expected a tag name after '{%'");
                }
                for (const auto& e : ends) {
                    if (name.text == e) {
                        advance();
                        return body;
                    }
                }
                advance();
                body.push_back(parse_statement());
            } else {
                fail("unexpected token");
            }
        }
    }

    // After parse_body stopped at `end`: consumes the tag name and '%}'.
    void close_tag() {
        advance();
        expect(Token::Kind::BlockEnd, "'%}'");
    }

    StmtPtr parse_statement() {
        DepthGuard guard(*this);
        const Token& t = cur();
        const std::string& tag = t.text;
        if (tag == "if") return parse_if();
        if (tag == "for") return parse_for();
        if (tag == "set") return parse_set();
        if (tag == "macro") return parse_macro();
        if (tag == "call") return parse_call_block();
        if (tag == "filter") return parse_filter_block();
        if (tag == "generation") {
            auto s = node(Stmt::Kind::Scope, t);
            advance();
            expect(Token::Kind::BlockEnd, "'%}'");
            s->body = parse_body({"endgeneration"});
            close_tag();
            return s;
        }
        if (tag == "break" || tag == "continue") {
            if (loop_depth_ == 0) fail("'" + tag + "' outside of a loop");
            auto s = node(tag == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue, t);
            advance();
            expect(Token::Kind::BlockEnd, "'%}'");
            return s;
        }
        fail("unknown or unsupported tag '" + tag + "'");
    }

    StmtPtr parse_if() {
        auto s = node(Stmt::Kind::If, cur());
        advance();
        ExprPtr condition = parse_tuple(false, {});
        while (true) {
            expect(Token::Kind::BlockEnd, "'%}'");
            Body body = parse_body({"elif", "else", "endif"});
            s->branches.emplace_back(std::move(condition), std::move(body));
            const std::string which = cur().text;
            advance();
            if (which == "elif") {
                condition = parse_tuple(false, {});
                continue;
            }
            if (which == "else") {
                expect(Token::Kind::BlockEnd, "'%}'");
                s->branches.emplace_back(nullptr, parse_body({"endif"}));
                close_tag();
            } else {
                expect(Token::Kind::BlockEnd, "'%}'");
            }
            return s;
        }
    }

    std::vector<std::string> parse_target_names(const std::string& stop) {
        std::vector<std::string> names;
        const bool paren = is_op("(");
        if (paren) advance();
        while (true) {
            if (cur().kind != Token::Kind::Name) fail("expected a variable name");
            names.push_back(cur().text);
            advance();
            if (!is_op(",")) break;
            advance();
            if ((paren && is_op(")")) || is_name(stop)) break;
        }
        if (paren) expect_op(")");
        return names;
    }

    StmtPtr parse_for() {
        auto s = node(Stmt::Kind::For, cur());
        advance();
        s->targets = parse_target_names("in");
        if (!is_name("in")) fail("expected 'in'");
        advance();
        s->expr = parse_tuple(false, {"recursive"});
        if (is_name("if")) {
            advance();
            s->filter = parse_expression(true);
        }
        if (is_name("recursive")) fail("recursive for loops are not supported");
        expect(Token::Kind::BlockEnd, "'%}'");
        ++loop_depth_;
        s->body = parse_body({"endfor", "else"});
        --loop_depth_;
        if (cur().text == "else") {
            advance();
            expect(Token::Kind::BlockEnd, "'%}'");
            s->else_body = parse_body({"endfor"});
        }
        close_tag();
        return s;
    }

    StmtPtr parse_set() {
        const Token& start = cur();
        advance();
        if (cur().kind == Token::Kind::Name && peek(1).kind == Token::Kind::Operator && peek(1).text == ".") {
            auto s = node(Stmt::Kind::Set, start);
            s->targets.push_back(cur().text);
            advance();
            advance();
            if (cur().kind != Token::Kind::Name) fail("expected an attribute name");
            s->attribute = cur().text;
            advance();
            expect_op("=");
            s->expr = parse_tuple(true, {});
            expect(Token::Kind::BlockEnd, "'%}'");
            return s;
        }
        std::vector<std::string> names = parse_target_names("=");
        if (is_op("=")) {
            auto s = node(Stmt::Kind::Set, start);
            s->targets = std::move(names);
            advance();
            s->expr = parse_tuple(true, {});
            expect(Token::Kind::BlockEnd, "'%}'");
            return s;
        }
        if (names.size() != 1) fail("a block set takes exactly one name");
        auto s = node(Stmt::Kind::SetBlock, start);
        s->targets = std::move(names);
        while (is_op("|")) {
            advance();
            s->filters.push_back(parse_filter(nullptr));
        }
        expect(Token::Kind::BlockEnd, "'%}'");
        s->body = parse_body({"endset"});
        close_tag();
        return s;
    }

    std::vector<MacroParam> parse_params() {
        std::vector<MacroParam> params;
        expect_op("(");
        while (!is_op(")")) {
            if (!params.empty()) expect_op(",");
            if (is_op(")")) break;
            if (cur().kind != Token::Kind::Name) fail("expected a parameter name");
            MacroParam p{cur().text, nullptr};
            advance();
            if (is_op("=")) {
                advance();
                p.default_value = parse_expression(true);
            }
            params.push_back(std::move(p));
        }
        advance();
        return params;
    }

    StmtPtr parse_macro() {
        auto s = node(Stmt::Kind::Macro, cur());
        advance();
        if (cur().kind != Token::Kind::Name) fail("expected a macro name");
        s->text = cur().text;
        advance();
        s->params = parse_params();
        expect(Token::Kind::BlockEnd, "'%}'");
        const int saved = loop_depth_;
        loop_depth_ = 0;
        s->body = parse_body({"endmacro"});
        loop_depth_ = saved;
        close_tag();
        return s;
    }

    StmtPtr parse_call_block() {
        auto s = node(Stmt::Kind::CallBlock, cur());
        advance();
        if (is_op("(")) s->params = parse_params();
        s->expr = parse_expression(true);
        if (s->expr->kind != Expr::Kind::Call) fail("expected a macro call after 'call'");
        expect(Token::Kind::BlockEnd, "'%}'");
        const int saved = loop_depth_;
        loop_depth_ = 0;
        s->body = parse_body({"endcall"});
        loop_depth_ = saved;
        close_tag();
        return s;
    }

    StmtPtr parse_filter_block() {
        auto s = node(Stmt::Kind::FilterBlock, cur());
        advance();
        s->filters.push_back(parse_filter(nullptr));
        while (is_op("|")) {
            advance();
            s->filters.push_back(parse_filter(nullptr));
        }
        expect(Token::Kind::BlockEnd, "'%}'");
        s->body = parse_body({"endfilter"});
        close_tag();
        return s;
    }

    StmtPtr node(Stmt::Kind kind, const Token& at) {
        auto s = std::make_unique<Stmt>();
        s->kind = kind;
        s->line = at.line;
        s->column = at.column;
        return s;
    }

    int loop_depth_ = 0;
};

void refuse_tall(const Expr* e) {
    if (e && expression_height(*e) > kMaxExpressionLevels)
        throw Error("chat template syntax error at line " + std::to_string(e->line) + ", column " +
                    std::to_string(e->column) + ": an expression nested deeper than " +
                    std::to_string(kMaxExpressionLevels) +
                    " levels (each filter, operator, attribute or call in a chain is one level)");
}

// Evaluation recurses once per expression level: chains built by the parser's loops (`x|f|f|...`,
// `a+b+c+...`) are as tall as they are long, so every expression is measured here. Statements nest at most
// the parser's depth.
void refuse_tall_expressions(const Body& body) {
    for (const StmtPtr& s : body) {
        refuse_tall(s->expr.get());
        refuse_tall(s->filter.get());
        for (const auto& [condition, branch] : s->branches) {
            refuse_tall(condition.get());
            refuse_tall_expressions(branch);
        }
        for (const MacroParam& p : s->params) refuse_tall(p.default_value.get());
        for (const ExprPtr& f : s->filters) refuse_tall(f.get());
        refuse_tall_expressions(s->body);
        refuse_tall_expressions(s->else_body);
    }
}

}  // namespace

Body parse(const std::vector<Token>& tokens) {
    Body body = StatementParser(tokens).parse_template();
    refuse_tall_expressions(body);
    return body;
}

}  // namespace loom::jinja
