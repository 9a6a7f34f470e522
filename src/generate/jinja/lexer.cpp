#include "generate/jinja/lexer.h"

#include <cstring>

#include "core/error.h"
#include "generate/jinja/text.h"

namespace loom::jinja {

std::string position(int line, int column) {
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

namespace {

// jinja2 normalises \r\n and \r to \n, then drops one trailing newline (keep_trailing_newline=False).
std::string normalize_source(const std::string& source) {
    std::string out;
    out.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            out += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
        } else {
            out += source[i];
        }
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
    return is_name_start(c) || is_digit(c);
}

// Python "unicode-escape" decoding of a string literal body, as jinja2 applies it.
std::string unescape(std::string_view body) {
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c != '\\' || i + 1 >= body.size()) {
            out += c;
            continue;
        }
        const char e = body[++i];
        auto hex_escape = [&](size_t digits) {
            char32_t cp = 0;
            for (size_t k = 1; k <= digits; ++k) {
                if (i + k >= body.size()) return false;
                const char h = body[i + k];
                int v = is_digit(h)              ? h - '0'
                        : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                        : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                 : -1;
                if (v < 0) return false;
                cp = cp * 16 + static_cast<char32_t>(v);
            }
            if (cp > 0x10FFFF) return false;
            text::append_utf8(out, cp);
            i += digits;
            return true;
        };
        switch (e) {
            case '\n':
                break;  // line continuation
            case '\\':
                out += '\\';
                break;
            case '\'':
                out += '\'';
                break;
            case '"':
                out += '"';
                break;
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'v':
                out += '\v';
                break;
            case 'x':
                if (!hex_escape(2)) throw Error("truncated \\xXX escape in string literal");
                break;
            case 'u':
                if (!hex_escape(4)) throw Error("truncated \\uXXXX escape in string literal");
                break;
            case 'U':
                if (!hex_escape(8)) throw Error("truncated or invalid \\UXXXXXXXX escape in string literal");
                break;
            default:
                if (e >= '0' && e <= '7') {
                    char32_t cp = static_cast<char32_t>(e - '0');
                    for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7';
                         ++k)
                        cp = cp * 8 + static_cast<char32_t>(body[++i] - '0');
                    text::append_utf8(out, cp);
                } else {
                    out += '\\';  // unknown escapes stay as written
                    out += e;
                }
        }
    }
    return out;
}

class Lexer {
  public:
    Lexer(std::string source, const LexerOptions& options) : src_(std::move(source)), options_(options) {}

    std::vector<Token> run() {
        while (pos_ < src_.size()) {
            const size_t tag = find_tag_start(pos_);
            if (tag == std::string::npos) {
                emit_data(src_.substr(pos_), pos_);
                pos_ = src_.size();
                break;
            }
            lex_text_before_tag(tag);
        }
        tokens_.push_back({Token::Kind::End, "", line_, column_of(src_.size())});
        return std::move(tokens_);
    }

