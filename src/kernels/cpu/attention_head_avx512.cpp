// AVX-512 attention head (see attention_head.h): blocks of 4 queries x 16 keys for S, masked-free softmax
// over rows padded with -inf, and 4 queries x 32 columns of V for O.
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

}  // namespace

void attention_head_avx512(const AttentionHead& h) {
    const int64_t nq = h.n_q, nk = h.n_k, d = h.d, nkp = (nk + 15) / 16 * 16;
    float* kt = thread_scratch_floats<8>(static_cast<size_t>(d * nkp));  // [d][nkp] scale * K^T, 0 past n_k
    float* s = thread_scratch_floats<9>(static_cast<size_t>(nq * nkp));  // [n_q][nkp] scores, then P
    for (int64_t c = 0; c < d; ++c) {
        float* row = kt + c * nkp;
        for (int64_t j = 0; j < nk; ++j) row[j] = h.scale * h.k[j * h.ldk + c];
        std::fill(row + nk, row + nkp, 0.0f);
    }
    const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for (int64_t i0 = 0; i0 < nq; i0 += kQ) {
        const float* qr[kQ];  // rows past n_q repeat the last one (computed, not stored)
        for (int r = 0; r < kQ; ++r) qr[r] = h.q + std::min(i0 + r, nq - 1) * h.ldq;
        const int rows = static_cast<int>(std::min<int64_t>(kQ, nq - i0));
        for (int64_t jb = 0; jb < nkp; jb += 16) {
            __m512 acc[kQ];
            for (int r = 0; r < kQ; ++r) acc[r] = _mm512_setzero_ps();
            for (int64_t c = 0; c < d; ++c) {
                const __m512 kv = _mm512_load_ps(kt + c * nkp + jb);
                for (int r = 0; r < kQ; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(qr[r][c]), kv, acc[r]);
            }
            const __mmask16 real = lanes(nk - jb);  // keys past n_k -> -inf
            for (int r = 0; r < rows; ++r)
                _mm512_store_ps(s + (i0 + r) * nkp + jb, _mm512_mask_mov_ps(neg_inf, real, acc[r]));
        }
        for (int r = 0; r < rows; ++r) {
            softmax_row(s + (i0 + r) * nkp, nkp);
            if (h.probs) std::copy_n(s + (i0 + r) * nkp, nk, h.probs + (i0 + r) * h.ldp);
        }
        // O rows i0.. = P rows · V, 32 columns of V at a time.
        for (int64_t c0 = 0; c0 < d; c0 += 32) {
            const __mmask16 m0 = lanes(d - c0), m1 = lanes(d - c0 - 16);
            __m512 acc[kQ][2];
            for (int r = 0; r < kQ; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
            const float* pr[kQ];  // P rows; past n_q the last one again (computed, not stored)
            for (int r = 0; r < kQ; ++r) pr[r] = s + std::min(i0 + r, nq - 1) * nkp;
            for (int64_t j = 0; j < nk; ++j) {
                const float* vj = h.v + j * h.ldv + c0;
                const __m512 v0 = _mm512_maskz_loadu_ps(m0, vj), v1 = _mm512_maskz_loadu_ps(m1, vj + 16);
                for (int r = 0; r < kQ; ++r) {
                    const __m512 p = _mm512_set1_ps(pr[r][j]);
                    acc[r][0] = _mm512_fmadd_ps(p, v0, acc[r][0]);
                    acc[r][1] = _mm512_fmadd_ps(p, v1, acc[r][1]);
                }
            }
            for (int r = 0; r < rows; ++r) {
                float* o = h.out + (i0 + r) * h.ldo + c0;
                _mm512_mask_storeu_ps(o, m0, acc[r][0]);
                _mm512_mask_storeu_ps(o + 16, m1, acc[r][1]);
            }
        }
    }
}

}  // namespace loom::kernels
