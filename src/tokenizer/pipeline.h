// The stages of one tokenizer, as built from tokenizer.json, and the encoding of one sequence through them.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/components.h"

namespace loom::tok {

class Pipeline {
  public:
    explicit Pipeline(const json& tokenizer_json);

    // Added tokens -> normalizer -> pre-tokenizer -> model, for one sequence (no post-processing).
    Encoding encode_sequence(std::string_view text, int32_t type_id, int8_t sequence_id) const;

    const Normalizer* normalizer() const { return normalizer_.get(); }
    const PreTokenizer* pre_tokenizer() const { return pre_tokenizer_.get(); }
    const Model& model() const { return *model_; }
    const PostProcessor* post_processor() const { return post_processor_.get(); }
    const Decoder* decoder() const { return decoder_.get(); }
    const AddedVocabulary& added() const { return added_; }
    // What the decoder is given for `id` in place of its token, never skipped as special; null for most ids.
    // Loom-only tokenizer.json key "loom_decode_as": {"ID": "TOKEN", ...}, written by the loaders whose
    // reference renders some ids differently from HF's pipeline: a GGUF's user-defined tokens are literal
    // text (llama.cpp), a bare SentencePiece model prints its <unk> whatever the skip flag (sentencepiece).
    const std::string* decode_as(int32_t id) const {
        auto it = decode_as_.find(id);
        return it == decode_as_.end() ? nullptr : &it->second;
    }

  private:
    std::unique_ptr<Normalizer> normalizer_;
    std::unique_ptr<PreTokenizer> pre_tokenizer_;
    std::unique_ptr<Model> model_;
    std::unique_ptr<PostProcessor> post_processor_;
    std::unique_ptr<Decoder> decoder_;
    AddedVocabulary added_;
    std::unordered_map<int32_t, std::string> decode_as_;
};

}  // namespace loom::tok