  private:
    size_t find_tag_start(size_t from) const {
        for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
            if (i + 1 < src_.size() && (src_[i + 1] == '%' || src_[i + 1] == '{' || src_[i + 1] == '#'))
                return i;
        }
        return std::string::npos;
    }

    // Positions mostly move forward, so lines and columns are counted incrementally: searching back for the
    // previous newline at every token would make a long one-line template cost quadratic time.
    int column_of(size_t at) {
        if (at >= counted_) {
            line_at(at);
            return static_cast<int>(at - line_start_ + 1);
        }
        const size_t nl = src_.rfind('\n', at == 0 ? 0 : at - 1);
        return static_cast<int>(nl == std::string::npos || at == 0 ? at + 1 : at - nl);
    }

    [[noreturn]] void fail(const std::string& what, size_t at) {
        int line = 1;
        for (size_t i = 0; i < at && i < src_.size(); ++i) line += src_[i] == '\n';
        throw Error("chat template syntax error at " + position(line, column_of(at)) + ": " + what);
    }

    void emit_data(std::string text, size_t at) {
        if (!text.empty()) tokens_.push_back({Token::Kind::Data, text, line_at(at), column_of(at)});
    }

    int line_at(size_t at) {
        // Lines are counted incrementally: positions only move forward.
        for (; counted_ < at && counted_ < src_.size(); ++counted_)
            if (src_[counted_] == '\n') {
                ++line_;
                line_start_ = counted_ + 1;
            }
        return line_;
    }

    void lex_text_before_tag(size_t tag) {
        std::string text = src_.substr(pos_, tag - pos_);
        const char kind = src_[tag + 1];
        const char sign =
            tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+') ? src_[tag + 2] : 0;
        if (sign == '-') {
            text = std::string(text::rstrip_space(text));
        } else if (sign != '+' && options_.lstrip_blocks && kind != '{') {
            // Indentation before a block or comment tag on its own line is dropped.
            const size_t nl = text.rfind('\n');
            const size_t line_start = nl == std::string::npos ? 0 : nl + 1;
            if (line_start > 0 || line_starting_) {
                size_t i = line_start;
                while (i < text.size() && text::space_at(text, i)) i += text::space_at(text, i);
                if (i == text.size() && line_start < text.size()) text.resize(line_start);
            }
        }
        emit_data(std::move(text), pos_);
        line_starting_ = false;
        size_t p = tag + 2 + (sign ? 1 : 0);
        if (kind == '#') {
            lex_comment(tag, p);
        } else if (kind == '%' && try_raw(tag, p)) {
            // handled
        } else {
            lex_tag(kind == '%' ? Token::Kind::BlockBegin : Token::Kind::VariableBegin, tag, p);
        }
    }

    // The end of a tag: "+E" keeps what follows; "-E" eats following whitespace; "E" eats one newline
    // for block and comment tags (trim_blocks). Returns the position after it, or npos when no end is here.
    size_t match_end(size_t p, const char* end, bool trims_newline) {
        const size_t n = std::strlen(end);
        if (src_.compare(p, 1, "+") == 0 && src_.compare(p + 1, n, end) == 0) return p + 1 + n;
        if (src_.compare(p, 1, "-") == 0 && src_.compare(p + 1, n, end) == 0) {
            p += 1 + n;
            while (p < src_.size() && text::space_at(src_, p)) p += text::space_at(src_, p);
            return p;
        }
        if (src_.compare(p, n, end) == 0) {
            p += n;
            if (trims_newline && options_.trim_blocks && p < src_.size() && src_[p] == '\n') ++p;
            return p;
        }
        return std::string::npos;
    }

    void finish_tag(size_t end) {
        line_starting_ = end > 0 && src_[end - 1] == '\n';
        pos_ = end;
    }

    void lex_comment(size_t tag, size_t p) {
        for (; p < src_.size(); ++p) {
            const size_t end = match_end(p, "#}", true);
            if (end != std::string::npos) return finish_tag(end);
        }
        fail("missing end of comment tag", tag);
    }

    bool try_raw(size_t tag, size_t p) {
        auto skip_space = [&](size_t q) {
            while (q < src_.size() && text::space_at(src_, q)) q += text::space_at(src_, q);
            return q;
        };
        size_t q = skip_space(p);
        if (src_.compare(q, 3, "raw") != 0) return false;
        q = skip_space(q + 3);
        // The raw opening tag never eats a newline (jinja2 gives it no trim_blocks suffix) and takes no '+'.
        if (q < src_.size() && src_[q] == '+') return false;
        const size_t body = match_end(q, "%}", false);
        if (body == std::string::npos) return false;
        // Body runs to the first {% endraw %}, with the same whitespace control on the endraw tag.
        for (size_t s = src_.find("{%", body); s != std::string::npos; s = src_.find("{%", s + 1)) {
            const char sign =
                s + 2 < src_.size() && (src_[s + 2] == '-' || src_[s + 2] == '+') ? src_[s + 2] : 0;
            size_t r = skip_space(s + 2 + (sign ? 1 : 0));
            if (src_.compare(r, 6, "endraw") != 0) continue;
            r = skip_space(r + 6);
            const size_t end = match_end(r, "%}", true);
            if (end == std::string::npos) continue;
            std::string text = src_.substr(body, s - body);
            if (sign == '-') text = std::string(text::rstrip_space(text));
            emit_data(std::move(text), body);
            finish_tag(end);
            return true;
        }
        fail("missing end of raw directive", tag);
    }

    void lex_tag(Token::Kind begin, size_t tag, size_t p) {
        const bool block = begin == Token::Kind::BlockBegin;
        tokens_.push_back({begin, "", line_at(tag), column_of(tag)});
        std::vector<char> brackets;  // expected closers; tag ends only match when empty
        while (true) {
            if (p >= src_.size())
                fail(block ? "unexpected end of template, expected '%}'"
                           : "unexpected end of template, expected '}}'",
                     tag);
            if (brackets.empty()) {
                const size_t end = match_end(p, block ? "%}" : "}}", block);
                if (end != std::string::npos) {
                    tokens_.push_back({block ? Token::Kind::BlockEnd : Token::Kind::VariableEnd, "",
                                       line_at(p), column_of(p)});
                    return finish_tag(end);
                }
            }
            if (const size_t ws = text::space_at(src_, p)) {
                p += ws;
                continue;
            }
            p = lex_operand(p, brackets);
        }
    }

    size_t lex_operand(size_t p, std::vector<char>& brackets) {
        const char c = src_[p];
        const int line = line_at(p), col = column_of(p);
        if (is_digit(c)) return lex_number(p, line, col);
        if (is_name_start(c)) {
            size_t q = p;
            while (q < src_.size() && is_name_char(src_[q])) ++q;
            tokens_.push_back({Token::Kind::Name, src_.substr(p, q - p), line, col});
            return q;
        }
        if (c == '\'' || c == '"') {
            size_t q = p + 1;
            while (q < src_.size() && src_[q] != c) q += src_[q] == '\\' ? 2 : 1;
            if (q >= src_.size()) fail("unterminated string literal", p);
            std::string body = src_.substr(p + 1, q - p - 1);
            try {
                tokens_.push_back({Token::Kind::String, unescape(body), line, col});
            } catch (const Error& e) {
                fail(e.message(), p);
            }
            return q + 1;
        }
        static const char* const kTwoChar[] = {"//", "**", "==", "!=", ">=", "<="};
        for (const char* op : kTwoChar) {
            if (src_.compare(p, 2, op) == 0) {
                tokens_.push_back({Token::Kind::Operator, op, line, col});
                return p + 2;
            }
        }
        if (std::strchr("+-/*%~[](){}><=.:|,;", c) == nullptr)
            fail(std::string("unexpected character '") + c + "'", p);
        if (c == '(' || c == '[' || c == '{') brackets.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
        if (c == ')' || c == ']' || c == '}') {
            if (brackets.empty()) fail(std::string("unexpected '") + c + "'", p);
            if (brackets.back() != c)
                fail(std::string("unexpected '") + c + "', expected '" + brackets.back() + "'", p);
            brackets.pop_back();
        }
        tokens_.push_back({Token::Kind::Operator, std::string(1, c), line, col});
        return p + 1;
    }

    size_t lex_number(size_t p, int line, int col) {
        auto digits = [&](size_t q) {  // (\d+_)*\d+
            size_t r = q;
            while (r < src_.size() && (is_digit(src_[r]) || (src_[r] == '_' && r + 1 < src_.size() &&
                                                             is_digit(src_[r + 1]) && r > q)))
                ++r;
            return r;
        };
        size_t q = digits(p);
        bool is_float = false;
        // A number right after '.' (foo.0.1) is an integer attribute, never a float.
        const bool after_dot = p > 0 && src_[p - 1] == '.';
        if (!after_dot) {
            if (q + 1 < src_.size() && src_[q] == '.' && is_digit(src_[q + 1])) {
                q = digits(q + 1);
                is_float = true;
            }
            if (q < src_.size() && (src_[q] == 'e' || src_[q] == 'E')) {
                size_t r = q + 1;
                if (r < src_.size() && (src_[r] == '+' || src_[r] == '-')) ++r;
                if (r < src_.size() && is_digit(src_[r])) {
                    q = digits(r);
                    is_float = true;
                }
            }
        }
        std::string number;
        for (size_t i = p; i < q; ++i)
            if (src_[i] != '_') number += src_[i];
        tokens_.push_back({is_float ? Token::Kind::Float : Token::Kind::Int, number, line, col});
        return q;
    }

    std::string src_;
    LexerOptions options_;
    std::vector<Token> tokens_;
    size_t pos_ = 0;
    size_t counted_ = 0;     // bytes of src_ whose newlines line_ counts
    size_t line_start_ = 0;  // where the line holding src_[counted_] starts
    int line_ = 1;
    bool line_starting_ = true;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const LexerOptions& options) {
    return Lexer(normalize_source(source), options).run();
}

}  // namespace loom::jinja
