// Runs a Grammar over text as it is generated: a set of parse stacks (a top-down pushdown automaton without
// backtracking; all alternatives are followed at once), fed byte by byte, so a token that ends inside a UTF-8
// character is accepted when some allowed character starts with those bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_completion.h"

namespace loom::grammar {

// Length of the UTF-8 sequence a lead byte starts (0: not a lead byte).
int utf8_sequence_length(uint8_t lead);
// The smallest code point a sequence of this length may encode (shorter forms are invalid, "overlong").
char32_t utf8_min_code_point(int len);
// c, decoded from `len` bytes, is a valid UTF-8 character (not overlong, no surrogate, at most U+10FFFF).
bool is_valid_code_point(char32_t c, int len);
// The character of a complete sequence (its length is utf8_sequence_length of its first byte); nullopt when
// the sequence is not valid UTF-8 (overlong, a surrogate, past U+10FFFF). Continuation bytes are checked by
// the caller as they arrive.
std::optional<char32_t> utf8_decode_sequence(std::string_view sequence);

class GrammarMatcher {
  public:
    explicit GrammarMatcher(const Grammar& grammar);

    // Feeds bytes; false (and the state unchanged) when the grammar cannot continue with them.
    bool accept(std::string_view bytes);
    bool accept_byte(uint8_t byte);
    // The text so far is a complete sentence of the grammar.
    bool can_end() const;
    // No more text can follow (every stack is finished): only the end of generation is left.
    bool must_end() const;
    // Fewest bytes after which the text so far is a complete sentence (0 when it already is; the bytes that
    // finish a pending UTF-8 character included); CompletionLengths::kNever when it cannot end.
    uint64_t min_completion_bytes(const CompletionLengths& lengths) const;
    // The most bytes any one of the current parses needs to finish (kNever ones left out; 0 if none is finite).
    uint64_t max_completion_bytes(const CompletionLengths& lengths) const;
    // A compact, exact key of the state (equal keys: equal futures), for caching token masks.
    std::string state_key() const;

    // For the mask walk (token_mask.cpp), which follows whole characters itself:
    // moves over one complete character (false, state unchanged, when refused);
    bool accept_code_point(char32_t c);
    // some allowed character starts with these bytes (the start of one UTF-8 sequence, at least one byte);
    bool allows_partial(std::string_view utf8_prefix) const;
    // the bytes of an unfinished character, and this state without them.
    const std::string& pending() const { return pending_; }
    GrammarMatcher without_pending() const;

    const Grammar& grammar() const { return *grammar_; }

  private:
    // One parse position: rule << 32 | alternative << 16 | element index.
    using Position = uint64_t;
    using Stack = std::vector<Position>;  // back() is the innermost position; it points at a Chars element

    const Grammar* grammar_;
    std::vector<Stack> stacks_;  // sorted, unique; an empty Stack means "finished here"
    std::string pending_;        // bytes of a UTF-8 character not yet complete

    const Element& element_at(Position p) const;
    static uint64_t stack_completion_bytes(const Stack& stack, const CompletionLengths& lengths);
    // Follows rule references until every stack's top is a Chars element (or it is finished), appending to `out`
    // and counting the positions appended in `positions`; throws loom::Error past the ambiguity limits.
    void expand(Stack stack, std::vector<Stack>& out, size_t& positions, int depth) const;
    bool advance(char32_t c);
    static void normalize(std::vector<Stack>& stacks);
};

}  // namespace loom::grammar
