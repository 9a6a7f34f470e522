// Scalar reference of one attention head, and the dispatch to the vectorised variants.
#include "kernels/cpu/attention_head.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/ops.h"

namespace loom {

void attention_head_reference(const AttentionHead& h) {
    std::vector<float> p(static_cast<size_t>(h.n_k));  // [n_k] one row of P
    for (int64_t i = 0; i < h.n_q; ++i) {
        const int64_t n_keys = attention_keys_of_query(h, i);
        const float* qi = h.q + i * h.ldq;
        for (int64_t j = 0; j < n_keys; ++j)
            p[j] = h.scale * dot(qi, attention_key_row(h, j), h.d) + h.alibi_slope * static_cast<float>(j);
        softmax(p.data(), n_keys);
        std::fill(p.begin() + n_keys, p.end(), 0.0f);
        if (h.probs) std::copy(p.begin(), p.end(), h.probs + i * h.ldp);
        float* oi = h.out + i * h.ldo;
        for (int64_t c = 0; c < h.d; ++c) oi[c] = 0.0f;
        for (int64_t j = 0; j < n_keys; ++j)
            for (int64_t c = 0; c < h.d; ++c) oi[c] += p[j] * attention_value_row(h, j)[c];
    }
}

void attention_head(SimdLevel level, const AttentionHead& h) {
    if (h.n_q <= 0 || h.n_k <= 0 || h.d <= 0) return;
    if (level == SimdLevel::Avx512) return kernels::attention_head_avx512(h);
    if (h.runs) return attention_head_reference(h);  // AVX2's kernel transposes K from one block
    if (level == SimdLevel::Avx2) return kernels::attention_head_avx2(h);
    attention_head_reference(h);
}

}  // namespace loom
