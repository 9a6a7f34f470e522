#include "attention_maps/attention_aggregate.h"

#include "core/error.h"

namespace loom {

std::vector<float> mean_over_heads(const AttentionMaps& m) {
    const int64_t n2 = m.n_tokens * m.n_keys, L = m.n_layers(), H = m.n_heads();
    std::vector<float> mean(static_cast<size_t>(L * n2), 0.0f);  // [L, n, n]
    for (int64_t l = 0; l < L; ++l) {
        float* out = mean.data() + l * n2;
        for (int64_t h = 0; h < H; ++h) {
            const float* a = m.matrix(l, h);
            for (int64_t i = 0; i < n2; ++i) out[i] += a[i];
        }
        for (int64_t i = 0; i < n2; ++i) out[i] /= static_cast<float>(H);
    }
    return mean;
}

std::vector<float> attention_rollout(const AttentionMaps& m) {
    if (!m.square())
        throw Error("attention rollout needs self-attention maps (queries and keys the same tokens)");
    const int64_t n = m.n_tokens, n2 = n * n;
    const std::vector<float> mean = mean_over_heads(m);         // [L, n, n]
    std::vector<float> rollout(static_cast<size_t>(n2), 0.0f);  // [n, n], starts as the identity
    for (int64_t i = 0; i < n; ++i) rollout[i * n + i] = 1.0f;
    std::vector<float> a(static_cast<size_t>(n2)), next(static_cast<size_t>(n2));  // [n, n]
    for (int64_t l = 0; l < m.n_layers(); ++l) {
        // A = row_normalise(mean + I): the residual connection carries the token itself through the layer.
        for (int64_t q = 0; q < n; ++q) {
            double sum = 0.0;
            for (int64_t k = 0; k < n; ++k) {
                a[q * n + k] = mean[l * n2 + q * n + k] + (q == k ? 1.0f : 0.0f);
                sum += a[q * n + k];
            }
            for (int64_t k = 0; k < n; ++k) a[q * n + k] = static_cast<float>(a[q * n + k] / sum);
        }
        // R = A * R: this layer mixes the positions the layers below already mixed.
        for (int64_t q = 0; q < n; ++q)
            for (int64_t k = 0; k < n; ++k) {
                double acc = 0.0;
                for (int64_t j = 0; j < n; ++j) acc += static_cast<double>(a[q * n + j]) * rollout[j * n + k];
                next[q * n + k] = static_cast<float>(acc);
            }
        rollout.swap(next);
    }
    return rollout;
}

}  // namespace loom
