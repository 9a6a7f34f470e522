// AVX-512 row kernels for weights stored as floats (F32, F16, BF16): f32 activations, FMA dot products.
// Memory-bound at M = 1 (every W byte is read once): short rows one at a time as one sequential stream, long
// rows 8 per pass (kStreamingRowBytes). For M >= 4, tiles of 4 x rows by 4 W rows read W in place (the
// dispatcher uses this up to kFloatGemmMinRows instead of the f32 GEMM).
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <algorithm>

#include "kernels/cpu/matmul_kernels.h"

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

// out[r] = dot(x, rows[r]) for R rows, 16 elements of each row a step.
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

// y[i * ldy + j] = dot(xs[i], rows[j]) for an RM x 4 tile: per 16 k, RM + 4 loads feed 4 * RM FMAs, so at
// moderate M (batched decoding) W is read in place, with no packing, near the FMA rate.
//
// `ahead` (null or kAheadRows rows) are the W rows the next tiles will read, not yet in cache: each step
// prefetches the line of each that lies at the same element offset into L2, so DRAM streams them while this
// tile computes from cache (without it, the first x tile of every W group waited on memory). bench_matmul
// matmul_dram_M{8,16,32}, GPT-2 shapes, CPU time, one thread: F16 -10..-45 %, F32 -5..-35 % (into L1 instead
// of L2, F32 rows of 12 KB were 5-20 % slower: 4 of them overflow L1).
constexpr int kAheadRows = 4;
template <DType T, int RM>
inline void dot_tile(const uint8_t* const* rows, const float* const* xs, int64_t K, float* y, int64_t ldy,
                     const uint8_t* const* ahead, int n_ahead) {
    constexpr int RN = 4;
    constexpr int64_t kElementBytes = T == DType::F32 ? 4 : 2;
    __m512 acc[RM][RN];
#pragma GCC unroll 16
    for (int i = 0; i < RM; ++i)
#pragma GCC unroll 4
        for (int j = 0; j < RN; ++j) acc[i][j] = _mm512_setzero_ps();
    // One loop with a per-step mask (all ones but at a K tail), loops unrolled before GCC's scalar
    // replacement: otherwise it kept the accumulators on the stack, storing them on every step.
    for (int64_t k = 0; k < K; k += 16) {
        const __mmask16 mask = static_cast<__mmask16>(K - k >= 16 ? 0xFFFF : (1u << (K - k)) - 1);
        for (int a = 0; a < n_ahead; ++a)
            _mm_prefetch(reinterpret_cast<const char*>(ahead[a] + k * kElementBytes), _MM_HINT_T1);
        __m512 wv[RN];
#pragma GCC unroll 4
        for (int j = 0; j < RN; ++j) wv[j] = load_w16<T>(rows[j], k, mask);
#pragma GCC unroll 16
        for (int i = 0; i < RM; ++i) {
            const __m512 xv = _mm512_maskz_loadu_ps(mask, xs[i] + k);
#pragma GCC unroll 4
            for (int j = 0; j < RN; ++j) acc[i][j] = _mm512_fmadd_ps(wv[j], xv, acc[i][j]);
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < RM; ++i)
        _mm_storeu_ps(y + i * ldy, hsum4_512(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
}

// dot(x, row) reading the row as one sequential stream, 64 elements a step into 4 accumulators.
template <DType T>
inline float dot_row_streaming(const uint8_t* row, const float* x, int64_t K) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t k = 0;
    for (; k + 64 <= K; k += 64)
        for (int u = 0; u < 4; ++u)
            acc[u] = _mm512_fmadd_ps(load_w16<T>(row, k + 16 * u, 0xFFFF), _mm512_loadu_ps(x + k + 16 * u), acc[u]);
    for (; k < K; k += 16) {
        const __mmask16 mask = static_cast<__mmask16>(K - k >= 16 ? 0xFFFF : (1u << (K - k)) - 1);
        acc[0] = _mm512_fmadd_ps(load_w16<T>(row, k, mask), _mm512_maskz_loadu_ps(mask, x + k), acc[0]);
    }
    return hsum512(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

// Decoding (M = 1) rows shorter than this read faster one after the other (W is then one sequential stream
// the hardware prefetcher follows) than 8 at a time (8 short streams, each ending before the prefetcher has
// ramped up); longer rows the other way round. scripts/bench/matvec_stream_order.cpp, quiet machine, one
// thread, GB/s one row at a time / 8 rows a pass: F32 K=576 (2.3 KB rows) 21.1 / 16.9, K=768 21.4 / 20.4,
// K=1536 (6 KB) 22.5 / 23.9, K=3072 19.2 / 25.2; F16 K=768 (1.5 KB) 18.0 / 11.5, K=1536 21.1 / 18.9, K=3072
// (6 KB) 20.1 / 21.4. Two threads, K=768: F32 34.3 / 33.0, F16 31.6 / 22.3.
constexpr uint64_t kStreamingRowBytes = 4096;

template <DType T>
void float_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0,
                int64_t n1) {
    constexpr int R = 4;
    auto x_row = [&](int64_t m) { return reinterpret_cast<const float*>(x.data + m * x.row_bytes); };
    int64_t n = n0;
    if (M == 1 && w.row_bytes < kStreamingRowBytes) {
        for (; n < n1; ++n) y[n] = dot_row_streaming<T>(w.row(n), x_row(0), w.K);
        return;
    }
    if (M == 1) {
        // Decoding long rows: 8 rows per pass keep more lines in flight than 4 (F32 K=3072, one thread:
        // 25.2 GB/s against 20.1).
        constexpr int R8 = 8;
        for (; n + R8 <= n1; n += R8) {
            const uint8_t* rows[R8];
            for (int r = 0; r < R8; ++r) rows[r] = w.row(n + r);
            float out[R8];
            dot_rows<T, R8>(rows, x_row(0), w.K, out);
            for (int r = 0; r < R8; ++r) y[n + r] = out[r];
        }
    }
    for (; n + R <= n1; n += R) {
        const uint8_t* rows[R] = {w.row(n), w.row(n + 1), w.row(n + 2), w.row(n + 3)};
        // The next W group's rows, shared out over this group's x tiles (each tile prefetches its share).
        const uint8_t* next[kAheadRows];
        int n_next = 0;
        for (int r = 0; r < kAheadRows && n + R + r < n1; ++r) next[n_next++] = w.row(n + R + r);
        const int64_t tiles = M / 4;
        int64_t m = 0;
        for (int64_t tile = 0; m + 4 <= M; m += 4, ++tile) {
            const float* xs[4] = {x_row(m), x_row(m + 1), x_row(m + 2), x_row(m + 3)};
            // tile t prefetches next rows [t * share, (t + 1) * share)
            const int share = static_cast<int>((n_next + tiles - 1) / tiles);
            const int first = static_cast<int>(std::min<int64_t>(n_next, tile * share));
            const int count = static_cast<int>(std::min<int64_t>(n_next - first, share));
            dot_tile<T, 4>(rows, xs, w.K, y + m * ldy + n, ldy, next + first, count);
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

RowKernel avx512_float_row_kernel(DType type) {
    switch (type) {
        case DType::F32:
            return {ActFormat::F32, float_rows<DType::F32>, "avx512 f32-fma"};
        case DType::F16:
            return {ActFormat::F32, float_rows<DType::F16>, "avx512 f32-fma"};
        case DType::BF16:
            return {ActFormat::F32, float_rows<DType::BF16>, "avx512 f32-fma"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
