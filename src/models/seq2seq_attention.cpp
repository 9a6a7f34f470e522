#include "models/seq2seq_attention.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/cpu_features.h"
#include "kernels/cpu/ops.h"

namespace loom {

void attend_row(float* out, const float* q, const KeyValueRun& kv, int64_t head_dim, float scale,
                const float* bias, float* weights) {
    static const bool use_avx512 = simd_level() >= SimdLevel::Avx512;
    if (use_avx512) {
        attend_row_avx512(out, q, kv, head_dim, scale, bias, weights);
    } else {
        attend_row_reference(out, q, kv, head_dim, scale, bias, weights);
    }
}

void attend_row_reference(float* out, const float* q, const KeyValueRun& kv, int64_t head_dim, float scale,
                          const float* bias, float* weights) {
    for (int64_t j = 0; j < kv.n; ++j) {
        weights[j] = scale * dot(q, kv.k + j * kv.stride, head_dim) + (bias ? bias[j] : 0.0f);
    }
    softmax(weights, kv.n);
    std::fill(out, out + head_dim, 0.0f);
    for (int64_t j = 0; j < kv.n; ++j) {
        const float w = weights[j];
        const float* v = kv.v + j * kv.stride;
        for (int64_t d = 0; d < head_dim; ++d) out[d] += w * v[d];
    }
}

int64_t t5_relative_bucket(int64_t relative_position, bool bidirectional, int64_t num_buckets,
                           int64_t max_distance) {
    int64_t bucket = 0;
    int64_t distance = 0;
    if (bidirectional) {
        num_buckets /= 2;
        if (relative_position > 0) bucket += num_buckets;
        distance = std::llabs(relative_position);
    } else {
        distance = std::max<int64_t>(-relative_position, 0);
    }
    const int64_t max_exact = num_buckets / 2;
    if (distance < max_exact) return bucket + distance;
    // f32 arithmetic, as the reference computes it, so the truncation lands in the same bucket.
    const float log_ratio = std::log(static_cast<float>(distance) / static_cast<float>(max_exact)) /
                            static_cast<float>(std::log(static_cast<double>(max_distance) / max_exact));
    const int64_t large =
        max_exact + static_cast<int64_t>(log_ratio * static_cast<float>(num_buckets - max_exact));
    return bucket + std::min(large, num_buckets - 1);
}

}  // namespace loom
