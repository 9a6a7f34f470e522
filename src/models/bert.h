// The encoder stack shared by BERT, RoBERTa, DistilBERT and MiniLM (all post-LayerNorm transformers):
//
//   x = LayerNorm(word[id] + position[pos] + token_type[type])          embeddings
//   per layer:  x = LayerNorm(x + O(attention(Q x, K x, V x, padding mask)))
//               x = LayerNorm(x + down(act(up(x))))
//
// RoBERTa differs only in positions (numbered from pad_token_id + 1, pads get pad_token_id) and DistilBERT
// only in tensor names and the absence of token types, so one class loads all of them; task heads live in
// encoder_heads.h. Weights stay views into the mapped safetensors (any dtype matmul supports).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/encoder_config.h"
#include "models/encoder_layers_packed.h"
#include "nn/attention.h"
#include "nn/embedding.h"
#include "nn/linear.h"
#include "nn/norm.h"

namespace loom {

struct ModelSource;
class WeightMap;

// A padded batch: B sequences of T tokens, row-major [B, T].
struct EncoderBatch {
    int64_t batch = 0, seq_len = 0;
    std::vector<int32_t> ids;       // [B, T]
    std::vector<int32_t> type_ids;  // [B, T] (ignored by models without token types; may be empty: all 0)
    std::vector<uint8_t> mask;      // [B, T] 1 = real token, 0 = padding (empty: all real)
};

struct EncoderLayer {
    Linear query, key, value, attn_out;  // [hidden, hidden]
    Norm attn_norm;                      // after attention + residual
    Linear up;                           // [ffn, hidden]
    Linear down;                         // [hidden, ffn]
    Norm ffn_norm;                       // after FFN + residual
};

class EncoderModel {
  public:
    // Reads the config and every tensor of the encoder body; throws loom::Error naming a missing tensor or
    // key.
    static std::unique_ptr<EncoderModel> load(const ModelSource& source);

    const EncoderConfig& config() const { return config_; }
    // Tensor name prefix of the body in this file ("", "bert.", "roberta.", "distilbert."): heads are found
    // beside it.
    const std::string& prefix() const { return prefix_; }
    const Embedding& word_embeddings() const { return word_; }
    const WeightMap& weights() const { return *weights_; }

    // Last hidden states: [B * T, hidden]. Throws loom::Error for a bad batch (empty, too long, id out of
    // range, inconsistent sizes).
    // weights_hook: optional attention-map observer (nn/attention.h; see EncoderAttentionShape for the
    // query_pos numbering of a batch), null (the default) when off.
    std::vector<float> forward(const EncoderBatch& batch,
                               const AttentionWeightsHook* weights_hook = nullptr) const;

    // Last hidden states of the real tokens only, packed back to back: [sum of lengths, hidden], token t of
    // sequence s at row offsets[s] + t (offsets: [B + 1]). No work is spent on padding: the linear layers run
    // over all real tokens of the batch as one GEMM and attention runs per sequence at its own length. The
    // batch must be padded on the right (as EncoderRunner::make_batch does); same errors as forward().
    std::vector<float> forward_packed(const EncoderBatch& batch, std::vector<int64_t>& offsets) const;

  private:
    EncoderModel() = default;
    void embed(const EncoderBatch& batch, float* x) const;
    std::vector<uint8_t> checked_mask(const EncoderBatch& batch) const;  // validates; [B, T] (all 1 if none)
    const std::vector<PackedEncoderLayer>& packed_layers() const;        // packs on first use (once)

    EncoderConfig config_;
    std::string prefix_;
    std::shared_ptr<const WeightMap> weights_;  // keeps the views' owner reachable for heads
    Embedding word_, position_, token_type_;    // token_type_ empty for DistilBERT
    Norm embed_norm_;
    std::vector<EncoderLayer> layers_;
    mutable std::once_flag packed_once_;
    mutable std::vector<PackedEncoderLayer>
        packed_;  // layers_ packed for the GEMM kernel, empty on scalar CPUs
};

// Applies the configured activation in place on n floats.
void apply_activation(EncoderActivation act, float* x, int64_t n);

}  // namespace loom
