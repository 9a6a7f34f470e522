#include "generate/grammar/grammar_completion.h"

#include <algorithm>

namespace loom::grammar {

namespace {

uint64_t utf8_bytes(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

uint64_t add(uint64_t a, uint64_t b) { return std::min(a + b, CompletionLengths::kNever); }

}  // namespace

uint64_t shortest_character_bytes(const Element& chars) {
    if (!chars.negated) {
        char32_t lowest = 0x110000;
        for (const CharRange& r : chars.ranges) lowest = std::min(lowest, r.lo);
        return lowest > 0x10FFFF ? CompletionLengths::kNever : utf8_bytes(lowest);
    }
    // Negated: the smallest code point outside every range.
    std::vector<CharRange> sorted = chars.ranges;
    std::sort(sorted.begin(), sorted.end(), [](const CharRange& a, const CharRange& b) { return a.lo < b.lo; });
    char32_t next = 0;
    for (const CharRange& r : sorted) {
        if (r.lo > next) break;
        next = std::max<char32_t>(next, r.hi + 1);
    }
    return next > 0x10FFFF ? CompletionLengths::kNever : utf8_bytes(next);
}

CompletionLengths::CompletionLengths(const Grammar& grammar) {
    const size_t n = grammar.rules.size();
    rule_.assign(n, kNever);
    // Fixed point: a rule's length is the least over its alternatives of the sum of their elements'; lengths
    // only fall, each fall is by at least 1, and a rule that can end settles within `n` rounds of its parts.
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t r = 0; r < n; ++r) {
            uint64_t best = rule_[r];
            for (const Sequence& seq : grammar.rules[r].alternatives) {
                uint64_t sum = 0;
                for (const Element& e : seq)
                    sum = add(sum, e.kind == Element::Kind::Chars ? shortest_character_bytes(e) : rule_[e.rule]);
                best = std::min(best, sum);
            }
            if (best < rule_[r]) {
                rule_[r] = best;
                changed = true;
            }
        }
    }
    suffix_.resize(n);
    for (size_t r = 0; r < n; ++r) {
        const auto& alternatives = grammar.rules[r].alternatives;
        suffix_[r].resize(alternatives.size());
        for (size_t a = 0; a < alternatives.size(); ++a) {
            const Sequence& seq = alternatives[a];
            std::vector<uint64_t>& s = suffix_[r][a];
            s.assign(seq.size() + 1, 0);
            for (size_t i = seq.size(); i-- > 0;) {
                const Element& e = seq[i];
                s[i] = add(s[i + 1], e.kind == Element::Kind::Chars ? shortest_character_bytes(e) : rule_[e.rule]);
            }
            if (s[0] < kNever) longest_alternative_ = std::max(longest_alternative_, s[0]);
        }
    }
}

}  // namespace loom::grammar
