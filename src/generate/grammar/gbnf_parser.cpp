// GBNF text -> Grammar (grammar.h): a recursive-descent parser over bytes, decoding UTF-8 in literals and
// classes. Groups and repetitions become generated rules; then names are resolved and left recursion is
// rejected.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>

#include "core/error.h"
#include "generate/grammar/grammar.h"

namespace loom::grammar {

bool Element::matches(char32_t c) const {
    bool in = false;
    for (const CharRange& r : ranges) {
        if (c >= r.lo && c <= r.hi) {
            in = true;
            break;
        }
    }
    return in != negated;
}

bool Element::matches_any_in(char32_t lo, char32_t hi) const {
    if (!negated) {
        for (const CharRange& r : ranges)
            if (r.lo <= hi && r.hi >= lo) return true;
        return false;
    }
    // Negated: some code point of [lo, hi] lies outside every range. Walk the sorted, merged ranges.
    std::vector<CharRange> sorted = ranges;
    std::sort(sorted.begin(), sorted.end(), [](const CharRange& a, const CharRange& b) { return a.lo < b.lo; });
    char32_t next = lo;  // smallest code point of [lo, hi] not yet shown to be covered
    for (const CharRange& r : sorted) {
        if (r.lo > next) break;  // gap at `next`
        if (r.hi >= next) {
            if (r.hi >= hi) return false;
            next = r.hi + 1;
        }
    }
    return next <= hi;
}

namespace {

class GbnfParser {
  public:
    explicit GbnfParser(std::string_view text) : s_(text) {}

    Grammar parse() {
        skip_space(true);
        while (pos_ < s_.size()) {
            parse_rule();
            skip_space(true);
        }
        resolve();
        return std::move(g_);
    }

  private:
    std::string_view s_;
    size_t pos_ = 0;
    Grammar g_;
    std::map<std::string, uint32_t> index_;  // rule name -> index (defined or referenced)
    std::vector<bool> defined_;
    std::vector<size_t> first_use_;          // byte offset of the first reference, for errors
    std::map<uint32_t, int> generated_count_;
    int depth_ = 0;
    static constexpr int kMaxNesting = 256;

