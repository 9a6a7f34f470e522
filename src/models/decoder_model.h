// DecoderModel: a decoder-only transformer (GPT-2, LLaMA/Mistral/Qwen2/Qwen3/SmolLM2, BLOOM, Gemma 3) built
// from a ModelSource. The model holds weights only (views into the mapped file); the KV cache belongs to the
// caller's session.
//
//   auto model = load_decoder_model(open_model_source("model.gguf"));
//   KvCache cache = model->make_cache(2048);
//   std::vector<float> logits(model->config().n_vocab);
//   model->forward(prompt_ids, cache, logits.data(), /*all_logits=*/false);  // prefill: one batched pass
//   model->forward({&next, 1}, cache, logits.data(), false);                 // decode: one token
//
// Not thread-safe: forward() reuses the model's scratch buffers (one session per model at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "generate/kv_cache.h"
#include "models/model_config.h"
#include "nn/attention.h"

namespace loom {

struct ModelSource;

class DecoderModel {
  public:
    virtual ~DecoderModel() = default;

    const ModelConfig& config() const { return config_; }

    // Runs `tokens` at positions cache.size() .. cache.size() + n - 1, stores their keys/values and advances
    // the cache. logits: [n, n_vocab] when all_logits, else [1, n_vocab] for the last token only. Throws
    // loom::Error when the tokens do not fit the cache or an id is outside the vocabulary.
    void forward(std::span<const int32_t> tokens, KvCache& cache, float* logits, bool all_logits);

    // One decode step for several independent sequences at once (continuous batching): tokens[i] runs at
    // position caches[i]->size() against caches[i], which then advances by one. The weight matmuls run once
    // with M = tokens.size() rows; attention runs per sequence over its own cache. logits: [n, n_vocab].
    // Equal to calling forward({&tokens[i], 1}, *caches[i], ...) for each i. Throws loom::Error when the
    // sizes differ, a cache is full or shaped for another model, or the same cache appears twice.
    void forward_batch(std::span<const int32_t> tokens, std::span<KvCache* const> caches, float* logits);

    // A cache shaped for this model with room for n_ctx positions.
    KvCache make_cache(int64_t n_ctx) const;

    // Attention-map observer (see nn/attention.h); pass an empty function to turn it off.
    void set_attention_hook(AttentionWeightsHook hook) { attention_hook_ = std::move(hook); }

  protected:
    explicit DecoderModel(ModelConfig config) : config_(std::move(config)) {}
    // The architecture's pass; forward() has validated the sizes. pos0 = cache.size().
    virtual void run(std::span<const int32_t> tokens, KvCache& cache, int64_t pos0, float* logits,
                     bool all_logits) = 0;

    // The batched pass; forward_batch() has validated the sizes. The default runs run() per sequence
    // (architectures that override it share the weight matmuls across the batch).
    virtual void run_batch(std::span<const int32_t> tokens, std::span<KvCache* const> caches, float* logits);

    ModelConfig config_;
    AttentionWeightsHook attention_hook_;
};

// Picks the architecture from source.architecture; throws loom::Error for an unknown one
// ("unknown architecture 'xyz'; loom runs: gpt2, llama, mistral, qwen2, qwen3, bloom, gemma3"), for a missing tensor or a
// tensor whose shape differs from the config (naming the tensor, expected and found shapes).
std::unique_ptr<DecoderModel> load_decoder_model(const ModelSource& source);

// The hyperparameters of a source, without building the model.
ModelConfig read_model_config(const ModelSource& source);

// One per architecture file (models/<arch>.cpp).
std::unique_ptr<DecoderModel> make_llama_model(const ModelSource& source, ModelConfig config);
std::unique_ptr<DecoderModel> make_gpt2_model(const ModelSource& source, ModelConfig config);
std::unique_ptr<DecoderModel> make_bloom_model(const ModelSource& source, ModelConfig config);
std::unique_ptr<DecoderModel> make_gemma3_model(const ModelSource& source, ModelConfig config);

}  // namespace loom
