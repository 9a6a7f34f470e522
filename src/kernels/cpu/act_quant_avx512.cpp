// AVX-512 activation quantizers (Q8_32, Q8_256); same arithmetic as the scalar one in act_quant.cpp, bit for bit:
// max|x|, d = amax / 127, q = round-to-nearest-even(x * (1 / d)).
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include "kernels/cpu/act_quant.h"

namespace loom::kernels {

void quantize_q8_32_avx512(const float* x, int64_t K, int8_t* qs, float* d, float* sd) {
    const __m512 sign_off = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
    for (int64_t b = 0; b < K / 32; ++b) {
        __m512 v0 = _mm512_loadu_ps(x + 32 * b), v1 = _mm512_loadu_ps(x + 32 * b + 16);
        __m512 a = _mm512_max_ps(_mm512_and_ps(v0, sign_off), _mm512_and_ps(v1, sign_off));
        float amax = hmax512(a);
        float db = amax / 127.0f;
        __m512 inv = _mm512_set1_ps(db != 0 ? 1.0f / db : 0.0f);
        __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, inv));  // MXCSR default: nearest even
        __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, inv));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + 32 * b), _mm512_cvtepi32_epi8(q0));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + 32 * b + 16), _mm512_cvtepi32_epi8(q1));
        d[b] = db;
        sd[b] = db * static_cast<float>(hsum512_epi32(_mm512_add_epi32(q0, q1)));
    }
}

void quantize_q8_256_avx512(const float* x, int64_t K, int8_t* qs, float* d, int16_t* sum16) {
    const __m512 sign_off = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
    for (int64_t s = 0; s < K / 256; ++s) {
        const float* xs = x + 256 * s;
        __m512 a = _mm512_setzero_ps();
        for (int i = 0; i < 16; ++i) a = _mm512_max_ps(a, _mm512_and_ps(_mm512_loadu_ps(xs + 16 * i), sign_off));
        const float amax = hmax512(a);
        const float ds = amax / 127.0f;
        const __m512 inv = _mm512_set1_ps(ds != 0 ? 1.0f / ds : 0.0f);
        for (int i = 0; i < 16; ++i) {  // group i of 16
            const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xs + 16 * i), inv));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + 256 * s + 16 * i), _mm512_cvtepi32_epi8(q));
            sum16[16 * s + i] = static_cast<int16_t>(hsum512_epi32(q));
        }
        d[s] = ds;
    }
}

}  // namespace loom::kernels
