// AVX-512 attention head (see attention_head.h): blocks of 4 queries x 16 keys for S, softmax over rows
// padded (and causally masked) with -inf, and 4 queries x 32 columns of V for O.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <algorithm>
#include <limits>

#include "kernels/cpu/attention_head.h"
#include "kernels/cpu/scratch.h"
#include "kernels/cpu/vec_math_avx512.h"

namespace loom::kernels {
namespace {

constexpr int kQ = 4;  // queries per block

inline __mmask16 lanes(int64_t count) {
    return static_cast<__mmask16>(count >= 16 ? 0xFFFF : count <= 0 ? 0 : (1u << count) - 1);
}

// p: [nkp] scores, -inf past n_k -> probabilities (0 past n_k).
void softmax_row(float* p, int64_t nkp) {
    __m512 mx = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for (int64_t j = 0; j < nkp; j += 16) mx = _mm512_max_ps(mx, _mm512_load_ps(p + j));
    const __m512 max = _mm512_set1_ps(hmax512(mx));
    __m512 sum = _mm512_setzero_ps();
    for (int64_t j = 0; j < nkp; j += 16) {
        const __m512 e = exp512(_mm512_sub_ps(_mm512_load_ps(p + j), max));
        _mm512_store_ps(p + j, e);
        sum = _mm512_add_ps(sum, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / hsum512(sum));  // sum >= 1: the max contributes exp(0)
    for (int64_t j = 0; j < nkp; j += 16) _mm512_store_ps(p + j, _mm512_mul_ps(_mm512_load_ps(p + j), inv));
}

// Queries that all see the same keys (decoding: one query, or the G heads of a grouped-query KV head):
// S = scale q K^T + alibi from K as it lies in the cache, 4 keys at a time for all G queries (4 dot products
// share one horizontal sum, each key row is loaded once for the G queries), so no transposed copy of K is
// made; then softmax per query and O = P V, 64 columns of V at a time, each V row loaded once for G queries.
template <int G>
void attend_same_keys(const AttentionHead& h, int64_t i0) {
    const int64_t nk = attention_keys_of_query(h, i0), d = h.d, nkp = (nk + 15) / 16 * 16;
    float* s = thread_scratch_floats<9>(static_cast<size_t>(G * nkp));  // [G][nkp] S, then P
    const float* q[G];
    for (int g = 0; g < G; ++g) q[g] = h.q + (i0 + g) * h.ldq;
    // The keys in runs: the caller's (a paged cache) or the one block at h.k / h.v; the first nk keys count.
    const KeyRun whole{h.k, h.v, nk};
    const KeyRun* runs = h.runs ? h.runs : &whole;
    const int64_t n_runs = h.runs ? h.n_runs : 1;
    const __m128 iota4 = _mm_setr_ps(0, 1, 2, 3);
    for (int64_t r = 0, j0 = 0; r < n_runs && j0 < nk; j0 += runs[r].n, ++r) {
        const int64_t n = std::min(runs[r].n, nk - j0);
        int64_t i = 0;
        for (; i + 4 <= n; i += 4) {
            const float* k0 = runs[r].k + i * h.ldk;
            __m512 acc[G][4];
            for (int g = 0; g < G; ++g)
                for (int u = 0; u < 4; ++u) acc[g][u] = _mm512_setzero_ps();
            for (int64_t c = 0; c < d; c += 16) {
                const __mmask16 m = lanes(d - c);
                __m512 kr[4];
                for (int u = 0; u < 4; ++u) kr[u] = _mm512_maskz_loadu_ps(m, k0 + u * h.ldk + c);
                for (int g = 0; g < G; ++g) {
                    const __m512 qv = _mm512_maskz_loadu_ps(m, q[g] + c);
                    for (int u = 0; u < 4; ++u) acc[g][u] = _mm512_fmadd_ps(kr[u], qv, acc[g][u]);
                }
            }
            const __m128 bias = _mm_mul_ps(_mm_set1_ps(h.alibi_slope),
                                           _mm_add_ps(iota4, _mm_set1_ps(static_cast<float>(j0 + i))));
            for (int g = 0; g < G; ++g)
                _mm_storeu_ps(s + g * nkp + j0 + i,
                              _mm_fmadd_ps(_mm_set1_ps(h.scale), hsum4_512(acc[g][0], acc[g][1], acc[g][2], acc[g][3]),
                                           bias));
        }
        for (; i < n; ++i) {
            for (int g = 0; g < G; ++g) {
                __m512 acc = _mm512_setzero_ps();
                for (int64_t c = 0; c < d; c += 16) {
                    const __mmask16 m = lanes(d - c);
                    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, runs[r].k + i * h.ldk + c),
                                          _mm512_maskz_loadu_ps(m, q[g] + c), acc);
                }
                s[g * nkp + j0 + i] = h.scale * hsum512(acc) + h.alibi_slope * static_cast<float>(j0 + i);
            }
        }
    }
    for (int g = 0; g < G; ++g) {
        float* row = s + g * nkp;
        std::fill(row + nk, row + nkp, -std::numeric_limits<float>::infinity());
        softmax_row(row, nkp);
        if (h.probs) {
            float* out = h.probs + (i0 + g) * h.ldp;
            std::copy_n(row, nk, out);
            std::fill(out + nk, out + h.n_k, 0.0f);
        }
    }
    for (int64_t c0 = 0; c0 < d; c0 += 64) {
        __m512 acc[G][4];
        for (int g = 0; g < G; ++g)
            for (int u = 0; u < 4; ++u) acc[g][u] = _mm512_setzero_ps();
        __mmask16 m[4];
        for (int u = 0; u < 4; ++u) m[u] = lanes(d - c0 - 16 * u);
        for (int64_t r = 0, j0 = 0; r < n_runs && j0 < nk; j0 += runs[r].n, ++r) {
            const int64_t n = std::min(runs[r].n, nk - j0);
            for (int64_t i = 0; i < n; ++i) {
                const float* vj = runs[r].v + i * h.ldv + c0;
                __m512 v[4];
                for (int u = 0; u < 4; ++u) v[u] = _mm512_maskz_loadu_ps(m[u], vj + 16 * u);
                for (int g = 0; g < G; ++g) {
                    const __m512 p = _mm512_set1_ps(s[g * nkp + j0 + i]);
                    for (int u = 0; u < 4; ++u) acc[g][u] = _mm512_fmadd_ps(p, v[u], acc[g][u]);
                }
            }
        }
        for (int g = 0; g < G; ++g)
            for (int u = 0; u < 4; ++u) _mm512_mask_storeu_ps(h.out + (i0 + g) * h.ldo + c0 + 16 * u, m[u], acc[g][u]);
    }
}

void attend_same_keys_all(const AttentionHead& h) {
    for (int64_t i0 = 0; i0 < h.n_q; i0 += 4) {
        switch (std::min<int64_t>(4, h.n_q - i0)) {
            case 1:
                attend_same_keys<1>(h, i0);
                break;
            case 2:
                attend_same_keys<2>(h, i0);
                break;
            case 3:
                attend_same_keys<3>(h, i0);
                break;
            default:
                attend_same_keys<4>(h, i0);
                break;
        }
    }
}

}  // namespace

