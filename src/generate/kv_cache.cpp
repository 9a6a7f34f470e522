#include "generate/kv_cache.h"

#include <cstring>
#include <string>
#include <utility>

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

KvCache::KvCache(KvBlockPool& pool, int64_t n_ctx)
    : n_layer_(pool.n_layer()), n_head_kv_(pool.n_head_kv()), head_dim_(pool.head_dim()), n_ctx_(n_ctx),
      pool_(&pool) {
    if (n_ctx <= 0) throw Error("KV cache dimensions must be positive (context " + std::to_string(n_ctx) + ")");
}

KvCache::KvCache(KvCache&& other) noexcept
    : n_layer_(other.n_layer_), n_head_kv_(other.n_head_kv_), head_dim_(other.head_dim_), n_ctx_(other.n_ctx_),
      size_(other.size_), keys_(std::move(other.keys_)), values_(std::move(other.values_)),
      pool_(std::exchange(other.pool_, nullptr)), blocks_(std::move(other.blocks_)) {
    other.blocks_.clear();
    other.size_ = 0;
}

KvCache& KvCache::operator=(KvCache&& other) noexcept {
    if (this == &other) return *this;
    release_blocks_from(0);
    n_layer_ = other.n_layer_;
    n_head_kv_ = other.n_head_kv_;
    head_dim_ = other.head_dim_;
    n_ctx_ = other.n_ctx_;
    size_ = std::exchange(other.size_, 0);
    keys_ = std::move(other.keys_);
    values_ = std::move(other.values_);
    pool_ = std::exchange(other.pool_, nullptr);
    blocks_ = std::move(other.blocks_);
    other.blocks_.clear();
    return *this;
}

KvCache::~KvCache() { release_blocks_from(0); }

int64_t KvCache::offset(int64_t layer, int64_t head) const {
    if (pool_) throw Error("KV cache: a paged cache has no contiguous rows (read it with for_each_run)");
    return ((layer * n_head_kv_) + head) * n_ctx_ * head_dim_;
}

