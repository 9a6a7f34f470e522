// The attention pieces of encoder-decoder models: one query row over a strided run of keys / values (used for
// encoder self-attention, decoder self-attention over a Seq2SeqState and cross-attention over a
// Seq2SeqEncoded), and T5's relative position buckets.
#pragma once
#include <cstdint>

namespace loom {

// Keys / values of one head: key j is at k + j * stride, value j at v + j * stride, j < n.
struct KeyValueRun {
    const float* k = nullptr;
    const float* v = nullptr;
    int64_t stride = 0;
    int64_t n = 0;
};

// out[head_dim] = sum_j w_j v_j,  w = softmax_j(scale * q . k_j + bias[j]);  bias: [n] or null.
// weights: [n] scratch that holds w on return (the attention-map hook reads it). Runs the best variant
// below for this CPU (core/cpu_features.h simd_level, LOOM_CPU caps it).
void attend_row(float* out, const float* q, const KeyValueRun& kv, int64_t head_dim, float scale,
                const float* bias, float* weights);

// The variants: the scalar reference (dots accumulated in double) and AVX-512 (f32 lanes; only on a CPU
// with AVX-512). tests/unit/test_seq2seq_attention.cpp compares them.
void attend_row_reference(float* out, const float* q, const KeyValueRun& kv, int64_t head_dim, float scale,
                          const float* bias, float* weights);
void attend_row_avx512(float* out, const float* q, const KeyValueRun& kv, int64_t head_dim, float scale,
                       const float* bias, float* weights);

// T5's bucket of relative_position = key_pos - query_pos: half the buckets for each sign when bidirectional
// (encoder), only the past when not (decoder); exact below num_buckets/4 (resp. /2), logarithmic up to
// max_distance, the last bucket beyond.
int64_t t5_relative_bucket(int64_t relative_position, bool bidirectional, int64_t num_buckets,
                           int64_t max_distance);

}  // namespace loom
