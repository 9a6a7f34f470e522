// Token classification (NER) with the semantics of Hugging Face `pipeline("token-classification")`:
//   scores   = softmax(logits) per token; special tokens are skipped
//   subwords = WordPiece-style tokenizers (a continuing_subword_prefix): a token whose text length differs
//   from
//              the original characters it covers; otherwise the heuristic "no space before it"; [UNK] never
//   none     : one entity per token {entity, score, index, word, start, end}
//   simple   : argmax per token, then adjacent tokens grouped (B- starts a group, I-/bare labels continue one
//              with the same tag) into {entity_group, score = mean, word, start, end}
//   first / average / max : words first get one label from their first token / the mean of their tokens'
//              scores / the token with the highest score, then grouped as in simple
//   entities labelled "O" are dropped. start/end are CHARACTER offsets into the text (Python str indices).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/encoder_heads.h"
#include "tasks/encoder_runner.h"

namespace loom {

enum class Aggregation { None, Simple, First, Average, Max };
Aggregation parse_aggregation(
    const std::string& name);  // "none", "simple", ...; throws loom::Error otherwise

// One token with its label probabilities, before aggregation.
struct NerToken {
    std::string word;           // the token as the vocabulary spells it ("##ing"), or the text for [UNK]
    std::vector<float> scores;  // [num_labels], softmax of the logits
    size_t start = 0, end = 0;  // character offsets
    int64_t index = 0;          // position in the encoded sequence (special tokens counted)
    bool is_subword = false;
};

struct NerEntity {
    std::string label;  // "entity" (none) or "entity_group" (grouped strategies)
    float score = 0.0f;
    std::string word;
    size_t start = 0, end = 0;
    std::optional<int64_t> index;  // strategy none only
};

// Joins tokens back into text (HF convert_tokens_to_string: the tokenizer's decoder, or spaces).
using TokensToString = std::function<std::string(const std::vector<std::string>&)>;

// The aggregation step alone (pure: unit-tested on hand-made tokens).
std::vector<NerEntity> aggregate_ner(const std::vector<NerToken>& tokens,
                                     const std::vector<std::string>& id2label, Aggregation strategy,
                                     const TokensToString& tokens_to_string,
                                     const std::vector<std::string>& ignore_labels = {"O"});

// JSON array as the HF pipeline returns it (entity/index for none, entity_group otherwise).
nlohmann::json ner_to_json(const std::vector<NerEntity>& entities, Aggregation strategy);

class NerPipeline {
  public:
    // Throws loom::Error when the model has no token-classification head.
    static std::unique_ptr<NerPipeline> open(const std::string& folder, EncoderInputOptions options = {});
    // The tokens of `text` with their scores (what aggregate_ner consumes).
    std::vector<NerToken> classify_tokens(const std::string& text) const;
    std::vector<NerEntity> run(const std::string& text, Aggregation strategy) const;
    std::string tokens_to_string(const std::vector<std::string>& tokens) const;
    const EncoderRunner& runner() const { return *runner_; }

  private:
    NerPipeline() = default;
    std::unique_ptr<EncoderRunner> runner_;
    std::unique_ptr<TokenClassifierHead> head_;
    bool word_aware_ = false;  // the tokenizer model has a continuing_subword_prefix
    std::optional<int32_t> unk_id_;
};

}  // namespace loom