    [[noreturn]] void fail(const std::string& what, size_t at) const {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < at && i < s_.size(); ++i) {
            if (s_[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        throw Error("grammar: " + what + " at line " + std::to_string(line) + ", column " + std::to_string(col));
    }
    [[noreturn]] void fail(const std::string& what) const { fail(what, pos_); }

    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[pos_]; }

    // Skips blanks and # comments; newlines only when `newlines` (inside parentheses, after ::= and |).
    void skip_space(bool newlines) {
        while (!at_end()) {
            const char c = s_[pos_];
            if (c == ' ' || c == '\t') {
                ++pos_;
            } else if (c == '#') {
                while (!at_end() && s_[pos_] != '\n') ++pos_;
            } else if (newlines && (c == '\n' || c == '\r')) {
                ++pos_;
            } else {
                break;
            }
        }
    }

    static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    std::string parse_name() {
        const size_t start = pos_;
        while (!at_end() && is_name_char(s_[pos_])) ++pos_;
        if (pos_ == start) fail("expected a rule name");
        return std::string(s_.substr(start, pos_ - start));
    }

    uint32_t rule_index(const std::string& name, size_t used_at) {
        auto it = index_.find(name);
        if (it != index_.end()) return it->second;
        const uint32_t id = static_cast<uint32_t>(g_.rules.size());
        g_.rules.push_back(Rule{name, {}});
        defined_.push_back(false);
        first_use_.push_back(used_at);
        index_.emplace(name, id);
        return id;
    }

    uint32_t new_generated_rule(uint32_t parent) {
        const std::string name = g_.rules[parent].name + "-" + std::to_string(++generated_count_[parent]);
        const uint32_t id = rule_index(name, pos_);
        defined_[id] = true;
        return id;
    }

    void parse_rule() {
        const size_t start = pos_;
        const std::string name = parse_name();
        const uint32_t id = rule_index(name, start);
        if (defined_[id]) fail("rule '" + name + "' is defined twice", start);
        defined_[id] = true;
        skip_space(false);
        if (s_.substr(pos_, 3) != "::=") fail("expected '::=' after rule name '" + name + "'");
        pos_ += 3;
        skip_space(true);
        g_.rules[id].alternatives = parse_alternatives(id, false);
        if (!at_end() && s_[pos_] != '\n' && s_[pos_] != '\r') fail("unexpected character '" + std::string(1, peek()) + "'");
    }

    std::vector<Sequence> parse_alternatives(uint32_t rule, bool nested) {
        std::vector<Sequence> alts;
        alts.push_back(parse_sequence(rule, nested));
        while (peek() == '|') {
            ++pos_;
            skip_space(true);
            alts.push_back(parse_sequence(rule, nested));
        }
        return alts;
    }

    Sequence parse_sequence(uint32_t rule, bool nested) {
        Sequence seq;
        while (!at_end()) {
            const char c = peek();
            const size_t item_start = seq.size();  // a postfix operator repeats the whole item (a literal too)
            if (c == '"') {
                ++pos_;
                while (!at_end() && peek() != '"') {
                    const char32_t cp = parse_char();
                    Element e;
                    e.ranges.push_back({cp, cp});
                    seq.push_back(std::move(e));
                }
                if (at_end()) fail("unterminated string literal");
                ++pos_;
            } else if (c == '[') {
                ++pos_;
                Element e;
                if (peek() == '^') {
                    e.negated = true;
                    ++pos_;
                }
                while (!at_end() && peek() != ']') {
                    const char32_t lo = parse_char();
                    char32_t hi = lo;
                    if (peek() == '-' && pos_ + 1 < s_.size() && s_[pos_ + 1] != ']') {
                        ++pos_;
                        hi = parse_char();
                        if (hi < lo) fail("character range is backwards");
                    }
                    e.ranges.push_back({lo, hi});
                }
                if (at_end()) fail("unterminated character class");
                ++pos_;
                seq.push_back(std::move(e));
            } else if (c == '.') {
                ++pos_;
                Element e;
                e.negated = true;  // not in the empty set: any character
                seq.push_back(std::move(e));
            } else if (is_name_char(c)) {
                const size_t at = pos_;
                const std::string name = parse_name();
                Element e;
                e.kind = Element::Kind::Rule;
                e.rule = rule_index(name, at);
                seq.push_back(std::move(e));
            } else if (c == '(') {
                if (++depth_ > kMaxNesting) fail("parentheses nested deeper than " + std::to_string(kMaxNesting));
                ++pos_;
                skip_space(true);
                const uint32_t group = new_generated_rule(rule);
                g_.rules[group].alternatives = parse_alternatives(rule, true);
                if (peek() != ')') fail("expected ')'");
                ++pos_;
                --depth_;
                Element e;
                e.kind = Element::Kind::Rule;
                e.rule = group;
                seq.push_back(std::move(e));
            } else {
                break;
            }
            skip_space(nested);
            while (peek() == '*' || peek() == '+' || peek() == '?' || peek() == '{') {
                if (seq.size() != item_start + 1) wrap_in_rule(rule, seq, item_start);
                if (seq.size() != item_start + 1) fail("nothing to repeat");
                apply_repetition(rule, seq, item_start);
                skip_space(nested);
            }
        }
        return seq;
    }

    // Moves seq[from, end) into a generated rule and leaves one reference to it.
    void wrap_in_rule(uint32_t rule, Sequence& seq, size_t from) {
        if (seq.size() <= from) return;
        const uint32_t r = new_generated_rule(rule);
        g_.rules[r].alternatives = {Sequence(seq.begin() + static_cast<std::ptrdiff_t>(from), seq.end())};
        seq.resize(from);
        Element ref;
        ref.kind = Element::Kind::Rule;
        ref.rule = r;
        seq.push_back(ref);
    }

    // Replaces seq[last] (one element X) by the repetition the operator at pos_ asks for.
    void apply_repetition(uint32_t rule, Sequence& seq, size_t last) {
        const size_t op_at = pos_;
        size_t min_n = 0;
        std::optional<size_t> max_n;
        const char op = s_[pos_++];
        if (op == '*') {
            min_n = 0;
        } else if (op == '+') {
            min_n = 1;
        } else if (op == '?') {
            max_n = 1;
        } else {
            skip_space(false);
            min_n = parse_count();
            skip_space(false);
            if (peek() == ',') {
                ++pos_;
                skip_space(false);
                if (peek() != '}') max_n = parse_count();
            } else {
                max_n = min_n;
            }
            skip_space(false);
            if (peek() != '}') fail("expected '}' in repetition");
            ++pos_;
            if (max_n && *max_n < min_n) fail("repetition maximum is below its minimum", op_at);
        }
        const Element x = seq[last];
        seq.pop_back();
        for (size_t i = 0; i < min_n; ++i) seq.push_back(x);
        Element ref;
        ref.kind = Element::Kind::Rule;
        if (!max_n) {  // X*: R ::= X R | ε
            const uint32_t r = new_generated_rule(rule);
            ref.rule = r;
            g_.rules[r].alternatives = {Sequence{x, ref}, Sequence{}};
            seq.push_back(ref);
            return;
        }
        // Up to (max - min) more: R1 ::= X R2 | ε, ..., Rk ::= X | ε (nested, so the count stays linear).
        const size_t optional_n = *max_n - min_n;
        if (optional_n == 0) return;
        std::vector<uint32_t> chain;
        for (size_t i = 0; i < optional_n; ++i) chain.push_back(new_generated_rule(rule));
        for (size_t i = 0; i < optional_n; ++i) {
            Sequence more{x};
            if (i + 1 < optional_n) {
                Element next;
                next.kind = Element::Kind::Rule;
                next.rule = chain[i + 1];
                more.push_back(next);
            }
            g_.rules[chain[i]].alternatives = {more, Sequence{}};
        }
        ref.rule = chain[0];
        seq.push_back(ref);
    }

    size_t parse_count() {
        const size_t start = pos_;
        size_t n = 0;
        while (!at_end() && peek() >= '0' && peek() <= '9') {
            n = n * 10 + static_cast<size_t>(peek() - '0');
            if (n > 10000) fail("repetition count too large (at most 10000)", start);
            ++pos_;
        }
        if (pos_ == start) fail("expected a number");
        return n;
    }

    // One character of a literal or class: an escape or one UTF-8 encoded code point.
    char32_t parse_char() {
        if (at_end()) fail("unexpected end of grammar");
        const unsigned char c = static_cast<unsigned char>(s_[pos_]);
        if (c == '\\') {
            ++pos_;
            if (at_end()) fail("unexpected end after '\\'");
            const char e = s_[pos_++];
            switch (e) {
                case 'n': return '\n';
                case 'r': return '\r';
                case 't': return '\t';
                case '\\': return '\\';
                case '"': return '"';
                case '[': return '[';
                case ']': return ']';
                case '-': return '-';
                case '^': return '^';
                case 'x': return parse_hex(2);
                case 'u': return parse_hex(4);
                case 'U': return parse_hex(8);
                default: fail(std::string("unknown escape '\\") + e + "'", pos_ - 2);
            }
        }
        if (c < 0x80) {
            ++pos_;
            return c;
        }
        const int len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || pos_ + static_cast<size_t>(len) > s_.size()) fail("invalid UTF-8");
        char32_t cp = c & (0x7F >> len);
        for (int i = 1; i < len; ++i) {
            const unsigned char b = static_cast<unsigned char>(s_[pos_ + static_cast<size_t>(i)]);
            if ((b & 0xC0) != 0x80) fail("invalid UTF-8");
            cp = (cp << 6) | (b & 0x3F);
        }
        pos_ += static_cast<size_t>(len);
        return cp;
    }

