#include "models/encoder_attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"
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
