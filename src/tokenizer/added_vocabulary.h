// Added tokens (special or not) are found in the text before the model sees it: tokens with
// normalized=false are matched on the raw text, those with normalized=true on the normalized text, always
// the leftmost match, and the longest one starting there. lstrip/rstrip swallow adjacent whitespace;
// single_word only matches between non-word characters.
#pragma once

#include <bitset>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/components.h"

namespace loom::tok {

struct AddedToken {
    std::string content;
    int32_t id = -1;
    bool special = false, lstrip = false, rstrip = false, single_word = false, normalized = false;
};

class AddedVocabulary {
  public:
    // `normalizer` (may be null) turns the content of normalized tokens into what appears in normalized text.
    void build(std::vector<AddedToken> tokens, const Normalizer* normalizer);

    // Cuts every untokenized split at the added tokens of one kind (raw: normalized=false).
    void extract(PreTokenizedString& pts, bool normalized_kind) const;

    const AddedToken* by_id(int32_t id) const {
        const auto it = by_id_.find(id);
        return it == by_id_.end() ? nullptr : &tokens_[it->second];
    }
    const AddedToken* by_content(std::string_view content) const;
    const std::vector<AddedToken>& tokens() const { return tokens_; }

  private:
    // A byte trie over the patterns of one kind.
    struct Trie {
        struct Node {
            std::vector<std::pair<uint8_t, int32_t>> children;  // sorted by byte
            int32_t token = -1;                                 // index into tokens_ ending here
        };
        std::vector<Node> nodes{Node{}};
        std::bitset<256> first_bytes;
        void insert(std::string_view pattern, int32_t token);
        // Longest pattern that starts at text[pos]: (token index, length) or (-1, 0).
        std::pair<int32_t, size_t> longest_at(std::string_view text, size_t pos) const;
    };
    void split_one(NormalizedString&& s, const Trie& trie, std::vector<Split>& out) const;

    std::vector<AddedToken> tokens_;
    std::unordered_map<int32_t, size_t> by_id_;
    std::unordered_map<std::string, size_t> by_content_;
    Trie raw_, normalized_;
};

}  // namespace loom::tok
