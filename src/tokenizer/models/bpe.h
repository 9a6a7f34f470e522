// Byte-pair encoding (HF `BPE` model): each word starts as one symbol per character (or per byte through
// <0xXX> tokens with byte_fallback), then the adjacent pair with the lowest merge rank is merged, leftmost
// first, until no pair has a merge.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "tokenizer/models/vocab.h"

namespace loom::tok {

class BpeModel : public Model {
  public:
    explicit BpeModel(const json& j);
    void tokenize(std::string_view word, std::vector<Token>& out) const override;
    std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
    const std::string* id_to_token(int32_t id) const override { return vocab_.token(id); }
    size_t vocab_size() const override { return vocab_.size(); }

  private:
    struct Merge {
        uint32_t rank;
        int32_t new_id;
    };
    struct Symbol {
        int32_t id;
        uint32_t len;  // bytes of the word it covers
        int32_t prev, next;
    };
    static uint64_t pair_key(int32_t a, int32_t b) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }
    void initial_symbols(std::string_view word, std::vector<Symbol>& symbols) const;
    void merge_all(std::vector<Symbol>& symbols) const;
    void tokenize_uncached(std::string_view word, std::vector<Token>& out) const;

    Vocab vocab_;
    std::unordered_map<uint64_t, Merge> merges_;
    std::optional<int32_t> unk_id_;
    std::string prefix_, suffix_;
    bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
    int32_t byte_ids_[256];  // id of "<0xXX>" per byte, -1 where absent

    // Words seen before (most words repeat): word -> tokens. Bounded; guarded for concurrent encodes.
    mutable std::mutex cache_mutex_;
    mutable std::unordered_map<std::string, std::vector<Token>, StringHash, std::equal_to<>> cache_;
};

}  // namespace loom::tok
