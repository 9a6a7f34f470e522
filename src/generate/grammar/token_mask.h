// Which vocabulary tokens the grammar allows next. The vocabulary's byte strings sit in a trie built once per
// tokenizer; each step walks the trie with the matcher, dropping a whole subtree as soon as its prefix is
// refused. Masks are cached by the matcher's exact state, since generation revisits the same states (inside
// a JSON string, between members, ...) again and again.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "generate/grammar/grammar_matcher.h"
#include "tokenizer/tokenizer.h"

namespace loom::grammar {

// The bytes each token id stands for in generated text; nullopt for special tokens (never text).
struct TokenBytes {
    std::vector<std::optional<std::string>> bytes;  // (vocab,)
    static TokenBytes from_tokenizer(const Tokenizer& tokenizer);
};

class TokenTrie {
  public:
    explicit TokenTrie(const TokenBytes& vocabulary);
    size_t vocab_size() const { return vocab_size_; }
    const std::optional<std::string>& bytes_of(int32_t id) const { return bytes_.at(static_cast<size_t>(id)); }

    // Nodes are numbered in depth-first order (node 0: the empty prefix), and stored as flat arrays, so a walk
    // reads memory mostly forwards. Node n's children are edges [edge_begin(n), edge_begin(n + 1)), sorted
    // by byte; the ids whose bytes end at node n are tokens_at(n).
    uint32_t edge_begin(uint32_t node) const { return edge_begin_[node]; }
    uint8_t edge_byte(uint32_t edge) const { return edge_byte_[edge]; }
    uint32_t edge_child(uint32_t edge) const { return edge_child_[edge]; }
    std::span<const int32_t> tokens_at(uint32_t node) const {
        return {token_ids_.data() + token_begin_[node], token_begin_[node + 1] - token_begin_[node]};
    }

  private:
    size_t vocab_size_ = 0;
    std::vector<std::optional<std::string>> bytes_;
    std::vector<uint32_t> edge_begin_;   // (n_nodes + 1,)
    std::vector<uint8_t> edge_byte_;     // (n_nodes - 1,)
    std::vector<uint32_t> edge_child_;   // (n_nodes - 1,)
    std::vector<uint32_t> token_begin_;  // (n_nodes + 1,)
    std::vector<int32_t> token_ids_;
};

// allowed[id]: the grammar accepts the token's bytes from the matcher's state. End-of-generation tokens are
// not judged here (the caller allows them when matcher.can_end()).
//
// The walk moves between interned grammar states (each distinct set of parse stacks gets a number) and
// remembers every (state, character) -> state transition it computed, so after the first steps most trie
// nodes cost one hash lookup: inside a JSON string, nearly every character leads back to the same state.
class TokenMasker {
  public:
    explicit TokenMasker(std::shared_ptr<const TokenTrie> trie) : trie_(std::move(trie)) {}
    const std::vector<bool>& allowed(const GrammarMatcher& matcher);
    const TokenTrie& trie() const { return *trie_; }

  private:
    std::shared_ptr<const TokenTrie> trie_;
    std::unordered_map<std::string, std::vector<bool>> mask_cache_;  // by GrammarMatcher::state_key()
    std::vector<GrammarMatcher> states_;                             // interned, without pending bytes
    std::unordered_map<std::string, int32_t> state_ids_;
    std::unordered_map<uint64_t, int32_t> transitions_;              // state << 21 | char -> state, -1 refused
    std::vector<std::array<int32_t, 128>> ascii_transitions_;        // the same for ASCII; -2 not computed yet

    int32_t intern(const GrammarMatcher& m);
    int32_t next_state(int32_t state, char32_t c);
    // The bytes of a character begun but not finished along the current trie path.
    struct PartialChar {
        std::array<char, 4> bytes{};
        size_t size = 0;
        std::string_view view() const { return {bytes.data(), size}; }
    };
    // The state after `byte` from `state` with `partial` pending (updated), or -1 when the grammar refuses it.
    int32_t follow_byte(int32_t state, PartialChar& partial, uint8_t byte);
    void walk(uint32_t node, int32_t state, PartialChar partial, std::vector<uint8_t>& allowed);
};

}  // namespace loom::grammar
