// Masked-token prediction with the output of Hugging Face `pipeline("fill-mask")`: for each mask token in the
// text, the top-k vocabulary entries by softmax probability, each with the text re-decoded with that token in
// place (special tokens skipped when the text has one mask, kept when it has several, as HF does).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "models/encoder_heads.h"
#include "tasks/encoder_runner.h"

namespace loom {

struct FillMaskCandidate {
    float score = 0.0f;
    int32_t token = 0;
    std::string token_str;  // decode([token])
    std::string sequence;   // the input with this token in the mask's place, decoded
};

class FillMaskPipeline {
  public:
    // Throws loom::Error when the model has no masked-LM head or the tokenizer no mask token.
    static std::unique_ptr<FillMaskPipeline> open(const std::string& folder,
                                                  EncoderInputOptions options = {});

    // One list per mask token in the text (in order); throws loom::Error when the text has no mask token.
    std::vector<std::vector<FillMaskCandidate>> run(const std::string& text, size_t top_k = 5) const;
    // Logits over the vocabulary at each mask position: [n_masks][vocab].
    std::vector<std::vector<float>> mask_logits(const std::string& text,
                                                std::vector<int32_t>* ids_out = nullptr) const;
    const std::string& mask_token() const { return mask_token_; }

  private:
    FillMaskPipeline() = default;
    std::unique_ptr<EncoderRunner> runner_;
    std::unique_ptr<MaskedLmHead> head_;
    std::string mask_token_;
    int32_t mask_id_ = 0;
};

nlohmann::json fill_mask_to_json(const std::vector<std::vector<FillMaskCandidate>>& results);

}  // namespace loom
