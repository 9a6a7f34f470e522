// One head of bidirectional attention over one sequence's real tokens (the caller passes only real keys, so
// there is no mask):
//
//   S = scale * Q K^T      [n_q, n_k]
//   P = softmax_rows(S)    [n_q, n_k]
//   O = P V                [n_q, d]
//
// The fast variants are two small GEMMs: K is transposed (and scaled) once into [d][n_k] so a block of 4
// queries x 16 keys accumulates with one vector load per d; softmax uses the vectorised exp; PV broadcasts
// P[i, j] against rows of V. attention_head_reference is the scalar reference they are tested against.
#pragma once

#include <cstdint>

#include "core/cpu_features.h"

namespace loom {

struct AttentionHead {
    const float* q = nullptr;  // [n_q, d], row stride ldq
    const float* k = nullptr;  // [n_k, d], row stride ldk
    const float* v = nullptr;  // [n_k, d], row stride ldv
    float* out = nullptr;      // [n_q, d], row stride ldo
    int64_t ldq = 0, ldk = 0, ldv = 0, ldo = 0;
    int64_t n_q = 0, n_k = 0, d = 0;  // n_k >= 1
    float scale = 1.0f;
    float* probs = nullptr;  // optional [n_q, n_k] copy of P, row stride ldp (attention maps)
    int64_t ldp = 0;
};

void attention_head(SimdLevel level, const AttentionHead& h);
void attention_head_reference(const AttentionHead& h);

namespace kernels {
void attention_head_avx512(const AttentionHead& h);
void attention_head_avx2(const AttentionHead& h);
}  // namespace kernels

}  // namespace loom
