// The pieces the encoder and decoder passes of Seq2SeqModel share (seq2seq_encode.cpp, seq2seq_model.cpp):
// token + position embedding, the FFN, the pre-/post-norm residual sublayer, and per-thread scratch buffers
// that spare every step its allocations.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "core/parallel.h"
#include "kernels/cpu/ops.h"
#include "models/seq2seq_weights.h"

namespace loom {

// Attention items (query row x head) per parallel chunk: about 64k multiply-adds each, so tiny models and
// single-token steps stay on the calling thread.
inline int64_t seq2seq_attention_grain(int64_t n_keys, int64_t head_dim) {
    return std::max<int64_t>(1, 65536 / (2 * n_keys * head_dim));
}

// A per-thread float buffer of at least `count` floats that keeps its storage between calls (Slot tells
// apart buffers that are live at the same time). Contents are unspecified on return.
template <int Slot>
float* seq2seq_scratch(size_t count) {
    thread_local std::vector<float> buffer;
    if (buffer.size() < count) buffer.resize(count);
    return buffer.data();
}

inline bool seq2seq_has_norm(const Norm& n) {
    return !n.weight.empty();
}


// out: [T, d_model] = ffn(x), x: [T, d_model] (may alias out).
void seq2seq_ffn(const Seq2SeqFfnWeights& f, Seq2SeqActivation act, float* out, const float* x, int64_t T);

// x: [tokens.size(), D] = embed(token) * embed_scale + positions[row] (+ embed_norm). Throws loom::Error for
// an id outside the vocabulary.
void seq2seq_embed(const Seq2SeqWeights& w, const Seq2SeqStackWeights& stack, std::span<const int32_t> tokens,
                   std::span<const int64_t> positions, float* x, int64_t D);

// x = sublayer(x, f): f reads its input from `in` and writes `out` ([T, D] scratch buffers).
//   pre-norm (T5, mBART):     x = x + f(norm(x))
//   post-norm (BART, Marian): x = norm(x + f(x))
template <typename F>
void seq2seq_sublayer(bool pre_norm, const Norm& norm, float* x, float* in, float* out, int64_t T, int64_t D,
                      F&& f) {
    if (pre_norm) {
        norm.forward(in, x, T);
        f(in, out);
        add(x, x, out, T * D);
    } else {
        f(x, out);
        add(x, x, out, T * D);
        norm.forward(x, x, T);
    }
}

}  // namespace loom
