#include "generate/kv_block_pool.h"

#include <cstring>
#include <string>

#include "core/error.h"

namespace loom {

KvBlockPool::KvBlockPool(int64_t n_layer, int64_t n_head_kv, int64_t head_dim, int64_t block_size,
                         int64_t n_blocks)
    : n_layer_(n_layer), n_head_kv_(n_head_kv), head_dim_(head_dim), block_size_(block_size) {
    if (n_layer <= 0 || n_head_kv <= 0 || head_dim <= 0 || block_size <= 0 || n_blocks <= 0)
        throw Error("KV block pool dimensions must be positive (" + std::to_string(n_blocks) + " blocks of " +
                    std::to_string(block_size) + " positions)");
    const size_t n = static_cast<size_t>(n_blocks * n_layer * n_head_kv * block_size * head_dim);
    keys_.reset(new float[n]);  // untouched: the OS maps pages as blocks are written
    values_.reset(new float[n]);
    refs_.assign(static_cast<size_t>(n_blocks), 0);
    free_.reserve(static_cast<size_t>(n_blocks));
    for (int64_t b = n_blocks - 1; b >= 0; --b) free_.push_back(static_cast<int32_t>(b));
}

size_t KvBlockPool::block_bytes(int64_t n_layer, int64_t n_head_kv, int64_t head_dim, int64_t block_size) {
    return static_cast<size_t>(2 * n_layer * n_head_kv * block_size * head_dim) * sizeof(float);
}

int32_t KvBlockPool::allocate() {
    if (free_.empty()) return -1;
    const int32_t b = free_.back();
    free_.pop_back();
    refs_[static_cast<size_t>(b)] = 1;
    return b;
}

void KvBlockPool::retain(int32_t block) {
    if (block < 0 || block >= n_blocks() || refs_[static_cast<size_t>(block)] <= 0)
        throw Error("KV block pool: retaining block " + std::to_string(block) + ", which is not in use");
    ++refs_[static_cast<size_t>(block)];
}

void KvBlockPool::release(int32_t block) {
    if (block < 0 || block >= n_blocks() || refs_[static_cast<size_t>(block)] <= 0)
        throw Error("KV block pool: releasing block " + std::to_string(block) + ", which is not in use");
    if (--refs_[static_cast<size_t>(block)] == 0) free_.push_back(block);
}

void KvBlockPool::copy_block(int32_t from, int32_t to) {
    const size_t n = static_cast<size_t>(n_layer_ * n_head_kv_ * block_size_ * head_dim_);
    std::memcpy(keys_.get() + offset(to, 0, 0), keys_.get() + offset(from, 0, 0), n * sizeof(float));
    std::memcpy(values_.get() + offset(to, 0, 0), values_.get() + offset(from, 0, 0), n * sizeof(float));
}

}  // namespace loom
