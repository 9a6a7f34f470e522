// KvBlockPool: one pool of fixed-size KV blocks shared by many sequences (paged KV, as vLLM's PagedAttention
// memory manager). A block holds `block_size` consecutive positions of keys and values for every layer and kv
// head; a paged KvCache keeps a table of the blocks its positions live in. Blocks are reference-counted so
// sequences with a common prompt prefix share them (a shared block is copied before it is written: see
// KvCache::store).
//
// Layout of block b: keys [layer][kv_head][block_size][head_dim] f32 (values the same), so one head's rows of
// one block are contiguous. The memory is allocated once and not zeroed: pages are mapped as blocks are
// first written. Not thread-safe: one owner thread (the server's scheduler).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace loom {

class KvBlockPool {
  public:
    // Throws loom::Error when a dimension is not positive.
    KvBlockPool(int64_t n_layer, int64_t n_head_kv, int64_t head_dim, int64_t block_size, int64_t n_blocks);

    // Bytes one block takes (keys + values), for sizing a pool from a memory budget.
    static size_t block_bytes(int64_t n_layer, int64_t n_head_kv, int64_t head_dim, int64_t block_size);

    int64_t n_layer() const { return n_layer_; }
    int64_t n_head_kv() const { return n_head_kv_; }
    int64_t head_dim() const { return head_dim_; }
    int64_t block_size() const { return block_size_; }
    int64_t n_blocks() const { return static_cast<int64_t>(refs_.size()); }
    int64_t n_free() const { return static_cast<int64_t>(free_.size()); }

    // A free block with one reference, or -1 when none is free.
    int32_t allocate();
    void retain(int32_t block);   // one more sequence uses it
    void release(int32_t block);  // one fewer; back to the free list at zero
    int32_t ref_count(int32_t block) const { return refs_[static_cast<size_t>(block)]; }

    // [block_size, head_dim] rows of one layer and kv head in `block`.
    float* keys(int32_t block, int64_t layer, int64_t head) { return keys_.get() + offset(block, layer, head); }
    float* values(int32_t block, int64_t layer, int64_t head) { return values_.get() + offset(block, layer, head); }
    const float* keys(int32_t block, int64_t layer, int64_t head) const {
        return keys_.get() + offset(block, layer, head);
    }
    const float* values(int32_t block, int64_t layer, int64_t head) const {
        return values_.get() + offset(block, layer, head);
    }
    // Copies every layer's and head's rows of block `from` into block `to`.
    void copy_block(int32_t from, int32_t to);

  private:
    size_t offset(int32_t block, int64_t layer, int64_t head) const {
        return static_cast<size_t>(((block * n_layer_ + layer) * n_head_kv_ + head) * block_size_ * head_dim_);
    }

    int64_t n_layer_, n_head_kv_, head_dim_, block_size_;
    std::unique_ptr<float[]> keys_, values_;  // [n_blocks, n_layer, n_head_kv, block_size, head_dim]
    std::vector<int32_t> refs_;               // [n_blocks] sequences using each block
    std::vector<int32_t> free_;               // blocks with no reference (a stack: recently freed first)
};

}  // namespace loom
