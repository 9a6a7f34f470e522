// The encoder layer stack on the fast path: weights packed once per model (prepacked_gemm.h), Q, K and V
// as one [3H, H] GEMM, bias / residual / GELU fused after each GEMM, and attention per sequence at its own
// length (encoder_attention_spans). The rows of x are tokens: a padded batch [B * T, H] or the real tokens of
// a batch packed back to back [sum of lengths, H]; the spans say where each sequence is.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/cpu/prepacked_gemm.h"
#include "models/encoder_attention.h"
#include "models/encoder_config.h"

namespace loom {

struct EncoderLayer;

struct PackedEncoderLayer {
    PrepackedWeight qkv;       // [3H, H]: query, key, value stacked, with their biases
    PrepackedWeight attn_out;  // [H, H]
    PrepackedWeight up;        // [F, H]
    PrepackedWeight down;      // [H, F]
};

// Empty when simd_level() has no packed kernel (scalar CPUs keep the Linear path).
std::vector<PackedEncoderLayer> pack_encoder_layers(const std::vector<EncoderLayer>& layers);

// x: [M, H], the embeddings in, the last hidden states out (in place).
//   per layer:  qkv = x Wqkv^T + b               [M, 3H]
//               ctx = attention(q, k, v) per span [M, H]
//               x = LayerNorm(x + ctx Wo^T + bo)
//               x = LayerNorm(x + act(x Wup^T + bup) Wdown^T + bdown)
void run_encoder_layers(const EncoderConfig& config, const std::vector<EncoderLayer>& layers,
                        const std::vector<PackedEncoderLayer>& packed, float* x, int64_t M,
                        std::span<const EncoderSpan> spans,
                        const AttentionWeightsHook* weights_hook = nullptr, int64_t hook_width = 0);

}  // namespace loom
