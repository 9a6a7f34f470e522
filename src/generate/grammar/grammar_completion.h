// The fewest bytes that finish a sentence of a grammar from where a parse stands: what keeps a
// grammar-constrained answer from running out of tokens half-way (a recursive JSON schema, a model that keeps
// nesting) when generation has a token budget. A byte is the smallest piece every tokenizer here can emit
// (byte-level BPE, and SentencePiece with byte fallback, have a token for each byte), so L bytes can always be
// written in L tokens.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "generate/grammar/grammar.h"

namespace loom::grammar {

class CompletionLengths {
  public:
    static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max() / 4;  // a rule that cannot end

    explicit CompletionLengths(const Grammar& grammar);

    // Fewest bytes that match the elements [index, end) of alternative `alt` of rule `rule`.
    uint64_t suffix(uint32_t rule, uint32_t alt, uint32_t index) const {
        return suffix_[rule][alt][index];
    }
    // Fewest bytes a whole rule matches.
    uint64_t rule(uint32_t r) const { return rule_[r]; }
    // The largest finite suffix(r, a, 0) of the grammar: the most one rule expansion can add to a parse's
    // completion.
    uint64_t longest_alternative() const { return longest_alternative_; }

  private:
    std::vector<uint64_t> rule_;                                  // [rules]
    std::vector<std::vector<std::vector<uint64_t>>> suffix_;     // [rules][alternatives][elements + 1]
    uint64_t longest_alternative_ = 0;
};

// UTF-8 bytes of the shortest character a character set matches (kNever when it matches none).
uint64_t shortest_character_bytes(const Element& chars);

}  // namespace loom::grammar
