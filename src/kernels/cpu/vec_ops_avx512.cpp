// AVX-512 elementwise ops: 16 lanes, the tail under a mask.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include "kernels/cpu/vec_math_avx512.h"
#include "kernels/cpu/vec_ops.h"

namespace loom::kernels {

void gelu_erf_avx512(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(x + i, m, gelu_erf512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

void exp_avx512(const float* x, float* out, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(out + i, m, exp512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

}  // namespace loom::kernels
