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
    const size_t n = caches_.size();
    if (parent_of_beam.size() != n) throw Error("beam reorder: expected one parent per beam");
    // The first beam continuing a parent takes its cache; the other children get copies, written into the
    // caches no beam continues (there are exactly as many of those as extra children).
    std::vector<int32_t> first_child(n, -1);
    for (size_t b = 0; b < n; ++b) {
        const int32_t p = parent_of_beam[b];
        if (p < 0 || static_cast<size_t>(p) >= n) throw Error("beam reorder: parent out of range");
        if (first_child[p] < 0) first_child[p] = static_cast<int32_t>(b);
    }
    std::vector<std::unique_ptr<KvCache>> unused;
    for (size_t p = 0; p < n; ++p)
        if (first_child[p] < 0) unused.push_back(std::move(caches_[p]));
    std::vector<std::unique_ptr<KvCache>> next(n);
    for (size_t b = 0; b < n; ++b) {
        const int32_t p = parent_of_beam[b];
        if (first_child[p] == static_cast<int32_t>(b)) continue;
        next[b] = std::move(unused.back());
        unused.pop_back();
        copy_kv_cache(*caches_[p], *next[b]);
    }
    for (size_t b = 0; b < n; ++b)
        if (!next[b]) next[b] = std::move(caches_[parent_of_beam[b]]);
    caches_ = std::move(next);
}

void DecoderBeamModel::step(std::span<const int32_t> token_per_beam, float* logits) {
    if (token_per_beam.size() != caches_.size()) throw Error("beam step: expected one token per beam");
    // One batched pass: the weight matmuls run once for all beams, attention per beam over its own cache.
    std::vector<KvCache*> caches;
    for (auto& c : caches_) caches.push_back(c.get());
    model_.forward_batch(token_per_beam, caches, logits);
}

}  // namespace loom