    char32_t parse_hex(int digits) {
        char32_t v = 0;
        for (int i = 0; i < digits; ++i) {
            const char h = peek();
            int d = -1;
            if (h >= '0' && h <= '9') d = h - '0';
            else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
            if (d < 0) fail("expected " + std::to_string(digits) + " hex digits");
            v = (v << 4) | static_cast<char32_t>(d);
            ++pos_;
        }
        if (v > 0x10FFFF) fail("code point beyond U+10FFFF");
        return v;
    }

    void resolve() {
        for (uint32_t i = 0; i < g_.rules.size(); ++i)
            if (!defined_[i]) fail("rule '" + g_.rules[i].name + "' is used but not defined", first_use_[i]);
        auto root = index_.find("root");
        if (root == index_.end()) throw Error("grammar: no 'root' rule (the start rule must be named root)");
        g_.root = root->second;
        reject_left_recursion();
    }

    // A rule that can reach itself before consuming a character would make the matcher loop: refuse it.
    void reject_left_recursion() {
        const size_t n = g_.rules.size();
        std::vector<bool> nullable(n, false);
        for (bool changed = true; changed;) {
            changed = false;
            for (size_t r = 0; r < n; ++r) {
                if (nullable[r]) continue;
                for (const Sequence& alt : g_.rules[r].alternatives) {
                    const bool all = std::all_of(alt.begin(), alt.end(), [&](const Element& e) {
                        return e.kind == Element::Kind::Rule && nullable[e.rule];
                    });
                    if (all) {
                        nullable[r] = changed = true;
                        break;
                    }
                }
            }
        }
        std::vector<std::vector<uint32_t>> leftmost(n);  // rules reachable before any character
        for (size_t r = 0; r < n; ++r)
            for (const Sequence& alt : g_.rules[r].alternatives)
                for (const Element& e : alt) {
                    if (e.kind != Element::Kind::Rule) break;
                    leftmost[r].push_back(e.rule);
                    if (!nullable[e.rule]) break;
                }
        std::vector<int> state(n, 0);  // 0 new, 1 on the DFS path, 2 done
        std::function<void(uint32_t)> visit = [&](uint32_t r) {
            state[r] = 1;
            for (uint32_t next : leftmost[r]) {
                if (state[next] == 1)
                    throw Error("grammar: rule '" + g_.rules[next].name +
                                "' is left-recursive (it can reach itself before matching a character); "
                                "rewrite it with repetition, e.g. list ::= item (\",\" item)*");
                if (state[next] == 0) visit(next);
            }
            state[r] = 2;
        };
        for (uint32_t r = 0; r < n; ++r)
            if (state[r] == 0) visit(r);
    }
};

}  // namespace

Grammar parse_gbnf(std::string_view text) { return GbnfParser(text).parse(); }

}  // namespace loom::grammar
