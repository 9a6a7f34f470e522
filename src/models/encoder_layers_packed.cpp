#include "models/encoder_layers_packed.h"

#include <cmath>

#include "core/parallel.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/vec_ops.h"
#include "models/bert.h"

namespace loom {

std::vector<PackedEncoderLayer> pack_encoder_layers(const std::vector<EncoderLayer>& layers) {
    std::vector<PackedEncoderLayer> out;
    if (simd_level() == SimdLevel::Scalar) return out;
    out.reserve(layers.size());
    for (const EncoderLayer& l : layers) {
        PackedEncoderLayer p;
        const PrepackPart qkv[] = {
            {&l.query.weight, &l.query.bias}, {&l.key.weight, &l.key.bias}, {&l.value.weight, &l.value.bias}};
        p.qkv = prepack_weight(qkv);
        const PrepackPart o[] = {{&l.attn_out.weight, &l.attn_out.bias}};
        p.attn_out = prepack_weight(o);
        const PrepackPart up[] = {{&l.up.weight, &l.up.bias}};
        p.up = prepack_weight(up);
        const PrepackPart down[] = {{&l.down.weight, &l.down.bias}};
        p.down = prepack_weight(down);
        out.push_back(std::move(p));
    }
    return out;
}

namespace {

// In place over rows [m0, m1) of [*, n]: the activation.
void encoder_activation_range(EncoderActivation act, float* x, int64_t m0, int64_t m1, int64_t n) {
    if (act == EncoderActivation::GeluErf)
        gelu_erf_fast(x + m0 * n, (m1 - m0) * n);
    else
        apply_activation(act, x + m0 * n, (m1 - m0) * n);
}

// In place over rows [m0, m1) of [*, H]: the norm.
void encoder_norm_range(const Norm& norm, float* x, int64_t m0, int64_t m1) {
    const int64_t H = norm.size();
    float* rows = x + m0 * H;
    if (norm.kind == Norm::Kind::Layer)
        layernorm_rows_variant(simd_level(), rows, rows, norm.weight.data(),
                               norm.bias.empty() ? nullptr : norm.bias.data(), m1 - m0, H, norm.eps);
    else
        norm.forward(rows, rows, m1 - m0);
}

// The same over all M rows, threads splitting them (the Linear path).
void encoder_activation_rows(EncoderActivation act, float* x, int64_t M, int64_t n) {
    parallel_for(M, 8, [&](int64_t m0, int64_t m1) { encoder_activation_range(act, x, m0, m1, n); });
}

void encoder_norm_rows(const Norm& norm, float* x, int64_t M) {
    parallel_for(M, 16, [&](int64_t m0, int64_t m1) { encoder_norm_range(norm, x, m0, m1); });
}

}  // namespace

void run_encoder_layers(const EncoderConfig& config, const std::vector<EncoderLayer>& layers,
                        const std::vector<PackedEncoderLayer>& packed, float* x, int64_t M,
                        std::span<const EncoderSpan> spans, const AttentionWeightsHook* weights_hook,
                        int64_t hook_width) {
    const int64_t H = config.hidden, F = config.ffn;
    const bool fast = packed.size() == layers.size();
    std::vector<float> qkv(static_cast<size_t>(M * 3 * H));  // [M, 3H] q | k | v
    std::vector<float> ctx(static_cast<size_t>(M * H));      // [M, H]
    std::vector<float> ff(static_cast<size_t>(M * F));       // [M, F]
    EncoderAttentionSpans attn;
    attn.q = qkv.data();
    attn.k = qkv.data() + H;
    attn.v = qkv.data() + 2 * H;
    attn.ld_qkv = 3 * H;
    attn.out = ctx.data();
    attn.ld_out = H;
    attn.spans = spans;
    attn.n_heads = config.n_heads;
    attn.head_dim = config.head_dim();
    attn.scale = 1.0f / std::sqrt(static_cast<float>(config.head_dim()));
    attn.weights_hook = weights_hook;
    attn.hook_width = hook_width;
    for (size_t i = 0; i < layers.size(); ++i) {
        const EncoderLayer& l = layers[i];
        if (fast) {
            prepacked_gemm(packed[i].qkv, x, H, M, qkv.data(), 3 * H, false);
        } else {
            l.query.forward(x, H, qkv.data(), 3 * H, M);
            l.key.forward(x, H, qkv.data() + H, 3 * H, M);
            l.value.forward(x, H, qkv.data() + 2 * H, 3 * H, M);
        }
        attn.layer = static_cast<int64_t>(i);
        encoder_attention_spans(attn);
        // The norms and the activation run on each GEMM thread's own rows as soon as they are done (one
        // parallel region per GEMM, not two).
        if (fast) {
            prepacked_gemm(packed[i].attn_out, ctx.data(), H, M, x, H,
                           /*accumulate=*/true,  // x += ctx Wo^T + bo
                           [&](int64_t m0, int64_t m1) { encoder_norm_range(l.attn_norm, x, m0, m1); });
            prepacked_gemm(packed[i].up, x, H, M, ff.data(), F, false, [&](int64_t m0, int64_t m1) {
                encoder_activation_range(config.activation, ff.data(), m0, m1, F);
            });
            prepacked_gemm(packed[i].down, ff.data(), F, M, x, H, /*accumulate=*/true,  // x += ff Wdown^T + b
                           [&](int64_t m0, int64_t m1) { encoder_norm_range(l.ffn_norm, x, m0, m1); });
            continue;
        }
        l.attn_out.forward(ctx.data(), ff.data(), M);
        add(x, x, ff.data(), M * H);
        encoder_norm_rows(l.attn_norm, x, M);
        l.up.forward(x, ff.data(), M);
        encoder_activation_rows(config.activation, ff.data(), M, F);
        l.down.forward(ff.data(), ctx.data(), M);
        add(x, x, ctx.data(), M * H);
        encoder_norm_rows(l.ffn_norm, x, M);
    }
}

}  // namespace loom
