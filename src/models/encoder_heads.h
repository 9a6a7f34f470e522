// Task heads over the encoder's last hidden states, loaded from the tensors beside the body:
//   token classification   logits[t] = classifier(h[t])                                   ("classifier.*")
//   sequence classification BERT: classifier(tanh(pooler(h[CLS])))   RoBERTa: out_proj(tanh(dense(h[CLS])))
//                           DistilBERT: classifier(relu(pre_classifier(h[CLS])))
//   masked LM               logits[t] = decoder(LayerNorm(act(dense(h[t])))) + bias, decoder tied to the word
//                           embeddings unless the file has its own
// A model without the requested head gives a loom::Error that says which tensors were looked for.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/bert.h"

namespace loom {

class TokenClassifierHead {
  public:
    explicit TokenClassifierHead(const EncoderModel& model);  // throws when absent
    int64_t num_labels() const { return classifier_.out_features(); }
    // logits: [n_rows, num_labels] from hidden [n_rows, hidden].
    std::vector<float> forward(const float* hidden, int64_t n_rows) const;

  private:
    Linear classifier_;
};

class SequenceClassifierHead {
  public:
    explicit SequenceClassifierHead(const EncoderModel& model);  // throws when absent
    int64_t num_labels() const { return out_.out_features(); }
    // logits: [B, num_labels] from hidden [B * T, hidden] (reads token 0 of each sequence).
    std::vector<float> forward(const float* hidden, int64_t batch, int64_t seq_len) const;

  private:
    EncoderArch arch_;
    Linear dense_, out_;
};

// BERT's pooler: tanh(dense(h[CLS])). Part of BertModel, used by BERT sequence classification.
class BertPooler {
  public:
    explicit BertPooler(const EncoderModel& model);  // throws when absent
    // pooled: [B, hidden].
    std::vector<float> forward(const float* hidden, int64_t batch, int64_t seq_len) const;

  private:
    Linear dense_;
};

class MaskedLmHead {
  public:
    explicit MaskedLmHead(const EncoderModel& model);  // throws when absent
    int64_t vocab_size() const { return decoder_.out_features(); }
    // logits: [n_rows, vocab] from hidden [n_rows, hidden] (pass only the rows you need: the vocab is large).
    std::vector<float> forward(const float* hidden, int64_t n_rows) const;

  private:
    EncoderActivation activation_;
    Linear transform_;
    Norm norm_;
    Linear decoder_;
};

}  // namespace loom
