// MarianMT's tokenizer: two SentencePiece models (source.spm for the input language, target.spm for the
// output) whose pieces are mapped to model ids through one shared vocab.json. Encoding splits the text with
// source.spm, looks every piece up in vocab.json (unknown pieces -> "<unk>") and appends "</s>"; decoding
// maps ids back to pieces and joins them as SentencePiece does ("▁" -> space).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace loom {

class MarianTokenizer {
  public:
    // folder holds source.spm, target.spm (optional: source.spm is used for both) and vocab.json. Throws
    // loom::Error naming the missing file or the special token vocab.json lacks.
    static std::unique_ptr<MarianTokenizer> load(const std::string& folder);
    static bool present(const std::string& folder);  // has source.spm and vocab.json

    std::vector<int32_t> encode(std::string_view text) const;  // "</s>" last
    std::string decode(std::span<const int32_t> ids) const;    // skips <pad>, </s>, <unk>

  private:
    std::unique_ptr<Tokenizer> source_;
    std::unordered_map<std::string, int32_t> piece_to_id_;
    std::vector<std::string> id_to_piece_;
    int32_t unk_ = -1, eos_ = -1, pad_ = -1;
};

}  // namespace loom
