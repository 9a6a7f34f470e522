// causal_attention with a sliding window (nn/attention.h) against a direct computation of its definition:
// query i sees keys max(0, i - W + 1) .. i. Covers the blocked prefill (windows starting at key 0), the
// per-query windowed prefill, a prefill that starts mid-sequence, single-token decoding, GQA, and the weights
// hook (zeros outside the window).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>
#include <vector>

#include "core/error.h"
#include "generate/kv_cache.h"
#include "nn/attention.h"

namespace loom {
namespace {

constexpr int64_t kHeads = 4, kKvHeads = 2, kDim = 8, kCtx = 96;

struct Problem {
    std::vector<float> q, k, v;  // q: [n, kHeads * kDim]; k, v: [n, kKvHeads * kDim]
};

Problem random_problem(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Problem p;
    for (auto* v : {&p.q, &p.k, &p.v}) {
        v->resize(n * (v == &p.q ? kHeads : kKvHeads) * kDim);
        for (float& x : *v) x = normal(rng);
    }
    return p;
}

// out[t] for query t at position t, keys max(0, t - window + 1) .. t (window 0: all).
std::vector<float> reference(const Problem& p, int64_t n, int64_t window, float scale) {
    std::vector<float> out(n * kHeads * kDim, 0.0f);
    for (int64_t t = 0; t < n; ++t)
        for (int64_t h = 0; h < kHeads; ++h) {
            const int64_t kv = h / (kHeads / kKvHeads);
            const int64_t lo = window > 0 ? std::max<int64_t>(0, t - window + 1) : 0;
            std::vector<double> w;
            for (int64_t j = lo; j <= t; ++j) {
                double s = 0.0;
                for (int64_t i = 0; i < kDim; ++i)
                    s += p.q[(t * kHeads + h) * kDim + i] * p.k[(j * kKvHeads + kv) * kDim + i];
                w.push_back(scale * s);
            }
            const double m = *std::max_element(w.begin(), w.end());
            double sum = 0.0;
            for (double& x : w) sum += (x = std::exp(x - m));
            for (int64_t j = lo; j <= t; ++j)
                for (int64_t i = 0; i < kDim; ++i)
                    out[(t * kHeads + h) * kDim + i] +=
                        static_cast<float>(w[j - lo] / sum) * p.v[(j * kKvHeads + kv) * kDim + i];
        }
    return out;
}

// Runs the n positions in pieces of `step` tokens (each piece one causal_attention call).
std::vector<float> run_loom(const Problem& p, int64_t n, int64_t window, float scale, int64_t step,
                            const AttentionWeightsHook* hook = nullptr) {
    KvCache cache(1, kKvHeads, kDim, kCtx);
    const int64_t q_dim = kHeads * kDim, kv_dim = kKvHeads * kDim;
    std::vector<float> out(n * q_dim);
    AttentionParams ap{kHeads, kKvHeads, kDim, scale, nullptr, hook, window};
    for (int64_t pos = 0; pos < n; pos += step) {
        const int64_t len = std::min(step, n - pos);
        cache.store(0, pos, len, p.k.data() + pos * kv_dim, p.v.data() + pos * kv_dim, kv_dim);
        causal_attention(out.data() + pos * q_dim, q_dim, p.q.data() + pos * q_dim, q_dim, cache, 0, pos, len, ap);
        cache.advance(len);
    }
    return out;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0.0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
    return worst;
}

TEST(SlidingWindowAttention, MatchesTheDefinitionWhateverThePieces) {
    const int64_t n = 80;
    const Problem p = random_problem(n, 7);
    const float scale = 0.35f;
    for (int64_t window : {1, 5, 16, 79, 80, 200}) {
        const auto want = reference(p, n, window, scale);
        for (int64_t step : {1, 3, 7, 64, 80})
            EXPECT_LE(max_diff(run_loom(p, n, window, scale, step), want), 1e-5)
                << "window " << window << ", pieces of " << step;
    }
    // A window wider than the sequence is plain causal attention.
    EXPECT_LE(max_diff(run_loom(p, n, 200, scale, 80), reference(p, n, 0, scale)), 1e-5);
}

TEST(SlidingWindowAttention, KeysOutsideTheWindowDoNotMatter) {
    // Changing the key of position 0 moves the outputs of queries 1 .. W-1 (query 0 has no other key to weigh
    // it against) and leaves every later query, whose window has moved past it, unchanged.
    const int64_t n = 40, window = 6;
    Problem p = random_problem(n, 11);
    const auto before = run_loom(p, n, window, 0.5f, 40);
    for (int64_t i = 0; i < kKvHeads * kDim; ++i) p.k[i] += 3.0f;  // key of position 0
    const auto after = run_loom(p, n, window, 0.5f, 40);
    const int64_t q_dim = kHeads * kDim;
    for (int64_t t = 0; t < n; ++t) {
        const double d = max_diff(std::vector<float>(before.begin() + t * q_dim, before.begin() + (t + 1) * q_dim),
                                  std::vector<float>(after.begin() + t * q_dim, after.begin() + (t + 1) * q_dim));
        if (t == 0) continue;
        if (t < window) {
            EXPECT_GT(d, 1e-4) << "query " << t << " sees position 0";
        } else {
            EXPECT_EQ(d, 0.0) << "query " << t << " must not see position 0";
        }
    }
}

TEST(SlidingWindowAttention, HookSeesZerosOutsideTheWindow) {
    const int64_t n = 12, window = 4;
    const Problem p = random_problem(n, 3);
    std::mutex mutex;
    std::vector<std::vector<float>> rows(n);
    AttentionWeightsHook hook = [&](int64_t, int64_t head, int64_t query_pos, std::span<const float> w) {
        if (head != 0) return;
        std::lock_guard<std::mutex> lock(mutex);
        rows[query_pos].assign(w.begin(), w.end());
    };
    run_loom(p, n, window, 0.5f, n, &hook);
    for (int64_t t = 0; t < n; ++t) {
        ASSERT_EQ(static_cast<int64_t>(rows[t].size()), t + 1);
        double inside = 0.0;
        for (int64_t j = 0; j <= t; ++j) {
            if (j <= t - window) {
                EXPECT_EQ(rows[t][j], 0.0f) << "query " << t << ", key " << j;
            } else {
                inside += rows[t][j];
            }
        }
        EXPECT_NEAR(inside, 1.0, 1e-5);
    }
}

TEST(SlidingWindowAttention, NegativeWindowIsAnError) {
    const Problem p = random_problem(4, 1);
    EXPECT_THROW(run_loom(p, 4, -1, 1.0f, 4), Error);
}

}  // namespace
}  // namespace loom
