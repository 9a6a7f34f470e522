// Vectorised exp and exact-GELU for AVX-512 kernels (include only from *_avx512.cpp files): the one exp the
// encoder's and the encoder-decoder's softmax and activations share. Scalar references: std::exp and
// loom::gelu_erf (ops.h); tests/unit/test_encoder_kernels.cpp compares them.
//
// exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 with ln 2 split in two (the high part has few
// mantissa bits, so n * hi is exact), |r| <= ln2 / 2; exp(r) by its Taylor series to r^7 (truncation error
// < 0.347^8 / 8! = 5e-9 relative, below float rounding).
//
// GELU(x) = 0.5 x (1 + erf(x / sqrt 2)). With a = |x| / sqrt 2, erfc(a) ~ t (a1 + t (a2 + ... + t a5))
// e^{-a^2}, t = 1 / (1 + p a) (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7), and 1 + erf(z) is 2 - erfc(a)
// for z >= 0, erfc(a) for z < 0 (no cancellation on the negative side).
#pragma once

#include <immintrin.h>

namespace loom::kernels {
namespace {

inline __m512 exp512(__m512 x) {
    const __m512 lo_limit = _mm512_set1_ps(-87.3f);  // below: exp underflows -> 0
    // Above 88.3 the result saturates at e^88.3 (not +inf): every caller passes x <= 0 (softmax shifted by
    // its max, GELU's e^{-a^2}) or SiLU's e^{-x}, where the saturated value changes 1 / (1 + e^{-x}) by <
    // 1e-36.
    const __m512 xc = _mm512_min_ps(x, _mm512_set1_ps(88.3f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), xc);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860682030941723e-6f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    const __m512 e = _mm512_scalef_ps(p, n);
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, lo_limit, _CMP_GE_OQ), e);  // -inf and NaN-free -> 0
}

inline __m512 gelu_erf512(__m512 x) {
    const __m512 a = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(0.70710678118654752f));
    const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f),
                                   _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), a, _mm512_set1_ps(1.0f)));
    __m512 poly = _mm512_set1_ps(1.061405429f);
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-1.453152027f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(1.421413741f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-0.284496736f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(0.254829592f));
    poly = _mm512_mul_ps(poly, t);
    const __m512 erfc_a =
        _mm512_mul_ps(poly, exp512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a))));
    const __mmask16 positive = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
    const __m512 one_plus_erf =
        _mm512_mask_sub_ps(erfc_a, positive, _mm512_set1_ps(2.0f), erfc_a);  // 2 - erfc where x >= 0
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), one_plus_erf);
}

}  // namespace
}  // namespace loom::kernels
