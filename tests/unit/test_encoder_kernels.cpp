// The encoder path's vectorised kernels against their scalar references, at every SIMD level this CPU runs:
// exp (vs std::exp), exact GELU (vs the std::erf form, <= 1e-6 absolute) and one attention head (vs the
// scalar q.k / softmax / PV reference). The packed-weight GEMM has its own file (test_prepacked_gemm.cpp).
#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/attention_head.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/vec_ops.h"

namespace loom {
namespace {

std::vector<SimdLevel> fast_levels() {
    std::vector<SimdLevel> out;
    for (SimdLevel l : {SimdLevel::Avx2, SimdLevel::Avx512})
        if (l <= simd_level()) out.push_back(l);
    return out;
}

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

TEST(EncoderKernels, ExpMatchesStdExp) {
    std::vector<float> x;
    for (float v = -100.0f; v <= 88.0f; v += 0.01f) x.push_back(v);
    x.push_back(-std::numeric_limits<float>::infinity());
    x.push_back(0.0f);
    for (SimdLevel level : fast_levels()) {
        std::vector<float> got(x.size());
        exp_variant(level, x.data(), got.data(), static_cast<int64_t>(x.size()));
        double worst = 0.0;
        for (size_t i = 0; i < x.size(); ++i) {
            const double want = std::exp(static_cast<double>(x[i]));
            if (want < 1e-37) {  // the kernel flushes below exp(-87.3) to 0
                EXPECT_LE(got[i], 1e-37f) << x[i];
                continue;
            }
            worst = std::max(worst, std::fabs(got[i] - want) / want);
        }
        EXPECT_LE(worst, 4e-7) << simd_level_name(level);  // a few float ulps
        EXPECT_EQ(got[x.size() - 2], 0.0f) << "exp(-inf)";
        EXPECT_EQ(got.back(), 1.0f) << "exp(0)";
    }
}

TEST(EncoderKernels, GeluErfWithin1e6OfStdErfForm) {
    std::vector<float> x;
    for (float v = -12.0f; v <= 12.0f; v += 1e-4f) x.push_back(v);
    for (float v : {0.0f, -0.0f, 20.0f, -20.0f, 100.0f, -100.0f, 1e-8f, -1e-8f}) x.push_back(v);
    std::vector<float> want = x;
    gelu_erf(want.data(), static_cast<int64_t>(want.size()));
    for (SimdLevel level : fast_levels()) {
        for (int64_t n : {int64_t{5}, int64_t{17}, static_cast<int64_t>(x.size())}) {  // tails too
            std::vector<float> got(x.begin(), x.begin() + n);
            gelu_erf_variant(level, got.data(), n);
            float worst = 0.0f;
            size_t at = 0;
            for (int64_t i = 0; i < n; ++i)
                if (std::fabs(got[i] - want[i]) > worst) worst = std::fabs(got[i] - want[i]), at = i;
            EXPECT_LE(worst, 1e-6f) << simd_level_name(level) << " at x = " << x[at];
        }
    }
}

// SiLU and the tanh GELU (decoder FFNs, Marian, GPT-2, T5 v1.1): every level against ops.h's scalar form, over
// both saturating tails and with 16- / 8-lane remainders.
TEST(ActivationKernels, SiluAndGeluTanhMatchTheScalarForms) {
    std::vector<float> x;
    for (float v = -100.0f; v <= 100.0f; v += 0.0037f) x.push_back(v);
    for (float v : {0.0f, -0.0f, 1e-8f, -1e-8f, 1e-30f}) x.push_back(v);
    struct Op {
        const char* name;
        void (*reference)(float*, int64_t);
        void (*variant)(SimdLevel, float*, int64_t);
    };
    for (const Op& op : {Op{"silu", silu, silu_variant}, Op{"gelu_tanh", gelu_tanh, gelu_tanh_variant}}) {
        std::vector<float> want = x;
        op.reference(want.data(), static_cast<int64_t>(want.size()));
        for (SimdLevel level : fast_levels()) {
            for (int64_t n : {int64_t{5}, int64_t{17}, static_cast<int64_t>(x.size())}) {
                std::vector<float> got(x.begin(), x.begin() + n);
                op.variant(level, got.data(), n);
                float worst = 0.0f;
                size_t at = 0;
                for (int64_t i = 0; i < n; ++i) {
                    const float err = std::fabs(got[i] - want[i]) / std::max(1.0f, std::fabs(want[i]));
                    if (err > worst) worst = err, at = static_cast<size_t>(i);
                }
                EXPECT_LE(worst, 2e-6f) << op.name << " " << simd_level_name(level) << " at x = " << x[at];
            }
        }
    }
}

TEST(EncoderKernels, LayerNormRowsMatchReference) {
    for (int64_t n : {int64_t{7}, int64_t{16}, int64_t{384}, int64_t{1000}}) {
        const int64_t rows = 5;
        std::vector<float> x = random_floats(static_cast<size_t>(rows * n), 21, -3, 3);
        for (int64_t i = 0; i < n; ++i) x[i] += 50.0f;  // row 0: |mean| >> std
        const std::vector<float> w = random_floats(n, 22), b = random_floats(n, 23);
        std::vector<float> want(x.size());
        layernorm_rows_variant(SimdLevel::Scalar, want.data(), x.data(), w.data(), b.data(), rows, n, 1e-12f);
        for (SimdLevel level : fast_levels()) {
            std::vector<float> got = x;  // in place, as the encoder calls it
            layernorm_rows_variant(level, got.data(), got.data(), w.data(), b.data(), rows, n, 1e-12f);
            float worst = 0.0f;
            for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
            EXPECT_LE(worst, 1e-5f) << simd_level_name(level) << " n=" << n;
        }
    }
}

void check_attention(int64_t n_q, int64_t n_k, int64_t d, uint32_t seed, int64_t causal_offset = -1,
                     float alibi_slope = 0.0f, bool same_position = false) {
    const int64_t ld = 3 * d + 5;  // rows wider than one head, as in a fused QKV matrix
    const std::vector<float> qkv = random_floats(static_cast<size_t>(std::max(n_q, n_k) * ld), seed, -2, 2);
    AttentionHead h;
    h.q = qkv.data();
    h.k = qkv.data() + d;
    h.v = qkv.data() + 2 * d;
    h.ldq = h.ldk = h.ldv = ld;
    h.ldo = d + 3;
    h.n_q = n_q;
    h.n_k = n_k;
    h.d = d;
    h.scale = 1.0f / std::sqrt(static_cast<float>(d));
    h.causal_offset = causal_offset;
    h.alibi_slope = alibi_slope;
    h.same_position = same_position;
    std::vector<float> want(static_cast<size_t>(n_q * h.ldo), -7.0f);  // -7: untouched padding columns
    std::vector<float> want_p(static_cast<size_t>(n_q * n_k), -1.0f);
    h.out = want.data();
    h.probs = want_p.data();
    h.ldp = n_k;
    attention_head_reference(h);
    for (SimdLevel level : fast_levels()) {
        std::vector<float> got(want.size(), -7.0f), got_p(want_p.size(), -1.0f);
        h.out = got.data();
        h.probs = got_p.data();
        attention_head(level, h);
        float worst = 0.0f, worst_p = 0.0f;
        for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
        for (size_t i = 0; i < got_p.size(); ++i) worst_p = std::max(worst_p, std::fabs(got_p[i] - want_p[i]));
        EXPECT_LE(worst, 2e-6f) << simd_level_name(level) << " n_q=" << n_q << " n_k=" << n_k << " d=" << d
                                << " causal_offset=" << causal_offset;
        EXPECT_LE(worst_p, 2e-6f) << "probabilities, " << simd_level_name(level) << " n_q=" << n_q;
    }
}

TEST(EncoderKernels, AttentionHeadMatchesReference) {
    check_attention(1, 1, 4, 1);
    check_attention(5, 3, 8, 2);
    check_attention(13, 13, 32, 3);
    check_attention(17, 33, 24, 4);
    check_attention(40, 40, 64, 5);
    check_attention(7, 7, 12, 6);
    check_attention(130, 128, 32, 7);
}

// Decoder prefill: query i sees keys 0 .. causal_offset + i (a prompt after a cached prefix, or from 0),
// with and without ALiBi; n_k = causal_offset + n_q as the decoder passes it, and blocks of 4 queries whose
// rows see different key counts.
TEST(EncoderKernels, CausalAttentionHeadMatchesReference) {
    check_attention(1, 1, 64, 8, 0);
    check_attention(5, 5, 64, 9, 0);
    check_attention(17, 17, 64, 10, 0);
    check_attention(13, 40, 64, 11, 27);
    check_attention(64, 64, 32, 12, 0, -0.0625f);
    check_attention(9, 20, 80, 13, 11, -0.5f);
    check_attention(6, 6, 24, 14, -1, -0.25f);  // bidirectional with ALiBi
}

// Decoding: one query (the AVX-512 variant reads K in place, 4 keys at a time, instead of transposing it):
// key counts around multiples of 4 and 16, head sizes not a multiple of 16 or above 64, a causal offset
// short of the last key, ALiBi, and no mask.
TEST(EncoderKernels, OneQueryAttentionMatchesReference) {
    check_attention(1, 37, 64, 15, 36);
    check_attention(1, 4, 64, 16, 3);
    check_attention(1, 3, 24, 17, 2);
    check_attention(1, 200, 128, 18, 199, -0.125f);
    check_attention(1, 40, 80, 19, 20);
    check_attention(1, 17, 72, 20, -1);
    check_attention(1, 513, 256, 21, 512);
}

// Decoding from a paged KV cache: the keys and values come as runs (blocks) of given sizes, each in its own
// buffer; every variant must equal the reference over the same keys in one block.
void check_attention_runs(int64_t n_q, int64_t d, const std::vector<int64_t>& run_sizes, uint32_t seed) {
    int64_t n_k = 0;
    for (int64_t n : run_sizes) n_k += n;
    const int64_t ld = 3 * d + 5;
    const std::vector<float> qkv = random_floats(static_cast<size_t>(std::max(n_q, n_k) * ld), seed, -2, 2);
    AttentionHead h;
    h.q = qkv.data();
    h.k = qkv.data() + d;
    h.v = qkv.data() + 2 * d;
    h.ldq = h.ldk = h.ldv = ld;
    h.ldo = d;
    h.n_q = n_q;
    h.n_k = n_k;
    h.d = d;
    h.scale = 0.125f;
    h.causal_offset = n_k - 1;
    h.same_position = true;
    std::vector<float> want(static_cast<size_t>(n_q * d));
    h.out = want.data();
    attention_head_reference(h);
    std::vector<std::vector<float>> buffers;  // one per run: its rows of the fused matrix, copied
    std::vector<KeyRun> runs;
    int64_t j0 = 0;
    for (int64_t n : run_sizes) {
        buffers.emplace_back(qkv.begin() + j0 * ld, qkv.begin() + (j0 + n) * ld);
        runs.push_back({buffers.back().data() + d, buffers.back().data() + 2 * d, n});
        j0 += n;
    }
    h.k = h.v = nullptr;
    h.runs = runs.data();
    h.n_runs = static_cast<int64_t>(runs.size());
    std::vector<SimdLevel> levels = fast_levels();
    levels.push_back(SimdLevel::Scalar);
    for (SimdLevel level : levels) {
        std::vector<float> got(want.size(), -7.0f);
        h.out = got.data();
        attention_head(level, h);
        float worst = 0.0f;
        for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
        EXPECT_LE(worst, 2e-6f) << simd_level_name(level) << " n_q=" << n_q << " runs=" << runs.size();
    }
}

TEST(EncoderKernels, AttentionOverKeyRunsMatchesOneBlock) {
    check_attention_runs(1, 64, {16, 16, 5}, 27);
    check_attention_runs(3, 64, {3, 16, 16, 16, 1}, 28);
    check_attention_runs(4, 80, {7}, 29);
    check_attention_runs(5, 128, {32, 32, 32, 9}, 30);
}

// Decoding with grouped-query attention: the heads of one KV head as the queries of one call, all at the
// same position (groups of 1 to 4 per pass, and a fifth query past one pass).
TEST(EncoderKernels, QueryGroupAttentionMatchesReference) {
    check_attention(3, 37, 64, 22, 36, 0.0f, true);
    check_attention(2, 9, 64, 23, 8, 0.0f, true);
    check_attention(4, 130, 128, 24, 100, 0.0f, true);
    check_attention(5, 21, 80, 25, 20, -0.25f, true);
    check_attention(7, 66, 64, 26, 65, 0.0f, true);
}

}  // namespace
}  // namespace loom
