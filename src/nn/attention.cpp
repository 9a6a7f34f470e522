#include "nn/attention.h"

#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "generate/kv_cache.h"
#include "kernels/cpu/ops.h"

namespace loom {

void causal_attention(float* out, int64_t ld_out, const float* q, int64_t ld_q, const KvCache& cache,
                      int64_t layer, int64_t pos0, int64_t n_tokens, const AttentionParams& p) {
    if (p.n_head_kv <= 0 || p.n_head % p.n_head_kv != 0) throw Error("attention: head counts do not divide");
    if (pos0 + n_tokens > cache.n_ctx()) throw Error("attention: positions past the KV cache");
    const int64_t group = p.n_head / p.n_head_kv;  // query heads per kv head
    const int64_t d = p.head_dim;
    // One work item per (query token, head); each needs a scores row of up to pos0 + n_tokens entries.
    parallel_for(n_tokens * p.n_head, 4, [&](int64_t begin, int64_t end) {
        std::vector<float> scores(static_cast<size_t>(pos0 + n_tokens));  // [n_keys]
        for (int64_t item = begin; item < end; ++item) {
            const int64_t t = item / p.n_head, h = item % p.n_head;
            const int64_t query_pos = pos0 + t;
            const int64_t n_keys = query_pos + 1;                // causal: keys 0..query_pos
            const float* qh = q + t * ld_q + h * d;              // [head_dim]
            const float* keys = cache.keys(layer, h / group);    // [n_ctx, head_dim]
            const float* vals = cache.values(layer, h / group);  // [n_ctx, head_dim]
            for (int64_t j = 0; j < n_keys; ++j) scores[j] = p.scale * dot(qh, keys + j * d, d);
            if (p.alibi_slopes)
                for (int64_t j = 0; j < n_keys; ++j) scores[j] += p.alibi_slopes[h] * static_cast<float>(j);
            softmax(scores.data(), n_keys);
            if (p.weights_hook && *p.weights_hook)
                (*p.weights_hook)(layer, h, query_pos, std::span<const float>(scores.data(), n_keys));
            float* oh = out + t * ld_out + h * d;  // [head_dim]
            for (int64_t i = 0; i < d; ++i) oh[i] = 0.0f;
            for (int64_t j = 0; j < n_keys; ++j) {
                const float w = scores[j];
                const float* vj = vals + j * d;
                for (int64_t i = 0; i < d; ++i) oh[i] += w * vj[i];
            }
        }
    });
}

}  // namespace loom
