// Unigram language model (SentencePiece unigram, HF `Unigram`): the tokenization is the path through the
// lattice of vocab pieces with the highest total log-probability (Viterbi). Characters no piece covers
// become unk (score = lowest piece score - 10); adjacent unks fuse.
#pragma once

#include "tokenizer/models/vocab.h"

namespace loom::tok {

class UnigramModel : public Model {
  public:
    explicit UnigramModel(const json& j);
    void tokenize(std::string_view word, std::vector<Token>& out) const override;
    std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
    const std::string* id_to_token(int32_t id) const override { return vocab_.token(id); }
    size_t vocab_size() const override { return vocab_.size(); }

  private:
    Vocab vocab_;
    std::vector<double> scores_;  // by id
    std::optional<int32_t> unk_id_;
    bool byte_fallback_ = false;
    size_t max_piece_bytes_ = 0;
    double unk_score_ = 0;
    int32_t byte_ids_[256];
};

}  // namespace loom::tok
