// The weights of an encoder-decoder transformer, in one shape for every architecture loom runs: the
// architecture files (t5.cpp, bart.cpp) fill it, seq2seq_model.cpp runs it. What differs between
// architectures is data here (which norms exist, pre- or post-norm, position kind, activation, scales), not
// code paths in the forward pass.
#pragma once
#include <cstdint>
#include <vector>

#include <string>
#include "models/seq2seq_model.h"

#include "kernels/cpu/prepacked_gemm.h"
#include "nn/linear.h"
#include "nn/norm.h"
#include "tensor/tensor.h"

namespace loom {

enum class Seq2SeqActivation { Relu, GeluErf, GeluTanh, Silu };

// The activation a Hugging Face name stands for ("relu", "gelu", "gelu_new", "silu", ...); throws
// loom::Error naming `config_key` for any other.
Seq2SeqActivation seq2seq_activation_named(const std::string& name, const char* config_key);

// A Linear plus, for float weights on AVX2 / AVX-512, its weight and bias packed once at load
// (kernels/cpu/prepacked_gemm.h, the encoder's engine): every forward then skips the per-call packing or
// in-place row tiles, which is what batched decoding (M = sentences x beams) spends most of its time in.
struct Seq2SeqLinear {
    Linear linear;
    PrepackedWeight packed;  // empty: forward() runs linear.forward

    Seq2SeqLinear() = default;
    Seq2SeqLinear(Linear l) : linear(std::move(l)) {}  // NOLINT: the architecture files assign Linears

    int64_t in_features() const { return linear.in_features(); }
    int64_t out_features() const { return linear.out_features(); }
    // y: [M, out] = x: [M, in] W^T (+ bias).
    void forward(const float* x, float* y, int64_t M) const;
    // Packs a float weight (F32 / F16 / BF16) where AVX2 or AVX-512 runs; no-op otherwise.
    void pack();
};

struct Seq2SeqAttentionWeights {
    Seq2SeqLinear q, k, v;  // [n_head * head_dim, d_model]
    Seq2SeqLinear o;        // [d_model, n_head * head_dim]
};

// Plain: down(act(up(x)));  gated (T5 v1.1): down(act(gate(x)) * up(x)).
struct Seq2SeqFfnWeights {
    Seq2SeqLinear up, gate,
        down;  // up, gate: [n_ff, d_model]; down: [d_model, n_ff]; gate empty when not gated
    bool gated = false;
};

struct Seq2SeqLayerWeights {
    Norm self_norm;
    Seq2SeqAttentionWeights self;
    Norm cross_norm;  // decoder layers only
    Seq2SeqAttentionWeights cross;
    Norm ffn_norm;
    Seq2SeqFfnWeights ffn;
};

struct Seq2SeqStackWeights {
    Tensor positions;             // [rows, d_model] absolute positions (learned or sinusoidal); empty for T5
    int64_t position_offset = 0;  // BART's learned table starts at row 2
    Norm embed_norm;              // BART layernorm_embedding; weight empty when absent
    std::vector<Seq2SeqLayerWeights> layers;
    Norm final_norm;                   // T5 / mBART final layer norm; weight empty when absent
    std::vector<float> relative_bias;  // T5: [num_buckets, n_head], shared by every layer; else empty
};

struct Seq2SeqWeights {
    Tensor embed_tokens;       // [n_embed_rows, d_model], shared by encoder and decoder
    float embed_scale = 1.0f;  // sqrt(d_model) where scale_embedding
    Seq2SeqStackWeights encoder, decoder;
    bool pre_norm = true;  // T5 / mBART: x + f(norm(x)); BART / Marian: norm(x + f(x))
    Seq2SeqActivation activation = Seq2SeqActivation::Relu;
    float attention_scale = 1.0f;  // T5 folds 1/sqrt(head_dim) into its weights: 1; else head_dim^-0.5
    int64_t relative_buckets = 0;  // T5 relative_attention_num_buckets
    int64_t relative_max_distance = 0;
    Seq2SeqLinear lm_head;                 // [n_vocab, d_model]
    float lm_head_scale = 1.0f;            // T5 with tied embeddings: d_model^-0.5 on the decoder output
    std::vector<float> final_logits_bias;  // [n_vocab] (BART, Marian) or empty
};

// Packs every linear of `w` (Seq2SeqLinear::pack), the work split over threads by prepack_weight.
void pack_seq2seq_weights(Seq2SeqWeights& w);

// The architecture files.
std::unique_ptr<Seq2SeqWeights> load_t5_weights(const ModelSource& source, Seq2SeqConfig& config);
std::unique_ptr<Seq2SeqWeights> load_bart_weights(const ModelSource& source, Seq2SeqConfig& config);

// Marian's sinusoidal table: row p, column j < d/2: sin(p / 10000^(2j/d)); column d/2 + j: cos(same).
Tensor marian_sinusoidal_positions(int64_t n_positions, int64_t d_model);

}  // namespace loom