void KvCache::store(int64_t layer, int64_t pos0, int64_t n_tokens, const float* k, const float* v,
                    int64_t ld) {
    if (layer < 0 || layer >= n_layer_)
        throw Error("KV cache: layer " + std::to_string(layer) + " out of range");
    if (pos0 < 0 || pos0 + n_tokens > n_ctx_)
        throw Error("context window full: positions " + std::to_string(pos0) + ".." +
                    std::to_string(pos0 + n_tokens) + " do not fit a context of " + std::to_string(n_ctx_));
    if (pool_) {
        store_paged(layer, pos0, n_tokens, k, v, ld);
        return;
    }
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

void KvCache::store_paged(int64_t layer, int64_t pos0, int64_t n_tokens, const float* k, const float* v,
                          int64_t ld) {
    const int64_t bs = pool_->block_size();
    const size_t row_bytes = static_cast<size_t>(head_dim_) * sizeof(float);
    for (int64_t t = 0; t < n_tokens;) {
        const int64_t pos = pos0 + t;
        const int32_t b = writable_block(pos / bs);
        const int64_t row = pos % bs, rows = std::min(bs - row, n_tokens - t);  // within this block
        for (int64_t h = 0; h < n_head_kv_; ++h) {
            float* kd = pool_->keys(b, layer, h) + row * head_dim_;
            float* vd = pool_->values(b, layer, h) + row * head_dim_;
            for (int64_t r = 0; r < rows; ++r) {
                std::memcpy(kd + r * head_dim_, k + (t + r) * ld + h * head_dim_, row_bytes);
                std::memcpy(vd + r * head_dim_, v + (t + r) * ld + h * head_dim_, row_bytes);
            }
        }
        t += rows;
    }
}

int32_t KvCache::writable_block(int64_t index) {
    const size_t i = static_cast<size_t>(index);
    if (i > blocks_.size()) throw Error("KV cache: writing past the positions filled");
    if (i == blocks_.size() || pool_->ref_count(blocks_[i]) > 1) {
        const int32_t fresh = pool_->allocate();
        if (fresh < 0)
            throw Error("KV memory full: no free block of " + std::to_string(pool_->block_size()) +
                        " positions in a pool of " + std::to_string(pool_->n_blocks()))
                .hint("start the server with a larger --kv-memory or fewer --parallel sequences");
        if (i == blocks_.size()) {
            blocks_.push_back(fresh);
        } else {  // shared with another sequence: write into a private copy (its rows < size_ are kept)
            pool_->copy_block(blocks_[i], fresh);
            pool_->release(blocks_[i]);
            blocks_[i] = fresh;
        }
    }
    return blocks_[i];
}

void KvCache::advance(int64_t n_tokens) {
    if (n_tokens < 0 || size_ + n_tokens > n_ctx_) throw Error("KV cache: advance past the context window");
    size_ += n_tokens;
}

void KvCache::truncate(int64_t n_positions) {
    if (n_positions < 0 || n_positions > size_) throw Error("KV cache: truncate out of range");
    size_ = n_positions;
    if (pool_) {
        const int64_t bs = pool_->block_size();
        release_blocks_from(static_cast<size_t>((n_positions + bs - 1) / bs));
    }
}

void KvCache::release_blocks_from(size_t first) {
    if (!pool_) return;
    while (blocks_.size() > first) {
        pool_->release(blocks_.back());
        blocks_.pop_back();
    }
}

void KvCache::copy_prefix_from(const KvCache& source, int64_t n_positions) {
    if (source.n_layer_ != n_layer_ || source.n_head_kv_ != n_head_kv_ || source.head_dim_ != head_dim_)
        throw Error("KV cache: copying a prefix between caches of different shapes");
    if (n_positions < 0 || n_positions > source.size_ || n_positions > n_ctx_)
        throw Error("KV cache: copying " + std::to_string(n_positions) + " positions from a cache holding " +
                    std::to_string(source.size_) + " into one of capacity " + std::to_string(n_ctx_));
    if (&source == this) {
        truncate(n_positions);
        return;
    }
    if (pool_ && source.pool_ == pool_) {  // share the blocks; a shared block is copied when written
        clear();
        const int64_t bs = pool_->block_size();
        for (int64_t i = 0; i < (n_positions + bs - 1) / bs; ++i) {
            pool_->retain(source.blocks_[static_cast<size_t>(i)]);
            blocks_.push_back(source.blocks_[static_cast<size_t>(i)]);
        }
        size_ = n_positions;
        return;
    }
    if (pool_ || source.pool_)
        throw Error("KV cache: copying a prefix between a paged cache and another storage is not supported");
    const size_t bytes = static_cast<size_t>(n_positions * head_dim_) * sizeof(float);  // one head's rows
    for (int64_t l = 0; l < n_layer_; ++l)
        for (int64_t h = 0; h < n_head_kv_; ++h) {
            std::memcpy(keys(l, h), source.keys(l, h), bytes);
            std::memcpy(values(l, h), source.values(l, h), bytes);
        }
    size_ = n_positions;
}

int64_t KvCache::blocks_to_write(int64_t pos0, int64_t n_tokens) const {
    if (!pool_ || n_tokens <= 0) return 0;
    const int64_t bs = pool_->block_size();
    int64_t needed = 0;
    for (int64_t i = pos0 / bs; i <= (pos0 + n_tokens - 1) / bs; ++i) {
        const size_t index = static_cast<size_t>(i);
        if (index >= blocks_.size() || pool_->ref_count(blocks_[index]) > 1) ++needed;
    }
    return needed;
}

int64_t KvCache::blocks_owned() const {
    int64_t n = 0;
    for (int32_t b : blocks_)
        if (pool_->ref_count(b) == 1) ++n;
    return n;
}

}  // namespace loom
