#include "nn/ffn.h"

#include "kernels/cpu/ops.h"
#include "kernels/cpu/vec_ops.h"

namespace loom {

void SwiGluFfn::forward(float* out, const float* x, int64_t n_tokens, std::vector<float>& scratch) const {
    const int64_t n_ff = gate.out_features();
    const size_t need = static_cast<size_t>(2 * n_tokens * n_ff);
    if (scratch.size() < need) scratch.resize(need);
    float* g = scratch.data();                    // [n_tokens, n_ff]
    float* u = scratch.data() + n_tokens * n_ff;  // [n_tokens, n_ff]
    gate.forward(x, g, n_tokens);
    up.forward(x, u, n_tokens);
    silu_fast(g, n_tokens * n_ff);
    mul(g, g, u, n_tokens * n_ff);
    down.forward(g, out, n_tokens);
}

void GegluFfn::forward(float* out, const float* x, int64_t n_tokens, std::vector<float>& scratch) const {
    const int64_t n_ff = gate.out_features();
    const size_t need = static_cast<size_t>(2 * n_tokens * n_ff);
    if (scratch.size() < need) scratch.resize(need);
    float* g = scratch.data();                    // [n_tokens, n_ff]
    float* u = scratch.data() + n_tokens * n_ff;  // [n_tokens, n_ff]
    gate.forward(x, g, n_tokens);
    up.forward(x, u, n_tokens);
    gelu_tanh_fast(g, n_tokens * n_ff);
    mul(g, g, u, n_tokens * n_ff);
    down.forward(g, out, n_tokens);
}

void GeluMlp::forward(float* out, const float* x, int64_t n_tokens, std::vector<float>& scratch) const {
    const int64_t n_ff = up.out_features();
    const size_t need = static_cast<size_t>(n_tokens * n_ff);
    if (scratch.size() < need) scratch.resize(need);
    float* h = scratch.data();  // [n_tokens, n_ff]
    up.forward(x, h, n_tokens);
    gelu_tanh_fast(h, n_tokens * n_ff);
    down.forward(h, out, n_tokens);
}

}  // namespace loom
