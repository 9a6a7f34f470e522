// A context-free grammar over Unicode code points, compiled from GBNF text (the grammar format llama.cpp
// reads, so its .gbnf files work unchanged). Repetition (* + ? {m,n}) and parenthesised groups are rewritten
// into plain rules at parse time, so a compiled grammar holds only rules of alternatives of sequences of two
// kinds of element: a character set, or a reference to another rule.
//
// The text format (docs/grammar.md):
//   rule-name ::= alternative | alternative ...      # a comment
//   elements: "literal" (escapes \n \r \t \\ \" \xHH \uHHHH \UHHHHHHHH), [a-z0-9_] and [^...] classes, `.`
//   (any character), other-rule, ( group ), each optionally followed by *, +, ?, {m}, {m,}, {m,n}.
//   A newline ends a rule except inside parentheses or right after `::=` or `|`. The start rule is `root`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loom::grammar {

struct CharRange {
    char32_t lo, hi;  // inclusive
};

struct Element {
    enum class Kind : uint8_t { Chars, Rule };
    Kind kind = Kind::Chars;
    bool negated = false;            // Chars: matches code points in none of the ranges
    std::vector<CharRange> ranges;   // Chars
    uint32_t rule = 0;               // Rule: index into Grammar::rules

    bool matches(char32_t c) const;
    // True when some code point in [lo, hi] matches (used for partial UTF-8 sequences).
    bool matches_any_in(char32_t lo, char32_t hi) const;
};

using Sequence = std::vector<Element>;

struct Rule {
    std::string name;                        // generated rules are named "<parent>-<n>"
    std::vector<Sequence> alternatives;      // an empty Sequence matches the empty string
};

struct Grammar {
    std::vector<Rule> rules;
    uint32_t root = 0;
};

// Parses and checks GBNF text: undefined rules, a missing `root`, and left recursion (which a top-down
// matcher cannot run) are errors. Throws loom::Error naming the line and column.
Grammar parse_gbnf(std::string_view text);

}  // namespace loom::grammar
