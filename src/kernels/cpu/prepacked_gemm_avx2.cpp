// AVX2 packed-weight GEMM: a 6 x 16 register tile of y (12 ymm accumulators), two FMAs per broadcast element
// of x; partial tiles go through a small buffer (AVX2 has no masked store of floats by lane count).
#include <immintrin.h>

#include <algorithm>

#include "kernels/cpu/prepacked_gemm_kernels.h"
#include "kernels/cpu/prepacked_gemm.h"
#include "kernels/cpu/scratch.h"

namespace loom::kernels {
namespace {

struct Micro {
    static constexpr int MR = 6, NR = 16;

    // c[i, j] (+)= sum_k a[k, i] * b[k, j] (+ bias[j]) for i < m_valid, j < n_valid.
    static void run(const float* a, const float* b, int64_t kc, float* c, int64_t ldc, bool accumulate,
                    const float* bias, int m_valid, int n_valid) {
        __m256 acc[MR][2];
        for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
        for (int64_t k = 0; k < kc; ++k) {
            const __m256 b0 = _mm256_load_ps(b + k * NR), b1 = _mm256_load_ps(b + k * NR + 8);
            const float* ak = a + k * MR;
            for (int i = 0; i < MR; ++i) {
                const __m256 ai = _mm256_broadcast_ss(ak + i);
                acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
                acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
            }
        }
        const __m256 bias0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
        const __m256 bias1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
        const bool full = n_valid == NR;
        for (int i = 0; i < MR && i < m_valid; ++i) {
            float* ci = c + i * ldc;
            __m256 r0 = _mm256_add_ps(acc[i][0], bias0), r1 = _mm256_add_ps(acc[i][1], bias1);
            if (full) {
                if (accumulate) {
                    r0 = _mm256_add_ps(r0, _mm256_loadu_ps(ci));
                    r1 = _mm256_add_ps(r1, _mm256_loadu_ps(ci + 8));
                }
                _mm256_storeu_ps(ci, r0);
                _mm256_storeu_ps(ci + 8, r1);
            } else {
                alignas(32) float row[NR];
                _mm256_store_ps(row, r0);
                _mm256_store_ps(row + 8, r1);
                for (int j = 0; j < n_valid; ++j) ci[j] = accumulate ? ci[j] + row[j] : row[j];
            }
        }
    }
};

#include "kernels/cpu/prepacked_gemm_driver.h"

}  // namespace

PrepackedGemmKernel prepacked_gemm_kernel_avx2() {
    return {Micro::MR, Micro::NR, prepacked_gemm_range};
}

}  // namespace loom::kernels