void attention_head_avx512(const AttentionHead& h) {
    if (h.n_q == 1 || h.same_position) return attend_same_keys_all(h);
    if (h.runs) return attention_head_reference(h);  // the blocked kernel transposes K from one block
    const int64_t nq = h.n_q, nk = h.n_k, d = h.d, nkp = (nk + 15) / 16 * 16;
    float* kt = thread_scratch_floats<8>(static_cast<size_t>(d * nkp));  // [d][nkp] scale * K^T, 0 past n_k
    float* s = thread_scratch_floats<9>(static_cast<size_t>(kQ * nkp));  // [kQ][nkp] the block's S, then P
    for (int64_t c = 0; c < d; ++c) {
        float* row = kt + c * nkp;
        for (int64_t j = 0; j < nk; ++j) row[j] = h.scale * h.k[j * h.ldk + c];
        std::fill(row + nk, row + nkp, 0.0f);
    }
    const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    const __m512 iota = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int64_t i0 = 0; i0 < nq; i0 += kQ) {
        const float* qr[kQ];      // rows past n_q repeat the last one (computed, not stored)
        int64_t keys_of[kQ];      // keys each row sees
        for (int r = 0; r < kQ; ++r) {
            const int64_t i = std::min(i0 + r, nq - 1);
            qr[r] = h.q + i * h.ldq;
            keys_of[r] = attention_keys_of_query(h, i);
        }
        const int rows = static_cast<int>(std::min<int64_t>(kQ, nq - i0));
        const int64_t block_keys = *std::max_element(keys_of, keys_of + kQ);
        const int64_t block_kp = (block_keys + 15) / 16 * 16;
        for (int64_t jb = 0; jb < block_kp; jb += 16) {
            __m512 acc[kQ];
            for (int r = 0; r < kQ; ++r) acc[r] = _mm512_setzero_ps();
            for (int64_t c = 0; c < d; ++c) {
                const __m512 kv = _mm512_load_ps(kt + c * nkp + jb);
#pragma GCC unroll 8
                for (int r = 0; r < kQ; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(qr[r][c]), kv, acc[r]);
            }
            const __m512 bias = _mm512_mul_ps(_mm512_set1_ps(h.alibi_slope),
                                              _mm512_add_ps(iota, _mm512_set1_ps(static_cast<float>(jb))));
#pragma GCC unroll 8
            for (int r = 0; r < kQ; ++r) {  // keys a row does not see -> -inf
                if (r >= rows) break;
                _mm512_store_ps(s + r * nkp + jb,
                                _mm512_mask_mov_ps(neg_inf, lanes(keys_of[r] - jb), _mm512_add_ps(acc[r], bias)));
            }
        }
        for (int r = 0; r < rows; ++r) {
            softmax_row(s + r * nkp, block_kp);
            if (h.probs) {
                float* out = h.probs + (i0 + r) * h.ldp;
                std::copy_n(s + r * nkp, std::min(nk, block_kp), out);
                std::fill(out + std::min(nk, block_kp), out + nk, 0.0f);
            }
        }
        // O rows i0.. = P rows · V, 32 columns of V at a time.
        for (int64_t c0 = 0; c0 < d; c0 += 32) {
            const __mmask16 m0 = lanes(d - c0), m1 = lanes(d - c0 - 16);
            __m512 acc[kQ][2];
#pragma GCC unroll 8
            for (int r = 0; r < kQ; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
            const float* pr[kQ];  // P rows; past n_q the last one again (computed, not stored)
            for (int r = 0; r < kQ; ++r) pr[r] = s + std::min(r, rows - 1) * nkp;
            for (int64_t j = 0; j < block_keys; ++j) {
                const float* vj = h.v + j * h.ldv + c0;
                const __m512 v0 = _mm512_maskz_loadu_ps(m0, vj), v1 = _mm512_maskz_loadu_ps(m1, vj + 16);
                // unrolled before GCC's scalar replacement, or it keeps acc on the stack (a store per FMA)
#pragma GCC unroll 8
                for (int r = 0; r < kQ; ++r) {
                    const __m512 p = _mm512_set1_ps(pr[r][j]);
                    acc[r][0] = _mm512_fmadd_ps(p, v0, acc[r][0]);
                    acc[r][1] = _mm512_fmadd_ps(p, v1, acc[r][1]);
                }
            }
            // (a constant trip count: acc indexed by a run-time row would live on the stack)
#pragma GCC unroll 8
            for (int r = 0; r < kQ; ++r) {
                if (r >= rows) break;
                float* o = h.out + (i0 + r) * h.ldo + c0;
                _mm512_mask_storeu_ps(o, m0, acc[r][0]);
                _mm512_mask_storeu_ps(o + 16, m1, acc[r][1]);
            }
        }
    }
}

}  // namespace loom::kernels
