#include "models/encoder_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"
#include "kernels/cpu/attention_head.h"
#include "kernels/cpu/ops.h"

namespace loom {

void encoder_attention(float* out, const float* q, const float* k, const float* v, const uint8_t* key_mask,
                       const EncoderAttentionShape& s) {
    const int64_t width = s.n_heads * s.head_dim;  // row stride of q, k, v, out
    const int64_t T = s.seq_len;
    // One work item per (sequence, head); each needs a [T] row of scores.
    parallel_for(s.batch * s.n_heads, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> scores(static_cast<size_t>(T));  // [T] weights of one query over all keys
        for (int64_t item = begin; item < end; ++item) {
            const int64_t b = item / s.n_heads, h = item % s.n_heads;
            const int64_t row0 = b * T;
            const uint8_t* mask = key_mask + row0;
            const int64_t col = h * s.head_dim;
            for (int64_t i = 0; i < T; ++i) {
                const float* qi = q + (row0 + i) * width + col;
                for (int64_t j = 0; j < T; ++j)
                    scores[j] = mask[j] ? s.scale * dot(qi, k + (row0 + j) * width + col, s.head_dim)
                                        : -std::numeric_limits<float>::infinity();
                softmax(scores.data(), T);
                if (s.weights_hook)
                    (*s.weights_hook)(s.layer, h, row0 + i, std::span<const float>(scores.data(), T));
                float* oi = out + (row0 + i) * width + col;
                for (int64_t d = 0; d < s.head_dim; ++d) oi[d] = 0.0f;
                for (int64_t j = 0; j < T; ++j) {
                    if (scores[j] == 0.0f) continue;
                    const float* vj = v + (row0 + j) * width + col;
                    for (int64_t d = 0; d < s.head_dim; ++d) oi[d] += scores[j] * vj[d];
                }
            }
        }
    });
}

}  // namespace loom

namespace loom {

void encoder_attention_spans(const EncoderAttentionSpans& a) {
    // Work items: (span, head), costing n_queries * n_keys each. Lengths differ a lot within a batch (one
    // 128-token text among short ones), so the items are cut into one contiguous run per thread of equal
    // total cost rather than equal count.
    const int64_t heads = a.n_heads, items = static_cast<int64_t>(a.spans.size()) * heads;
    std::vector<int64_t> cost_before(static_cast<size_t>(items + 1), 0);  // [items + 1] prefix sums
    for (int64_t it = 0; it < items; ++it) {
        const EncoderSpan& s = a.spans[static_cast<size_t>(it / heads)];
        cost_before[it + 1] = cost_before[it] + std::max<int64_t>(1, s.n_queries * s.n_keys);
    }
    const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(num_threads(), items));
    const int64_t total = cost_before[items];
    const SimdLevel level = simd_level();
    parallel_for(threads, 1, [&](int64_t t0, int64_t t1) {
        // Items whose cost starts in [total * t0 / threads, total * t1 / threads).
        auto first_item = [&](int64_t t) {
            const int64_t target = total * t / threads;
            return std::lower_bound(cost_before.begin(), cost_before.end() - 1, target) - cost_before.begin();
        };
        for (int64_t it = first_item(t0), end = t1 == threads ? items : first_item(t1); it < end; ++it) {
            const EncoderSpan& s = a.spans[static_cast<size_t>(it / heads)];
            const int64_t col = (it % heads) * a.head_dim;
            AttentionHead h;
            h.q = a.q + s.row0 * a.ld_qkv + col;
            h.k = a.k + s.row0 * a.ld_qkv + col;
            h.v = a.v + s.row0 * a.ld_qkv + col;
            h.out = a.out + s.row0 * a.ld_out + col;
            h.ldq = h.ldk = h.ldv = a.ld_qkv;
            h.ldo = a.ld_out;
            h.n_q = s.n_queries;
            h.n_k = s.n_keys;
            h.d = a.head_dim;
            h.scale = a.scale;
            if (!a.weights_hook) {
                attention_head(level, h);
                continue;
            }
            const int64_t width = std::max(a.hook_width, s.n_keys);
            std::vector<float> probs(static_cast<size_t>(s.n_queries * width), 0.0f);  // [n_q, width]
            h.probs = probs.data();
            h.ldp = width;
            attention_head(level, h);
            for (int64_t i = 0; i < s.n_queries; ++i)
                (*a.weights_hook)(
                    a.layer, it % heads, s.row0 + i,
                    std::span<const float>(probs.data() + i * width, static_cast<size_t>(width)));
        }
    });
}

}  // namespace loom
