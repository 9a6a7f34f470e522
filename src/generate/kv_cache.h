// KvCache: the keys and values of every position a session has run, for every layer. Owned by the generation
// session (never by the model).
//
// Two storages, one interface (store / advance / truncate, and for_each_run to read):
// - contiguous (the default): sized once to the context window. Layout [layer][kv_head][pos][head_dim] f32, so
//   one head's keys for positions 0..n are one contiguous block (the attention loop streams it). f32 rather
//   than f16: exact parity with the reference and no conversion in the hot loop; at the default 2048-token
//   window SmolLM2-135M needs 30*3*2048*64*4*2 = 94 MB, and pages are only touched as positions fill (the
//   buffer is not zeroed up front).
// - paged: positions live in fixed-size blocks of a KvBlockPool shared with other sequences (the server's
//   one pool, sized by --kv-memory); the cache holds only a block table, taking blocks as positions fill.
//   Blocks may be shared with other sequences (copy_prefix_from); a shared block is copied before it is
//   written, so a sequence never changes another's keys or values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "generate/kv_block_pool.h"

namespace loom {

class KvCache {
  public:
    KvCache(int64_t n_layer, int64_t n_head_kv, int64_t head_dim, int64_t n_ctx);
    // A paged cache of at most n_ctx positions over `pool` (which must outlive it); takes no block yet.
    KvCache(KvBlockPool& pool, int64_t n_ctx);
    KvCache(KvCache&& other) noexcept;
    KvCache& operator=(KvCache&& other) noexcept;
    KvCache(const KvCache&) = delete;
    KvCache& operator=(const KvCache&) = delete;
    ~KvCache();  // a paged cache gives its blocks back

    int64_t n_layer() const { return n_layer_; }
    int64_t n_head_kv() const { return n_head_kv_; }
    int64_t head_dim() const { return head_dim_; }
    int64_t n_ctx() const { return n_ctx_; }  // capacity in positions
    int64_t size() const { return size_; }    // positions filled (the next token's position)
    bool paged() const { return pool_ != nullptr; }

    // Contiguous storage only (loom::Error when paged): [n_ctx, head_dim] for one layer and kv head; rows
    // 0..size()+pending are valid.
    float* keys(int64_t layer, int64_t head) { return keys_.get() + offset(layer, head); }
    float* values(int64_t layer, int64_t head) { return values_.get() + offset(layer, head); }
    const float* keys(int64_t layer, int64_t head) const { return keys_.get() + offset(layer, head); }
    const float* values(int64_t layer, int64_t head) const { return values_.get() + offset(layer, head); }

    // Reads positions 0..n_positions-1 of one layer and kv head in order, one call per contiguous run:
    // fn(first_position, n_rows, keys [n_rows, head_dim], values [n_rows, head_dim]). One call for the
    // contiguous storage, one per block when paged.
    template <class Fn>
    void for_each_run(int64_t layer, int64_t head, int64_t n_positions, Fn&& fn) const {
        if (!pool_) {
            fn(int64_t{0}, n_positions, keys(layer, head), values(layer, head));
            return;
        }
        const int64_t bs = pool_->block_size();
        for (int64_t p = 0; p < n_positions; p += bs) {
            const int32_t b = blocks_[static_cast<size_t>(p / bs)];
            fn(p, std::min(bs, n_positions - p), pool_->keys(b, layer, head), pool_->values(b, layer, head));
        }
    }

    // Writes n_tokens positions starting at pos0 for one layer. k, v: [n_tokens, n_head_kv * head_dim] with
    // row stride ld (floats). Throws loom::Error past the capacity, or when paged and the pool has no free
    // block for a new position (or for the private copy of a shared block).
    void store(int64_t layer, int64_t pos0, int64_t n_tokens, const float* k, const float* v, int64_t ld);

    // After every layer has stored them: the positions become part of the context.
    void advance(int64_t n_tokens);
    void truncate(int64_t n_positions);  // forget positions >= n_positions (e.g. to re-run from a prefix)
    void clear() { truncate(0); }

    // Makes this cache hold exactly positions 0..n_positions-1 of `source` (every layer and kv head), e.g. a
    // prompt prefix another sequence has already run: keys and values depend only on the tokens and their
    // positions, so the copy equals running those tokens here. Two paged caches of one pool share the blocks
    // instead of copying them. Throws loom::Error when the shapes differ or `source` holds fewer positions.
    void copy_prefix_from(const KvCache& source, int64_t n_positions);

    // Paged: blocks that writing positions [pos0, pos0 + n_tokens) will take from the pool (new blocks and
    // private copies of shared ones); 0 for the contiguous storage.
    int64_t blocks_to_write(int64_t pos0, int64_t n_tokens) const;
    int64_t blocks_held() const { return static_cast<int64_t>(blocks_.size()); }
    // Paged: blocks only this cache uses (what clear() gives back to the pool).
    int64_t blocks_owned() const;

  private:
    int64_t offset(int64_t layer, int64_t head) const;
    void store_paged(int64_t layer, int64_t pos0, int64_t n_tokens, const float* k, const float* v, int64_t ld);
    int32_t writable_block(int64_t index);  // blocks_[index], allocated or made private first
    void release_blocks_from(size_t first);

    int64_t n_layer_, n_head_kv_, head_dim_, n_ctx_;
    int64_t size_ = 0;
    std::unique_ptr<float[]> keys_;    // contiguous: [n_layer, n_head_kv, n_ctx, head_dim]
    std::unique_ptr<float[]> values_;  // contiguous: [n_layer, n_head_kv, n_ctx, head_dim]
    KvBlockPool* pool_ = nullptr;      // paged: the blocks' owner
    std::vector<int32_t> blocks_;      // paged: [ceil(positions written / block_size)] block ids
};

}  // namespace loom
