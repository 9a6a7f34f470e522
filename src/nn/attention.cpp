#include "nn/attention.h"

#include <algorithm>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/parallel.h"
#include "generate/kv_cache.h"
#include "kernels/cpu/attention_head.h"
#include "kernels/cpu/ops.h"

namespace loom {
namespace {

// Prompts of at least this many tokens go through the blocked kernel (kernels/cpu/attention_head.h): the
// per-query loop below re-reads every key per query with a scalar-ish dot, while the kernel reads each key
// block once per 4 queries as a small GEMM. A single new token (decoding) stays on the loop: the kernel's
// one-off transpose of K would double its work.
constexpr int64_t kMinBlockQueries = 4;
// Queries per work item: enough that the per-call transpose of K (n_keys x head_dim) is small beside the
// block's n_queries x n_keys x head_dim of work, few enough that two threads stay balanced.
constexpr int64_t kQueriesPerItem = 64;

// The blocked kernel reads one kv head's keys as one [n_keys, head_dim] matrix: a paged cache's blocks are
// first gathered into `scratch` ([n_head_kv][2][n_keys][head_dim]: keys then values per head), once per call.
// Returns the keys of kv head h at rows(h).first, its values at rows(h).second.
struct KvRows {
    const float* base = nullptr;  // contiguous cache: keys(layer, 0); gathered: scratch
    const float* values_base = nullptr;
    int64_t head_stride = 0;  // floats between two kv heads' rows
    const float* keys(int64_t h) const { return base + h * head_stride; }
    const float* values(int64_t h) const { return values_base + h * head_stride; }
};

KvRows kv_rows(const KvCache& cache, int64_t layer, int64_t n_keys, std::vector<float>& scratch) {
    const int64_t d = cache.head_dim();
    if (!cache.paged())
        return KvRows{cache.keys(layer, 0), cache.values(layer, 0), cache.n_ctx() * d};
    const int64_t per_head = n_keys * d;
    scratch.resize(static_cast<size_t>(2 * cache.n_head_kv() * per_head));
    for (int64_t h = 0; h < cache.n_head_kv(); ++h) {
        float* k_out = scratch.data() + h * per_head;                             // [n_keys, d]
        float* v_out = scratch.data() + (cache.n_head_kv() + h) * per_head;       // [n_keys, d]
        cache.for_each_run(layer, h, n_keys, [&](int64_t p0, int64_t n, const float* k, const float* v) {
            std::copy(k, k + n * d, k_out + p0 * d);
            std::copy(v, v + n * d, v_out + p0 * d);
        });
    }
    return KvRows{scratch.data(), scratch.data() + cache.n_head_kv() * per_head, per_head};
}

// Positions [lo, hi) of one layer and KV head as runs of consecutive rows where they lie (one run for a
// contiguous cache, one per block for a paged one).
void key_runs(const KvCache& cache, int64_t layer, int64_t kv_head, int64_t lo, int64_t hi, std::vector<KeyRun>& runs) {
    const int64_t d = cache.head_dim();
    runs.clear();
    cache.for_each_run(layer, kv_head, hi, [&](int64_t p0, int64_t n, const float* k, const float* v) {
        const int64_t skip = std::clamp<int64_t>(lo - p0, 0, n);
        if (skip < n) runs.push_back(KeyRun{k + skip * d, v + skip * d, n - skip});
    });
}

void blocked_causal_attention(float* out, int64_t ld_out, const float* q, int64_t ld_q, const KvCache& cache,
                              int64_t layer, int64_t pos0, int64_t n_tokens, const AttentionParams& p) {
    const int64_t group = p.n_head / p.n_head_kv, d = p.head_dim;
    std::vector<float> scratch;  // paged caches only: [2, n_head_kv, n_keys, head_dim]
    const KvRows rows = kv_rows(cache, layer, pos0 + n_tokens, scratch);
    const int64_t chunks = (n_tokens + kQueriesPerItem - 1) / kQueriesPerItem;
    const SimdLevel level = simd_level();
    parallel_for(p.n_head * chunks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
            const int64_t h = item / chunks, t0 = (item % chunks) * kQueriesPerItem;
            const int64_t t1 = std::min(n_tokens, t0 + kQueriesPerItem);
            AttentionHead a;
            a.q = q + t0 * ld_q + h * d;
            a.k = rows.keys(h / group);
            a.v = rows.values(h / group);
            a.out = out + t0 * ld_out + h * d;
            a.ldq = ld_q;
            a.ldk = a.ldv = d;
            a.ldo = ld_out;
            a.n_q = t1 - t0;
            a.n_k = pos0 + t1;  // the last query of the item sees every key up to itself
            a.d = d;
            a.scale = p.scale;
            a.causal_offset = pos0 + t0;
            a.alibi_slope = p.alibi_slopes ? p.alibi_slopes[h] : 0.0f;
            attention_head(level, a);
        }
    });
}

