// Causal scaled dot-product attention of new queries over the KV cache (MHA and GQA):
//   for query head h at position i:  w = softmax_j(scale * q_i . k_j + alibi[h] * j),  j = lo..i
//                                    out_i = sum_j w_j v_j
// lo = 0, or with a sliding window W: lo = max(0, i - W + 1) (the query sees its last W positions, itself
// included, as transformers' sliding_window masks them).
// Query head h reads kv head h / (n_head / n_head_kv).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace loom {

class KvCache;

// Optional observer of attention weights (for attention maps): called once per (layer, head, query position)
// with the softmax weights over key positions 0..query_pos (0 outside a sliding window). Called from worker threads: must be thread-safe.
// Off (null) by default; it costs nothing when unset.
using AttentionWeightsHook =
    std::function<void(int64_t layer, int64_t head, int64_t query_pos, std::span<const float> weights)>;

struct AttentionParams {
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;
    float scale = 1.0f;                   // usually 1 / sqrt(head_dim)
    const float* alibi_slopes = nullptr;  // [n_head], or null for no ALiBi
    const AttentionWeightsHook* weights_hook = nullptr;
    int64_t window = 0;  // sliding window in positions; 0: none
};

// out: [n_tokens, n_head * head_dim] (row stride ld_out); q: [n_tokens, n_head * head_dim] (row stride ld_q),
// already position-encoded. The cache holds keys/values of positions 0 .. pos0 + n_tokens - 1 for `layer`.
void causal_attention(float* out, int64_t ld_out, const float* q, int64_t ld_q, const KvCache& cache,
                      int64_t layer, int64_t pos0, int64_t n_tokens, const AttentionParams& params);

}  // namespace loom
