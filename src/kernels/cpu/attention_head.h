// One head of attention over one sequence's keys: bidirectional (the encoders: the caller passes only real
// keys, so there is no padding mask) or causal (decoder prefill against its KV cache):
//
//   S = scale * Q K^T + alibi_slope * j      [n_q, n_k]   key j of query i masked (-inf) when causal and
//   P = softmax_rows(S)                      [n_q, n_k]   j > causal_offset + i
//   O = P V                                  [n_q, d]
//
// The fast variants are two small GEMMs per block of 4 queries: K is transposed (and scaled) once into
// [d][n_k] so 4 queries x 16 keys accumulate with one vector load per d; softmax uses the vectorised exp; PV
// broadcasts P[i, j] against rows of V. Only the block's 4 rows of S exist at a time (memory O(n_k), not
// O(n_q n_k)), and a causal block stops at its last query's last key. attention_head_reference is the
// scalar reference they are tested against.
#pragma once

#include <cstdint>

#include "core/cpu_features.h"

namespace loom {

// Consecutive keys (and their values) that lie together in memory, rows of stride ldk / ldv: a paged KV
// cache hands its blocks over as runs.
struct KeyRun {
    const float* k = nullptr;  // [n, d]
    const float* v = nullptr;  // [n, d]
    int64_t n = 0;
};

struct AttentionHead {
    const float* q = nullptr;  // [n_q, d], row stride ldq
    const float* k = nullptr;  // [n_k, d], row stride ldk
    const float* v = nullptr;  // [n_k, d], row stride ldv
    float* out = nullptr;      // [n_q, d], row stride ldo
    int64_t ldq = 0, ldk = 0, ldv = 0, ldo = 0;
    int64_t n_q = 0, n_k = 0, d = 0;  // n_k >= 1
    float scale = 1.0f;
    int64_t causal_offset = -1;  // >= 0: query i sees keys 0 .. causal_offset + i (its position in the cache)
    // Decoding with grouped-query attention: the n_q queries are heads of one token sharing this K and V, so
    // every query sees keys 0 .. causal_offset (and the one alibi_slope: group only heads without ALiBi).
    bool same_position = false;
    // Optional: the keys as runs (key j is row j of their concatenation; k and v above are then unused).
    // Taken by the decoding path (n_q == 1 or same_position) of every variant.
    const KeyRun* runs = nullptr;
    int64_t n_runs = 0;
    float alibi_slope = 0.0f;    // BLOOM's ALiBi: + slope * j on every score
    float* probs = nullptr;  // optional [n_q, n_k] copy of P, row stride ldp (attention maps)
    int64_t ldp = 0;
};

void attention_head(SimdLevel level, const AttentionHead& h);
void attention_head_reference(const AttentionHead& h);

// Keys query i of `h` sees: n_k, or fewer when causal.
inline int64_t attention_keys_of_query(const AttentionHead& h, int64_t i) {
    if (h.causal_offset < 0) return h.n_k;
    const int64_t seen = h.causal_offset + (h.same_position ? 0 : i) + 1;
    return seen < h.n_k ? seen : h.n_k;
}

// Row j of K and of V, through the runs when there are runs (a linear walk: for the reference).
inline const float* attention_key_row(const AttentionHead& h, int64_t j) {
    if (!h.runs) return h.k + j * h.ldk;
    for (int64_t r = 0; r < h.n_runs; j -= h.runs[r].n, ++r)
        if (j < h.runs[r].n) return h.runs[r].k + j * h.ldk;
    return nullptr;
}
inline const float* attention_value_row(const AttentionHead& h, int64_t j) {
    if (!h.runs) return h.v + j * h.ldv;
    for (int64_t r = 0; r < h.n_runs; j -= h.runs[r].n, ++r)
        if (j < h.runs[r].n) return h.runs[r].v + j * h.ldv;
    return nullptr;
}

namespace kernels {
void attention_head_avx512(const AttentionHead& h);
void attention_head_avx2(const AttentionHead& h);
}  // namespace kernels

}  // namespace loom