// Sliding window, once some query's window starts past key 0 (prefill and decoding): the queries whose windows
// all start at key 0 go through the blocked kernel as usual; each later query calls the kernel on its own
// window (keys lo..i, no mask), which the kernel cannot express for a block (it masks only the future).
void windowed_causal_attention(float* out, int64_t ld_out, const float* q, int64_t ld_q, const KvCache& cache,
                               int64_t layer, int64_t pos0, int64_t n_tokens, const AttentionParams& p) {
    const int64_t group = p.n_head / p.n_head_kv, d = p.head_dim, W = p.window;
    // Queries t < n_full sit at positions < W: their window is the whole causal prefix.
    const int64_t n_full = std::clamp<int64_t>(W - pos0, 0, n_tokens);
    if (n_full > 0) blocked_causal_attention(out, ld_out, q, ld_q, cache, layer, pos0, n_full, p);
    const SimdLevel level = simd_level();
    parallel_for(p.n_head * (n_tokens - n_full), 4, [&](int64_t begin, int64_t end) {
        std::vector<KeyRun> runs;
        for (int64_t item = begin; item < end; ++item) {
            const int64_t h = item % p.n_head, t = n_full + item / p.n_head;
            const int64_t query_pos = pos0 + t, lo = query_pos - W + 1;
            AttentionHead a;
            a.q = q + t * ld_q + h * d;
            key_runs(cache, layer, h / group, lo, query_pos + 1, runs);  // the window, in place
            a.runs = runs.data();
            a.n_runs = static_cast<int64_t>(runs.size());
            a.out = out + t * ld_out + h * d;
            a.ldq = ld_q;
            a.ldk = a.ldv = d;
            a.ldo = ld_out;
            a.n_q = 1;
            a.n_k = W;
            a.d = d;
            a.scale = p.scale;
            a.causal_offset = -1;  // the window already ends at the query
            attention_head(level, a);
        }
    });
}

}  // namespace

