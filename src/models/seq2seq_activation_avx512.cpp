// AVX-512 SiLU for the seq2seq FFN (Marian's "swish"): x / (1 + e^-x), 16 lanes at a time with
// kernels/cpu/vec_math_avx512.h. The scalar reference is loom::silu (kernels/cpu/ops.h); tests compare them.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include "kernels/cpu/vec_math_avx512.h"
#include "models/seq2seq_layers.h"

namespace loom {

void seq2seq_silu_avx512(float* x, int64_t n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        const __m512 e = kernels::exp512(_mm512_sub_ps(_mm512_setzero_ps(), v));  // e^-x
        _mm512_mask_storeu_ps(x + i, m, _mm512_div_ps(v, _mm512_add_ps(one, e)));
    }
}

}  // namespace loom
