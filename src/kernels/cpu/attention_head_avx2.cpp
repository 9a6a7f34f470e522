// AVX2 attention head (see attention_head.h): blocks of 4 queries x 8 keys for S, softmax over rows padded
// (and causally masked) with -inf, and 4 queries x 16 columns of V for O.
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "kernels/cpu/attention_head.h"
#include "kernels/cpu/scratch.h"
#include "kernels/cpu/vec_math_avx2.h"

namespace loom::kernels {
namespace {

constexpr int kQ = 4;  // queries per block

// Lane mask of the first `count` of 8 lanes (for maskload / maskstore).
inline __m256i lanes(int64_t count) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::clamp<int64_t>(count, 0, 8))), index);
}

inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

inline float hmax256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}

// p: [nkp] scores, -inf past n_k -> probabilities (0 past n_k).
void softmax_row(float* p, int64_t nkp) {
    __m256 mx = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    for (int64_t j = 0; j < nkp; j += 8) mx = _mm256_max_ps(mx, _mm256_load_ps(p + j));
    const __m256 max = _mm256_set1_ps(hmax256(mx));
    __m256 sum = _mm256_setzero_ps();
    for (int64_t j = 0; j < nkp; j += 8) {
        const __m256 e = exp256(_mm256_sub_ps(_mm256_load_ps(p + j), max));
        _mm256_store_ps(p + j, e);
        sum = _mm256_add_ps(sum, e);
    }
    const __m256 inv = _mm256_set1_ps(1.0f / hsum256(sum));  // sum >= 1: the max contributes exp(0)
    for (int64_t j = 0; j < nkp; j += 8) _mm256_store_ps(p + j, _mm256_mul_ps(_mm256_load_ps(p + j), inv));
}

}  // namespace

void attention_head_avx2(const AttentionHead& h) {
    const int64_t nq = h.n_q, nk = h.n_k, d = h.d, nkp = (nk + 7) / 8 * 8;
    float* kt = thread_scratch_floats<8>(static_cast<size_t>(d * nkp));  // [d][nkp] scale * K^T, 0 past n_k
    float* s = thread_scratch_floats<9>(static_cast<size_t>(kQ * nkp));  // [kQ][nkp] the block's S, then P
    for (int64_t c = 0; c < d; ++c) {
        float* row = kt + c * nkp;
        for (int64_t j = 0; j < nk; ++j) row[j] = h.scale * h.k[j * h.ldk + c];
        std::fill(row + nk, row + nkp, 0.0f);
    }
    const __m256 neg_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    const __m256 iota = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
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
        const int64_t block_kp = (block_keys + 7) / 8 * 8;
        for (int64_t jb = 0; jb < block_kp; jb += 8) {
            __m256 acc[kQ];
            for (int r = 0; r < kQ; ++r) acc[r] = _mm256_setzero_ps();
            for (int64_t c = 0; c < d; ++c) {
                const __m256 kv = _mm256_load_ps(kt + c * nkp + jb);
                for (int r = 0; r < kQ; ++r)
                    acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(qr[r] + c), kv, acc[r]);
            }
            const __m256 bias = _mm256_mul_ps(_mm256_set1_ps(h.alibi_slope),
                                              _mm256_add_ps(iota, _mm256_set1_ps(static_cast<float>(jb))));
            // constant trip counts: acc indexed by a run-time row would live on the stack (a store per FMA)
#pragma GCC unroll 8
            for (int r = 0; r < kQ; ++r) {  // keys a row does not see -> -inf
                if (r >= rows) break;
                const __m256 real = _mm256_castsi256_ps(lanes(keys_of[r] - jb));
                _mm256_store_ps(s + r * nkp + jb, _mm256_blendv_ps(neg_inf, _mm256_add_ps(acc[r], bias), real));
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
        const float* pr[kQ];  // P rows; past n_q the last one again (computed, not stored)
        for (int r = 0; r < kQ; ++r) pr[r] = s + std::min(r, rows - 1) * nkp;
        // O rows i0.. = P rows · V, 16 columns of V at a time.
        for (int64_t c0 = 0; c0 < d; c0 += 16) {
            const __m256i m0 = lanes(d - c0), m1 = lanes(d - c0 - 8);
            __m256 acc[kQ][2];
            for (int r = 0; r < kQ; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
            for (int64_t j = 0; j < block_keys; ++j) {
                const float* vj = h.v + j * h.ldv + c0;
                const __m256 v0 = _mm256_maskload_ps(vj, m0), v1 = _mm256_maskload_ps(vj + 8, m1);
                for (int r = 0; r < kQ; ++r) {
                    const __m256 p = _mm256_broadcast_ss(pr[r] + j);
                    acc[r][0] = _mm256_fmadd_ps(p, v0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(p, v1, acc[r][1]);
                }
            }
#pragma GCC unroll 8
            for (int r = 0; r < kQ; ++r) {
                if (r >= rows) break;
                float* o = h.out + (i0 + r) * h.ldo + c0;
                _mm256_maskstore_ps(o, m0, acc[r][0]);
                _mm256_maskstore_ps(o + 8, m1, acc[r][1]);
            }
        }
    }
}

}  // namespace loom::kernels