void causal_attention(float* out, int64_t ld_out, const float* q, int64_t ld_q, const KvCache& cache,
                      int64_t layer, int64_t pos0, int64_t n_tokens, const AttentionParams& p) {
    if (p.n_head_kv <= 0 || p.n_head % p.n_head_kv != 0) throw Error("attention: head counts do not divide");
    if (pos0 + n_tokens > cache.n_ctx()) throw Error("attention: positions past the KV cache");
    const int64_t group = p.n_head / p.n_head_kv;  // query heads per kv head
    const int64_t d = p.head_dim;
    const bool hooked = p.weights_hook && *p.weights_hook;
    if (p.window < 0) throw Error("attention: negative sliding window");
    const bool windowed = p.window > 0 && pos0 + n_tokens > p.window;  // some query's window starts past 0
    if (windowed && p.alibi_slopes) throw Error("attention: ALiBi with a sliding window is not supported");
    if (windowed && !hooked) {  // prefill and decoding alike, before any path that sees every key
        windowed_causal_attention(out, ld_out, q, ld_q, cache, layer, pos0, n_tokens, p);
        return;
    }
    if (n_tokens >= kMinBlockQueries && !hooked) {
        blocked_causal_attention(out, ld_out, q, ld_q, cache, layer, pos0, n_tokens, p);
        return;
    }
    if (!hooked && simd_level() == SimdLevel::Avx512) {
        // Decoding: the query heads of one KV head (grouped-query attention; one head when ALiBi gives each
        // its own slope) read K and V once, where they lie in the cache (kernels/cpu/attention_head.h). With
        // fewer (token, KV head) pairs than two per thread, groups split so both threads have work.
        const int64_t pairs = n_tokens * p.n_head_kv;
        const int64_t max_group = p.alibi_slopes ? 1 : group;
        const int64_t pieces = std::clamp<int64_t>((2 * num_threads() + pairs - 1) / pairs, 1, max_group);
        const int64_t piece = (max_group + pieces - 1) / pieces;  // query heads per work item
        const int64_t per_kv = (group + piece - 1) / piece;        // work items per (token, KV head)
        // Each KV head's keys as runs where they lie (one for a contiguous cache, one per block for a paged
        // one); a query counts the first n_k of them.
        std::vector<std::vector<KeyRun>> runs(static_cast<size_t>(p.n_head_kv));
        for (size_t kv = 0; kv < runs.size(); ++kv)
            key_runs(cache, layer, static_cast<int64_t>(kv), 0, pos0 + n_tokens, runs[kv]);
        parallel_for(pairs * per_kv, 1, [&](int64_t begin, int64_t end) {
            for (int64_t item = begin; item < end; ++item) {
                const int64_t t = item / (p.n_head_kv * per_kv), kv = item / per_kv % p.n_head_kv;
                const int64_t h0 = kv * group + item % per_kv * piece, heads = std::min(piece, (kv + 1) * group - h0);
                AttentionHead a;
                a.q = q + t * ld_q + h0 * d;
                a.runs = runs[static_cast<size_t>(kv)].data();
                a.n_runs = static_cast<int64_t>(runs[static_cast<size_t>(kv)].size());
                a.out = out + t * ld_out + h0 * d;
                a.ldq = a.ldo = d;  // the heads of one token lie side by side
                a.ldk = a.ldv = d;
                a.n_q = heads;
                a.n_k = pos0 + t + 1;
                a.d = d;
                a.scale = p.scale;
                a.causal_offset = pos0 + t;
                a.same_position = true;
                a.alibi_slope = p.alibi_slopes ? p.alibi_slopes[h0] : 0.0f;
                attention_head(SimdLevel::Avx512, a);
            }
        });
        return;
    }
    // One work item per (query token, head); each needs a scores row of up to pos0 + n_tokens entries.
    parallel_for(n_tokens * p.n_head, 4, [&](int64_t begin, int64_t end) {
        std::vector<float> scores(static_cast<size_t>(pos0 + n_tokens));  // [n_keys]
        for (int64_t item = begin; item < end; ++item) {
            const int64_t t = item / p.n_head, h = item % p.n_head;
            const int64_t query_pos = pos0 + t;
            const int64_t n_keys = query_pos + 1;                // causal: keys 0..query_pos
            const int64_t lo = p.window > 0 ? std::max<int64_t>(0, n_keys - p.window) : 0;  // window start
            const float* qh = q + t * ld_q + h * d;  // [head_dim]
            for (int64_t j = 0; j < lo; ++j) scores[j] = 0.0f;  // outside the window: weight 0
            // Keys [n_keys, head_dim] in runs: one for a contiguous cache, one per block for a paged one.
            cache.for_each_run(layer, h / group, n_keys, [&](int64_t j0, int64_t n, const float* keys, const float*) {
                for (int64_t j = std::max<int64_t>(0, lo - j0); j < n; ++j)
                    scores[j0 + j] = p.scale * dot(qh, keys + j * d, d);
            });
            if (p.alibi_slopes)
                for (int64_t j = 0; j < n_keys; ++j) scores[j] += p.alibi_slopes[h] * static_cast<float>(j);
            softmax(scores.data() + lo, n_keys - lo);
            if (hooked)
                (*p.weights_hook)(layer, h, query_pos, std::span<const float>(scores.data(), n_keys));
            float* oh = out + t * ld_out + h * d;  // [head_dim]
            for (int64_t i = 0; i < d; ++i) oh[i] = 0.0f;
            cache.for_each_run(layer, h / group, n_keys, [&](int64_t j0, int64_t n, const float*, const float* vals) {
                for (int64_t j = std::max<int64_t>(0, lo - j0); j < n; ++j) {
                    const float w = scores[j0 + j];
                    const float* vj = vals + j * d;
                    for (int64_t i = 0; i < d; ++i) oh[i] += w * vj[i];
                }
            });
        }
    });
}

}  // namespace loom
