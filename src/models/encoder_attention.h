// Bidirectional (unmasked-in-time) multi-head attention for encoder models, with a padding mask per sequence:
//   for sequence b, head h, query i:  w_j = softmax_j(scale * q_i . k_j  +  (mask[b][j] ? 0 : -inf))
//                                     out_i = sum_j w_j v_j
// Padded query rows are computed like the others (their keys are masked, so they stay finite), as PyTorch
// does.
#pragma once

#include <cstdint>
#include <span>

#include "nn/attention.h"

namespace loom {

struct EncoderAttentionShape {
    int64_t batch = 0;    // B sequences
    int64_t seq_len = 0;  // T tokens each (padded)
    int64_t n_heads = 0;
    int64_t head_dim = 0;
    float scale = 1.0f;  // 1 / sqrt(head_dim)
    // Attention-map observer (nn/attention.h), null when off. Called per (sequence b, head, query i) with
    // query_pos = b * seq_len + i and the weights over that sequence's seq_len keys (0 at padding).
    const AttentionWeightsHook* weights_hook = nullptr;
    int64_t layer = 0;  // passed to the hook
};

// out, q, k, v: [B * T, n_heads * head_dim], head h of token t at columns [h * head_dim, (h + 1) * head_dim).
// key_mask: [B * T], 1 for a real token, 0 for padding (a sequence must have at least one real token).
// (The scalar reference: one q.k dot per query and key. It also serves the attention-map hook.)
void encoder_attention(float* out, const float* q, const float* k, const float* v, const uint8_t* key_mask,
                       const EncoderAttentionShape& shape);

// One sequence in a matrix of token rows: queries are rows [row0, row0 + n_queries); keys and values are the
// first n_keys of them (its real tokens; padded query rows, if any, follow them and still get computed).
struct EncoderSpan {
    int64_t row0 = 0, n_queries = 0, n_keys = 0;
};

// Attention of every (span, head) with the vectorised kernels of kernels/cpu/attention_head.h, each sequence
// at its own length: no work on padded keys, none at all on tokens that are not in a span.
struct EncoderAttentionSpans {
    const float *q = nullptr, *k = nullptr, *v = nullptr;  // rows [*, n_heads * head_dim] at stride ld_qkv
    int64_t ld_qkv = 0;                                    // e.g. 3 * hidden for one fused QKV matrix
    float* out = nullptr;                                  // [*, n_heads * head_dim] at stride ld_out
    int64_t ld_out = 0;
    std::span<const EncoderSpan> spans;
    int64_t n_heads = 0, head_dim = 0;
    float scale = 1.0f;  // 1 / sqrt(head_dim)
    // Attention-map observer, null when off: called per (span, head, query i) with query_pos = row0 + i and
    // the weights over hook_width keys (the padded length; 0 past the span's n_keys), as encoder_attention
    // does for a padded batch. It only observes: the hidden states are the same with or without it.
    const AttentionWeightsHook* weights_hook = nullptr;
    int64_t layer = 0, hook_width = 0;
};
void encoder_attention_spans(const EncoderAttentionSpans& a);

}  // namespace loom
