// AVX-512 f32 GEMM: a 12 x 32 register tile of y (24 zmm accumulators), two FMAs per broadcast element of x,
// bias added and partial tiles masked at the store. Serves the decoder's prefill for any weight dtype (W
// panels dequantized per call) and the weights packed at load (prepacked_gemm.h); loop nest in
// f32_gemm_driver.h, scalar reference prepacked_gemm_reference / matmul's scalar kernels.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <algorithm>
#include <array>
#include <utility>

#include "kernels/cpu/matmul.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/cpu/prepacked_gemm.h"
#include "kernels/cpu/prepacked_gemm_kernels.h"
#include "kernels/cpu/scratch.h"
#include "tensor/dequantize.h"

namespace loom::kernels {
namespace {

struct Micro {
    static constexpr int MR = 12, NR = 32;

    template <int R, bool kDirect>
    static void run(const float* a, int64_t lda, const float* b, int64_t kc, float* c, int64_t ldc,
                    bool accumulate, const float* bias, int n_valid) {
        __m512 acc[R][2];
        for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
        for (int64_t k = 0; k < kc; ++k) {
            if constexpr (kDirect) {
                // Few rows of x (batched decoding): the weight streams from memory with little work per byte
                // to hide it behind; ask for it 16 k (2 KB) ahead (Marian decoding at M = 16: 10 % faster).
                _mm_prefetch(reinterpret_cast<const char*>(b + (k + 16) * NR), _MM_HINT_T0);
                _mm_prefetch(reinterpret_cast<const char*>(b + (k + 16) * NR + 16), _MM_HINT_T0);
            }
            const __m512 b0 = _mm512_load_ps(b + k * NR), b1 = _mm512_load_ps(b + k * NR + 16);
            for (int i = 0; i < R; ++i) {
                const __m512 ai = _mm512_set1_ps(kDirect ? a[i * lda + k] : a[k * MR + i]);
                acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
                acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
            }
        }
        if (bias) {
            const __m512 bias0 = _mm512_loadu_ps(bias), bias1 = _mm512_loadu_ps(bias + 16);
            for (int i = 0; i < R; ++i) {
                acc[i][0] = _mm512_add_ps(acc[i][0], bias0);
                acc[i][1] = _mm512_add_ps(acc[i][1], bias1);
            }
        }
        store_tile32(acc, c, ldc, accumulate, R, n_valid);
    }
};

// kc F16 (or BF16) values -> f32, 16 at a time.
void halves_to_f32(const uint16_t* h, int64_t kc, bool f16, float* out) {
    for (int64_t k = 0; k < kc; k += 16) {
        const __mmask16 mask = static_cast<__mmask16>(kc - k >= 16 ? 0xFFFF : (1u << (kc - k)) - 1);
        const __m256i v = _mm256_maskz_loadu_epi16(mask, h + k);
        const __m512 f = f16 ? _mm512_cvtph_ps(v) : _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16));
        _mm512_mask_storeu_ps(out + k, mask, f);
    }
}

// NR rows [NR][ld] -> tile [kc][NR], 16 rows x 16 columns at a time transposed in registers (a scalar
// transposing copy cost as much as the FMAs at M = 128).
void rows_to_tile(const float* rows, int64_t ld, int64_t kc, float* tile) {
    constexpr int NR = Micro::NR;
    for (int64_t k = 0; k < kc; k += 16) {
        const int steps = static_cast<int>(std::min<int64_t>(16, kc - k));
        const auto mask = static_cast<__mmask16>((1u << steps) - 1);
        for (int h = 0; h < NR / 16; ++h) {
            __m512i v[16];
            for (int j = 0; j < 16; ++j)
                v[j] = _mm512_castps_si512(_mm512_maskz_loadu_ps(mask, rows + (16 * h + j) * ld + k));
            transpose16x16_epi32(v);
            for (int s = 0; s < steps; ++s) _mm512_store_ps(tile + (k + s) * NR + 16 * h, _mm512_castsi512_ps(v[s]));
        }
    }
}

#include "kernels/cpu/f32_gemm_driver.h"

}  // namespace

GemmKernelFn avx512_gemm_kernel(DType type) {
    // Panels are dequantized to f32, so the GEMM covers every type the scalar reference covers.
    return loom::matmul_supports(type) ? gemm_f32 : nullptr;
}

PrepackedGemmKernel prepacked_gemm_kernel_avx512() {
    return {Micro::MR, Micro::NR, prepacked_gemm_range};
}

}  // namespace loom::kernels
