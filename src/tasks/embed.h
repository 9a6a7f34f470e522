// Sentence embeddings as sentence-transformers computes them: encoder -> pooling -> optional L2
// normalisation. The folder says which: modules.json lists the modules (Transformer, Pooling in
// 1_Pooling/config.json, Normalize), sentence_bert_config.json gives max_seq_length. A plain HF folder gets
// mean pooling, no normalize (sentence-transformers' default for such folders). Options override either.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tasks/encoder_runner.h"

namespace loom {

enum class PoolingMode { Cls, Mean, Max, MeanSqrtLen };

// "cls", "mean", "max", "mean_sqrt_len"; throws loom::Error otherwise.
PoolingMode parse_pooling_mode(const std::string& name);

struct PoolingConfig {
    // Concatenated in sentence-transformers' order (cls, max, mean, mean_sqrt_len) when several are on.
    std::vector<PoolingMode> modes = {PoolingMode::Mean};
    bool normalize = false;
    size_t max_seq_length = 0;  // 0: the model's limit
};

// Reads modules.json / 1_Pooling/config.json / sentence_bert_config.json of `folder` (absent: defaults).
PoolingConfig read_pooling_config(const std::string& folder);

// out: [dim * modes.size()] pooled from hidden [T, H] with mask [T] (1 = real token).
std::vector<float> pool(const float* hidden, const uint8_t* mask, int64_t T, int64_t H,
                        const std::vector<PoolingMode>& modes);
void l2_normalize(std::vector<float>& v);

struct EmbedOptions {
    std::optional<PoolingMode> pooling;  // override the folder's pooling
    std::optional<bool> normalize;       // override the folder's Normalize module
    size_t batch_size = 32;
    bool truncate = true;
};

class Embedder {
  public:
    static std::unique_ptr<Embedder> open(const std::string& folder, const EmbedOptions& options = {});

    // One vector per text, in order. Throws loom::Error for an empty list.
    // progress(texts done, texts) after each batch, when given (a progress bar).
    std::vector<std::vector<float>> embed(
        std::span<const std::string> texts,
        const std::function<void(size_t done, size_t total)>& progress = {}) const;
    int64_t dim() const;
    const PoolingConfig& pooling() const { return pooling_; }
    const EncoderRunner& runner() const { return *runner_; }

  private:
    Embedder() = default;
    std::unique_ptr<EncoderRunner> runner_;
    PoolingConfig pooling_;
    size_t batch_size_ = 32;
};

}  // namespace loom
