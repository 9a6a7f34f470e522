// AVX-512 row kernels for weights stored as floats (F32, F16, BF16): f32 activations, FMA dot products,
// four W rows per pass so each x load feeds four FMAs. Memory-bound at M = 1 (every W byte is read once).
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include "kernels/cpu/matmul_kernels.h"
#include "kernels/cpu/scratch.h"
#include "tensor/dequantize.h"

namespace loom::kernels {
namespace {

// 16 consecutive weights starting at element k of a row, widened to f32; `mask` selects a K tail.
template <DType T>
inline __m512 load_w16(const uint8_t* row, int64_t k, __mmask16 mask) {
    if constexpr (T == DType::F32) {
        return _mm512_maskz_loadu_ps(mask, reinterpret_cast<const float*>(row) + k);
    } else {
        __m256i h = _mm256_maskz_loadu_epi16(mask, reinterpret_cast<const uint16_t*>(row) + k);
        if constexpr (T == DType::F16) return _mm512_cvtph_ps(h);
        return _mm512_castsi512_ps(
            _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));  // bf16 = top half of f32
    }
}

// out[r] = dot(x, rows[r]) for R rows.
template <DType T, int R>
inline void dot_rows(const uint8_t* const* rows, const float* x, int64_t K, float* out) {
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
        __m512 xv = _mm512_loadu_ps(x + k);
        for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(load_w16<T>(rows[r], k, 0xFFFF), xv, acc[r]);
    }
    if (k < K) {
        const __mmask16 mask = static_cast<__mmask16>((1u << (K - k)) - 1);
        __m512 xv = _mm512_maskz_loadu_ps(mask, x + k);
        for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(load_w16<T>(rows[r], k, mask), xv, acc[r]);
    }
    for (int r = 0; r < R; ++r) out[r] = hsum512(acc[r]);
}

template <DType T>
void float_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0,
                int64_t n1) {
    constexpr int R = 4;
    int64_t n = n0;
    for (; n + R <= n1; n += R) {
        const uint8_t* rows[R] = {w.row(n), w.row(n + 1), w.row(n + 2), w.row(n + 3)};
        for (int64_t m = 0; m < M; ++m) {
            float out[R];
            dot_rows<T, R>(rows, reinterpret_cast<const float*>(x.data + m * x.row_bytes), w.K, out);
            for (int r = 0; r < R; ++r) y[m * ldy + n + r] = out[r];
        }
    }
    for (; n < n1; ++n) {
        const uint8_t* row = w.row(n);
        for (int64_t m = 0; m < M; ++m)
            dot_rows<T, 1>(&row, reinterpret_cast<const float*>(x.data + m * x.row_bytes), w.K,
                           &y[m * ldy + n]);
    }
}

// Any other dtype (the K types until they get integer kernels): each W row is dequantized once by the
// reference dequantizer into an f32 buffer, then dotted with every x row.
void dequant_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0,
                  int64_t n1) {
    float* row_f32 = thread_scratch_floats<3>(static_cast<size_t>(w.K));  // [K]
    const uint8_t* row = reinterpret_cast<const uint8_t*>(row_f32);
    for (int64_t n = n0; n < n1; ++n) {
        dequantize_row(w.type, w.row(n), row_f32, w.K);
        for (int64_t m = 0; m < M; ++m)
            dot_rows<DType::F32, 1>(&row, reinterpret_cast<const float*>(x.data + m * x.row_bytes), w.K,
                                    &y[m * ldy + n]);
    }
}

}  // namespace

RowKernel avx512_float_row_kernel(DType type) {
    switch (type) {
        case DType::F32:
            return {ActFormat::F32, float_rows<DType::F32>, "avx512 f32-fma"};
        case DType::F16:
            return {ActFormat::F32, float_rows<DType::F16>, "avx512 f32-fma"};
        case DType::BF16:
            return {ActFormat::F32, float_rows<DType::BF16>, "avx512 f32-fma"};
        case DType::Q2_K:
        case DType::Q3_K:
        case DType::Q4_K:
        case DType::Q5_K:
        case DType::Q6_K:
            return {ActFormat::F32, dequant_rows, "avx512 dequant+f32-fma"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
