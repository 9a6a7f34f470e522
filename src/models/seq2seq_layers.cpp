#include "models/seq2seq_layers.h"

#include <algorithm>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/vec_ops.h"

namespace loom {
namespace {

void seq2seq_apply_activation(Seq2SeqActivation act, float* x, int64_t n) {
    switch (act) {
        case Seq2SeqActivation::Relu:
            for (int64_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
            break;
        case Seq2SeqActivation::GeluErf:
            gelu_erf_fast(x, n);
            break;
        case Seq2SeqActivation::GeluTanh:
            gelu_tanh_fast(x, n);
            break;
        case Seq2SeqActivation::Silu:
            silu_fast(x, n);
            break;
    }
}

}  // namespace

void Seq2SeqLinear::forward(const float* x, float* y, int64_t M) const {
    if (packed.empty()) {
        linear.forward(x, y, M);
        return;
    }
    prepacked_gemm(packed, x, in_features(), M, y, out_features(), /*accumulate=*/false);
}

void Seq2SeqLinear::pack() {
    const DType type = linear.weight.dtype();
    const bool stored_as_floats = type == DType::F32 || type == DType::F16 || type == DType::BF16;
    if (linear.weight.rank() == 2 && stored_as_floats && simd_level() >= SimdLevel::Avx2)
        packed = prepack_weight(linear.weight, &linear.bias);
}

void pack_seq2seq_weights(Seq2SeqWeights& w) {
    for (Seq2SeqStackWeights* stack : {&w.encoder, &w.decoder})
        for (Seq2SeqLayerWeights& L : stack->layers)
            for (Seq2SeqLinear* l : {&L.self.q, &L.self.k, &L.self.v, &L.self.o, &L.cross.q, &L.cross.k,
                                     &L.cross.v, &L.cross.o, &L.ffn.up, &L.ffn.gate, &L.ffn.down})
                l->pack();
    w.lm_head.pack();
}

void seq2seq_ffn(const Seq2SeqFfnWeights& f, Seq2SeqActivation act, float* out, const float* x, int64_t T) {
    const int64_t F = f.up.out_features();
    float* up = seq2seq_scratch<100>(static_cast<size_t>(T * F));  // [T, F]
    f.up.forward(x, up, T);
    if (f.gated) {
        float* gate = seq2seq_scratch<101>(static_cast<size_t>(T * F));  // [T, F]
        f.gate.forward(x, gate, T);
        seq2seq_apply_activation(act, gate, T * F);
        mul(up, up, gate, T * F);
    } else {
        seq2seq_apply_activation(act, up, T * F);
    }
    f.down.forward(up, out, T);
}

void seq2seq_embed(const Seq2SeqWeights& w, const Seq2SeqStackWeights& stack, std::span<const int32_t> tokens,
                   std::span<const int64_t> positions, float* x, int64_t D) {
    const int64_t n_rows = w.embed_tokens.dim(0);
    const bool has_positions = stack.positions.rank() == 2;         // T5 has none
    float* pos_row = seq2seq_scratch<102>(static_cast<size_t>(D));  // [D]
    for (size_t t = 0; t < tokens.size(); ++t) {
        if (tokens[t] < 0 || tokens[t] >= n_rows)
            throw Error("token id " + std::to_string(tokens[t]) + " outside the vocabulary [0, " +
                        std::to_string(n_rows) + ")");
        float* row = x + t * D;
        embedding_row(w.embed_tokens, tokens[t], row);
        if (w.embed_scale != 1.0f) scale(row, w.embed_scale, D);
        if (has_positions) {
            embedding_row(stack.positions, positions[t] + stack.position_offset, pos_row);
            add(row, row, pos_row, D);
        }
    }
    if (seq2seq_has_norm(stack.embed_norm))
        stack.embed_norm.forward(x, x, static_cast<int64_t>(tokens.size()));
}

}  // namespace loom
