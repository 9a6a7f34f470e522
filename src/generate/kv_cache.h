// KvCache: the keys and values of every position a session has run, for every layer. Owned by the generation
// session (never by the model), sized once to the context window.
//
// Layout: [layer][kv_head][pos][head_dim] f32, so one head's keys for positions 0..n are one contiguous block
// (the attention loop streams it). f32 rather than f16: exact parity with the reference and no conversion in
// the hot loop; at the default 2048-token window SmolLM2-135M needs 30*3*2048*64*4*2 = 94 MB, and pages are
// only touched as positions fill (the buffer is not zeroed up front).
#pragma once

#include <cstdint>
#include <memory>

namespace loom {

class KvCache {
  public:
    KvCache(int64_t n_layer, int64_t n_head_kv, int64_t head_dim, int64_t n_ctx);

    int64_t n_layer() const { return n_layer_; }
    int64_t n_head_kv() const { return n_head_kv_; }
    int64_t head_dim() const { return head_dim_; }
    int64_t n_ctx() const { return n_ctx_; }  // capacity in positions
    int64_t size() const { return size_; }    // positions filled (the next token's position)

    // [n_ctx, head_dim] for one layer and kv head; rows 0..size()+pending are valid.
    float* keys(int64_t layer, int64_t head) { return keys_.get() + offset(layer, head); }
    float* values(int64_t layer, int64_t head) { return values_.get() + offset(layer, head); }
    const float* keys(int64_t layer, int64_t head) const { return keys_.get() + offset(layer, head); }
    const float* values(int64_t layer, int64_t head) const { return values_.get() + offset(layer, head); }

    // Writes n_tokens positions starting at pos0 for one layer. k, v: [n_tokens, n_head_kv * head_dim] with
    // row stride ld (floats). Throws loom::Error past the capacity.
    void store(int64_t layer, int64_t pos0, int64_t n_tokens, const float* k, const float* v, int64_t ld);

    // After every layer has stored them: the positions become part of the context.
    void advance(int64_t n_tokens);
    void truncate(int64_t n_positions);  // forget positions >= n_positions (e.g. to re-run from a prefix)
    void clear() { size_ = 0; }

  private:
    int64_t offset(int64_t layer, int64_t head) const {
        return ((layer * n_head_kv_) + head) * n_ctx_ * head_dim_;
    }

    int64_t n_layer_, n_head_kv_, head_dim_, n_ctx_;
    int64_t size_ = 0;
    std::unique_ptr<float[]> keys_;    // [n_layer, n_head_kv, n_ctx, head_dim]
    std::unique_ptr<float[]> values_;  // [n_layer, n_head_kv, n_ctx, head_dim]
};

}  // namespace loom
