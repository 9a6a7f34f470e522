// AVX2 f32 GEMM: a 6 x 16 register tile of y (12 ymm accumulators), two FMAs per broadcast element of x;
// partial tiles go through a small buffer (AVX2 has no masked store of floats by lane count). Serves the
// decoder's prefill for any weight dtype and the weights packed at load (prepacked_gemm.h); loop nest in
// f32_gemm_driver.h.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "core/half.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/cpu/prepacked_gemm.h"
#include "kernels/cpu/prepacked_gemm_kernels.h"
#include "kernels/cpu/scratch.h"
#include "tensor/dequantize.h"

namespace loom::kernels {
namespace {

struct Micro {
    static constexpr int MR = 6, NR = 16;

    template <int R, bool kDirect>
    static void run(const float* a, int64_t lda, const float* b, int64_t kc, float* c, int64_t ldc,
                    bool accumulate, const float* bias, int n_valid) {
        __m256 acc[R][2];
        for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
        for (int64_t k = 0; k < kc; ++k) {
            const __m256 b0 = _mm256_load_ps(b + k * NR), b1 = _mm256_load_ps(b + k * NR + 8);
            for (int i = 0; i < R; ++i) {
                const __m256 ai = _mm256_broadcast_ss(kDirect ? a + i * lda + k : a + k * MR + i);
                acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
                acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
            }
        }
        if (bias) {
            alignas(32) float padded[NR] = {};  // bias past n_valid may be past its end
            std::copy_n(bias, n_valid, padded);
            const __m256 bias0 = _mm256_load_ps(padded), bias1 = _mm256_load_ps(padded + 8);
            for (int i = 0; i < R; ++i) {
                acc[i][0] = _mm256_add_ps(acc[i][0], bias0);
                acc[i][1] = _mm256_add_ps(acc[i][1], bias1);
            }
        }
        if (n_valid == NR) {
            for (int i = 0; i < R; ++i) {
                float* ci = c + i * ldc;
                if (accumulate) {
                    acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(ci));
                    acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(ci + 8));
                }
                _mm256_storeu_ps(ci, acc[i][0]);
                _mm256_storeu_ps(ci + 8, acc[i][1]);
            }
            return;
        }
        alignas(32) float tile[R][NR];  // edge tile: spill, then copy the valid part
        for (int i = 0; i < R; ++i) {
            _mm256_store_ps(tile[i], acc[i][0]);
            _mm256_store_ps(tile[i] + 8, acc[i][1]);
        }
        for (int i = 0; i < R; ++i)
            for (int j = 0; j < n_valid; ++j) c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0.0f) + tile[i][j];
    }
};

// kc F16 (or BF16) values -> f32.
void halves_to_f32(const uint16_t* h, int64_t kc, bool f16, float* out) {
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + k));
        _mm256_storeu_ps(out + k, f16 ? _mm256_cvtph_ps(v)
                                      : _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16)));
    }
    for (; k < kc; ++k) out[k] = f16 ? f16_to_f32(h[k]) : bf16_to_f32(h[k]);
}

// NR rows [NR][ld] -> tile [kc][NR].
void rows_to_tile(const float* rows, int64_t ld, int64_t kc, float* tile) {
    constexpr int NR = Micro::NR;
    for (int j = 0; j < NR; ++j)
        for (int64_t k = 0; k < kc; ++k) tile[k * NR + j] = rows[j * ld + k];
}

#include "kernels/cpu/f32_gemm_driver.h"

}  // namespace

GemmKernelFn avx2_gemm_kernel(DType type) {
    // Panels are dequantized to f32, so the GEMM covers every type the scalar reference covers.
    return loom::matmul_supports(type) ? gemm_f32 : nullptr;
}

PrepackedGemmKernel prepacked_gemm_kernel_avx2() {
    return {Micro::MR, Micro::NR, prepacked_gemm_range};
}

}  // namespace loom::kernels
