// The stages of one tokenizer, as built from tokenizer.json, and the encoding of one sequence through them.
#pragma once

#include <memory>

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

  private:
    std::unique_ptr<Normalizer> normalizer_;
    std::unique_ptr<PreTokenizer> pre_tokenizer_;
    std::unique_ptr<Model> model_;
    std::unique_ptr<PostProcessor> post_processor_;
    std::unique_ptr<Decoder> decoder_;
    AddedVocabulary added_;
};

}  // namespace loom::tok
