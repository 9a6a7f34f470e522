#include "generate/beam_decoder_adapter.h"

#include <cstring>
#include <string>

#include "core/error.h"
#include "models/decoder_model.h"

namespace loom {

void copy_kv_cache(const KvCache& src, KvCache& dst) {
    if (&src == &dst) return;
    if (src.n_layer() != dst.n_layer() || src.n_head_kv() != dst.n_head_kv() ||
        src.head_dim() != dst.head_dim())
        throw Error("KV cache copy: caches shaped for different models");
    if (src.size() > dst.n_ctx())
        throw Error("KV cache copy: " + std::to_string(src.size()) + " positions do not fit a cache of " +
                    std::to_string(dst.n_ctx()));
    const size_t bytes = static_cast<size_t>(src.size() * src.head_dim()) * sizeof(float);
    for (int64_t layer = 0; layer < src.n_layer(); ++layer)
        for (int64_t head = 0; head < src.n_head_kv(); ++head) {
            std::memcpy(dst.keys(layer, head), src.keys(layer, head), bytes);
            std::memcpy(dst.values(layer, head), src.values(layer, head), bytes);
        }
    dst.clear();
    dst.advance(src.size());
}

DecoderBeamModel::DecoderBeamModel(DecoderModel& model) : model_(model) {}

int64_t DecoderBeamModel::n_vocab() const {
    return model_.config().n_vocab;
}

void DecoderBeamModel::begin(std::span<const int32_t> prefix, int32_t n_beams, int64_t max_length,
                             float* logits) {
    caches_.clear();
    for (int32_t b = 0; b < n_beams; ++b)
        caches_.push_back(std::make_unique<KvCache>(model_.make_cache(max_length)));
    const int64_t n_vocab = this->n_vocab();
    model_.forward(prefix, *caches_[0], logits, /*all_logits=*/false);  // logits row 0
    for (int32_t b = 1; b < n_beams; ++b) {
        copy_kv_cache(*caches_[0], *caches_[b]);
        std::memcpy(logits + b * n_vocab, logits, static_cast<size_t>(n_vocab) * sizeof(float));
    }
}

void DecoderBeamModel::reorder(std::span<const int32_t> parent_of_beam) {
    reorder_beam_slots(caches_, parent_of_beam,
                       [](const std::unique_ptr<KvCache>& parent, std::unique_ptr<KvCache>& free) {
                           copy_kv_cache(*parent, *free);
                       });
}

void DecoderBeamModel::step(std::span<const int32_t> token_per_beam, float* logits) {
    if (token_per_beam.size() != caches_.size()) throw Error("beam step: expected one token per beam");
    // One batched pass: the weight matmuls run once for all beams, attention per beam over its own cache.
    std::vector<KvCache*> caches;
    for (auto& c : caches_) caches.push_back(c.get());
    model_.forward_batch(token_per_beam, caches, logits);
}

}  // namespace loom
