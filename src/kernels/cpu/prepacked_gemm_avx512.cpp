// AVX-512 packed-weight GEMM: a 12 x 32 register tile of y (24 zmm accumulators), two FMAs per broadcast
// element of x; bias added and partial tiles masked at the store.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <algorithm>

#include "kernels/cpu/prepacked_gemm_kernels.h"
#include "kernels/cpu/prepacked_gemm.h"
#include "kernels/cpu/scratch.h"

namespace loom::kernels {
namespace {

struct Micro {
    static constexpr int MR = 12, NR = 32;

    // c[i, j] (+)= sum_k a[k, i] * b[k, j] (+ bias[j]) for i < m_valid, j < n_valid.
    static void run(const float* a, const float* b, int64_t kc, float* c, int64_t ldc, bool accumulate,
                    const float* bias, int m_valid, int n_valid) {
        __m512 acc[MR][2];
        for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
        for (int64_t k = 0; k < kc; ++k) {
            const __m512 b0 = _mm512_load_ps(b + k * NR), b1 = _mm512_load_ps(b + k * NR + 16);
            const float* ak = a + k * MR;
            for (int i = 0; i < MR; ++i) {
                const __m512 ai = _mm512_set1_ps(ak[i]);
                acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
                acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
            }
        }
        const __mmask16 mask0 = static_cast<__mmask16>(n_valid >= 16 ? 0xFFFF : (1u << n_valid) - 1);
        const __mmask16 mask1 = static_cast<__mmask16>(n_valid >= 32   ? 0xFFFF
                                                       : n_valid <= 16 ? 0
                                                                       : (1u << (n_valid - 16)) - 1);
        const __m512 bias0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
        const __m512 bias1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
        for (int i = 0; i < MR && i < m_valid; ++i) {
            float* ci = c + i * ldc;
            __m512 r0 = _mm512_add_ps(acc[i][0], bias0), r1 = _mm512_add_ps(acc[i][1], bias1);
            if (accumulate) {
                r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(mask0, ci));
                r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(mask1, ci + 16));
            }
            _mm512_mask_storeu_ps(ci, mask0, r0);
            _mm512_mask_storeu_ps(ci + 16, mask1, r1);
        }
    }
};

#include "kernels/cpu/prepacked_gemm_driver.h"

}  // namespace

PrepackedGemmKernel prepacked_gemm_kernel_avx512() {
    return {Micro::MR, Micro::NR, prepacked_gemm_range};
}

}  // namespace loom::kernels
