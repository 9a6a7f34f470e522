#include "generate/kv_cache.h"

#include <cstring>
#include <string>

#include "core/error.h"

namespace loom {

KvCache::KvCache(int64_t n_layer, int64_t n_head_kv, int64_t head_dim, int64_t n_ctx)
    : n_layer_(n_layer), n_head_kv_(n_head_kv), head_dim_(head_dim), n_ctx_(n_ctx) {
    if (n_layer <= 0 || n_head_kv <= 0 || head_dim <= 0 || n_ctx <= 0)
        throw Error("KV cache dimensions must be positive (context " + std::to_string(n_ctx) + ")");
    const int64_t n = n_layer * n_head_kv * n_ctx * head_dim;
    // new float[] leaves the memory untouched, so the OS maps pages only as positions are written.
    keys_.reset(new float[static_cast<size_t>(n)]);
    values_.reset(new float[static_cast<size_t>(n)]);
}

void KvCache::store(int64_t layer, int64_t pos0, int64_t n_tokens, const float* k, const float* v,
                    int64_t ld) {
    if (layer < 0 || layer >= n_layer_)
        throw Error("KV cache: layer " + std::to_string(layer) + " out of range");
    if (pos0 < 0 || pos0 + n_tokens > n_ctx_)
        throw Error("context window full: positions " + std::to_string(pos0) + ".." +
                    std::to_string(pos0 + n_tokens) + " do not fit a context of " + std::to_string(n_ctx_));
    const size_t row_bytes = static_cast<size_t>(head_dim_) * sizeof(float);
    for (int64_t h = 0; h < n_head_kv_; ++h) {
        float* kd = keys(layer, h) + pos0 * head_dim_;
        float* vd = values(layer, h) + pos0 * head_dim_;
        for (int64_t t = 0; t < n_tokens; ++t) {
            std::memcpy(kd + t * head_dim_, k + t * ld + h * head_dim_, row_bytes);
            std::memcpy(vd + t * head_dim_, v + t * ld + h * head_dim_, row_bytes);
        }
    }
}

void KvCache::advance(int64_t n_tokens) {
    if (n_tokens < 0 || size_ + n_tokens > n_ctx_) throw Error("KV cache: advance past the context window");
    size_ += n_tokens;
}

void KvCache::truncate(int64_t n_positions) {
    if (n_positions < 0 || n_positions > size_) throw Error("KV cache: truncate out of range");
    size_ = n_positions;
}

}  // namespace loom
