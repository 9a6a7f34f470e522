// Feed-forward blocks:
//   SwiGLU (LLaMA family):  down(silu(gate(x)) * up(x))
//   GeGLU (Gemma):           down(gelu_tanh(gate(x)) * up(x))
//   GELU MLP (GPT-2, BLOOM): down(gelu_tanh(up(x)))
#pragma once

#include <cstdint>
#include <vector>

#include "nn/linear.h"

namespace loom {

struct SwiGluFfn {
    Linear gate, up, down;  // gate, up: [n_ff, n_embd]; down: [n_embd, n_ff]
    // out: [n_tokens, n_embd], x: [n_tokens, n_embd]; scratch grows to 2 * n_tokens * n_ff floats.
    void forward(float* out, const float* x, int64_t n_tokens, std::vector<float>& scratch) const;
};

struct GegluFfn {
    Linear gate, up, down;  // gate, up: [n_ff, n_embd]; down: [n_embd, n_ff]
    // out: [n_tokens, n_embd], x: [n_tokens, n_embd]; scratch grows to 2 * n_tokens * n_ff floats.
    void forward(float* out, const float* x, int64_t n_tokens, std::vector<float>& scratch) const;
};

struct GeluMlp {
    Linear up, down;  // up: [n_ff, n_embd]; down: [n_embd, n_ff]
    // out: [n_tokens, n_embd], x: [n_tokens, n_embd]; scratch grows to n_tokens * n_ff floats.
    void forward(float* out, const float* x, int64_t n_tokens, std::vector<float>& scratch) const;
};

}  // namespace loom
