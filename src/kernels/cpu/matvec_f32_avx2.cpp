// AVX2 row kernels for weights stored as floats (F32, F16, BF16): f32 activations, FMA dot products over
// four W rows per pass (each x load feeds four FMAs); for M >= 2, 2 x 4 tiles of x rows by W rows. The K % 8
// tail runs scalar.
#include <immintrin.h>

#include "core/half.h"
#include "kernels/cpu/matmul_kernels.h"

namespace loom::kernels {
namespace {

template <DType T>
inline __m256 load_w8(const uint8_t* row, int64_t k) {
    if constexpr (T == DType::F32) {
        return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + k);
    } else {
        const __m128i h =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const uint16_t*>(row) + k));
        if constexpr (T == DType::F16) return _mm256_cvtph_ps(h);
        return _mm256_castsi256_ps(
            _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));  // bf16 = top half of f32
    }
}

template <DType T>
inline float load_w1(const uint8_t* row, int64_t k) {
    if constexpr (T == DType::F32) return reinterpret_cast<const float*>(row)[k];
    if constexpr (T == DType::F16) return f16_to_f32(reinterpret_cast<const uint16_t*>(row)[k]);
    return bf16_to_f32(reinterpret_cast<const uint16_t*>(row)[k]);
}

inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <DType T, int R>
inline void dot_rows(const uint8_t* const* rows, const float* x, int64_t K, float* out) {
    __m256 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 8 <= K; k += 8) {
        const __m256 xv = _mm256_loadu_ps(x + k);
        for (int r = 0; r < R; ++r) acc[r] = _mm256_fmadd_ps(load_w8<T>(rows[r], k), xv, acc[r]);
    }
    for (int r = 0; r < R; ++r) {
        float sum = hsum256(acc[r]);
        for (int64_t t = k; t < K; ++t) sum += load_w1<T>(rows[r], t) * x[t];
        out[r] = sum;
    }
}

// y[i * ldy + j] = dot(xs[i], rows[j]) for a 2 x 4 tile (8 accumulators of the 16 ymm registers): per 8 k,
// 6 loads feed 8 FMAs, with W read in place (no packing) for moderate M. The K % 8 tail runs scalar.
template <DType T>
inline void dot_tile_2x4(const uint8_t* const* rows, const float* const* xs, int64_t K, float* y,
                         int64_t ldy) {
    constexpr int RM = 2, RN = 4;
    __m256 acc[RM][RN];
#pragma GCC unroll 2
    for (int i = 0; i < RM; ++i)
#pragma GCC unroll 4
        for (int j = 0; j < RN; ++j) acc[i][j] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 8 <= K; k += 8) {
        __m256 wv[RN];
#pragma GCC unroll 4
        for (int j = 0; j < RN; ++j) wv[j] = load_w8<T>(rows[j], k);
#pragma GCC unroll 2
        for (int i = 0; i < RM; ++i) {
            const __m256 xv = _mm256_loadu_ps(xs[i] + k);
#pragma GCC unroll 4
            for (int j = 0; j < RN; ++j) acc[i][j] = _mm256_fmadd_ps(wv[j], xv, acc[i][j]);
        }
    }
    for (int i = 0; i < RM; ++i)
        for (int j = 0; j < RN; ++j) {
            float sum = hsum256(acc[i][j]);
            for (int64_t t = k; t < K; ++t) sum += load_w1<T>(rows[j], t) * xs[i][t];
            y[i * ldy + j] = sum;
        }
}

template <DType T>
void float_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0,
                int64_t n1) {
    constexpr int R = 4;
    auto x_row = [&](int64_t m) { return reinterpret_cast<const float*>(x.data + m * x.row_bytes); };
    int64_t n = n0;
    for (; n + R <= n1; n += R) {
        const uint8_t* rows[R] = {w.row(n), w.row(n + 1), w.row(n + 2), w.row(n + 3)};
        int64_t m = 0;
        for (; m + 2 <= M; m += 2) {
            const float* xs[2] = {x_row(m), x_row(m + 1)};
            dot_tile_2x4<T>(rows, xs, w.K, y + m * ldy + n, ldy);
        }
        for (; m < M; ++m) {
            float out[R];
            dot_rows<T, R>(rows, x_row(m), w.K, out);
            for (int r = 0; r < R; ++r) y[m * ldy + n + r] = out[r];
        }
    }
    for (; n < n1; ++n) {
        const uint8_t* row = w.row(n);
        for (int64_t m = 0; m < M; ++m) dot_rows<T, 1>(&row, x_row(m), w.K, &y[m * ldy + n]);
    }
}

}  // namespace

RowKernel avx2_float_row_kernel(DType type) {
    switch (type) {
        case DType::F32:
            return {ActFormat::F32, float_rows<DType::F32>, "avx2 f32-fma"};
        case DType::F16:
            return {ActFormat::F32, float_rows<DType::F16>, "avx2 f32-fma"};
        case DType::BF16:
            return {ActFormat::F32, float_rows<DType::BF16>, "avx2 f32-fma"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
