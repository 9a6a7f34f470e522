// Splits template source into tokens the way jinja2's lexer does with trim_blocks=True and
// lstrip_blocks=True (Hugging Face's chat-template settings): text outside tags becomes Data tokens with the
// whitespace control ({%- -%} {%+ +%}, trimmed newlines, stripped indentation) already applied; comments are
// dropped; tag contents become Name/String/Int/Float/Operator tokens.
#pragma once

#include <string>
#include <vector>

namespace loom::jinja {

struct Token {
    enum class Kind {
        Data,
        VariableBegin,
        VariableEnd,
        BlockBegin,
        BlockEnd,
        Name,
        String,
        Int,
        Float,
        Operator,
        End
    };
    Kind kind;
    std::string text;  // Data text, name, decoded string literal, number digits, operator
    int line;
    int column;
};

struct LexerOptions {
    bool trim_blocks = true;
    bool lstrip_blocks = true;
};

// Throws loom::Error "line L, column C: ..." on malformed source (unterminated tag, string or comment).
std::vector<Token> tokenize(const std::string& source, const LexerOptions& options = {});

// "line L, column C" for error messages.
std::string position(int line, int column);

}  // namespace loom::jinja
