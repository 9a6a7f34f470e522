// The architecture registry: config source -> ModelConfig -> the architecture file that builds the model.
// An explicit table rather than self-registering statics, which a static library would drop at link time.
#include <map>
#include <string>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/model_source.h"
#include "models/decoder_model.h"

namespace loom {

void DecoderModel::forward(std::span<const int32_t> tokens, KvCache& cache, float* logits, bool all_logits) {
    if (tokens.empty()) throw Error("forward: no tokens to run");
    if (cache.n_layer() != config_.n_layer || cache.n_head_kv() != config_.n_head_kv ||
        cache.head_dim() != config_.head_dim)
        throw Error("forward: the KV cache was made for a different model");
    const int64_t pos0 = cache.size();
    const int64_t n = static_cast<int64_t>(tokens.size());
    if (pos0 + n > cache.n_ctx())
        throw Error("context window full: " + std::to_string(pos0) + " positions used + " +
                    std::to_string(n) + " new tokens > context size " + std::to_string(cache.n_ctx()));
    run(tokens, cache, pos0, logits, all_logits);
    cache.advance(n);
}

void DecoderModel::forward_batch(std::span<const int32_t> tokens, std::span<KvCache* const> caches,
                                 float* logits) {
    if (tokens.empty()) throw Error("forward_batch: no sequences to run");
    if (tokens.size() != caches.size())
        throw Error("forward_batch: " + std::to_string(tokens.size()) + " tokens for " +
                    std::to_string(caches.size()) + " caches");
    for (size_t i = 0; i < caches.size(); ++i) {
        const KvCache* cache = caches[i];
        if (!cache) throw Error("forward_batch: null cache for sequence " + std::to_string(i));
        if (cache->n_layer() != config_.n_layer || cache->n_head_kv() != config_.n_head_kv ||
            cache->head_dim() != config_.head_dim)
            throw Error("forward_batch: the KV cache of sequence " + std::to_string(i) +
                        " was made for a different model");
        if (cache->size() + 1 > cache->n_ctx())
            throw Error("context window full for sequence " + std::to_string(i) + ": " +
                        std::to_string(cache->size()) + " positions of " + std::to_string(cache->n_ctx()));
        for (size_t j = 0; j < i; ++j)
            if (caches[j] == cache) throw Error("forward_batch: one cache given for two sequences");
    }
    run_batch(tokens, caches, logits);
    for (KvCache* cache : caches) cache->advance(1);
}

void DecoderModel::run_batch(std::span<const int32_t> tokens, std::span<KvCache* const> caches, float* logits) {
    const int64_t n_vocab = config_.n_vocab;
    for (size_t i = 0; i < tokens.size(); ++i) {
        // run() does not advance; the caller (forward_batch) advances every cache once at the end.
        run(tokens.subspan(i, 1), *caches[i], caches[i]->size(), logits + static_cast<int64_t>(i) * n_vocab,
            false);
    }
}

KvCache DecoderModel::make_cache(int64_t n_ctx) const {
    return KvCache(config_.n_layer, config_.n_head_kv, config_.head_dim, n_ctx);
}

ModelConfig read_model_config(const ModelSource& source) {
    if (source.format == SourceFormat::Gguf) {
        if (!source.gguf) throw Error("GGUF model source without metadata").file(source.path);
        return model_config_from_gguf(*source.gguf);
    }
    try {
        return model_config_from_hf(source.hf_config);
    } catch (Error& e) {
        throw e.file(source.path);
    }
}

std::unique_ptr<DecoderModel> load_decoder_model(const ModelSource& source) {
    using Factory = std::unique_ptr<DecoderModel> (*)(const ModelSource&, ModelConfig);
    static const std::map<ModelFamily, Factory> factories = {
        {ModelFamily::Llama, &make_llama_model},
        {ModelFamily::Gpt2, &make_gpt2_model},
        {ModelFamily::Bloom, &make_bloom_model},
        {ModelFamily::Gemma3, &make_gemma3_model},
    };
    ModelConfig config = read_model_config(source);
    try {
        return factories.at(config.family)(source, std::move(config));
    } catch (Error& e) {
        throw e.file(source.path);
    }
}

}  // namespace loom
