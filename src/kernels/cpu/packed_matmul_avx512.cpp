// AVX-512 body of packed_matmul (packed_matmul.h): per panel of 32 W rows, tiles of up to 8 x rows; per k two
// aligned weight loads and one broadcast per x row feed 16 FMAs into 16 accumulators.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <algorithm>

#include "kernels/cpu/packed_matmul.h"

namespace loom::kernels {
namespace {

constexpr int64_t P = PackedWeight::kPanel;

// y[i, 0 .. n_valid) for i < MR = x rows [MR, K] times one panel [K][32].
template <int MR>
inline void panel_tile(const float* panel, const float* x, int64_t ldx, int64_t K, float* y, int64_t ldy,
                       int64_t n_valid) {
    __m512 acc[MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; ++k) {
        // The panel streams from memory on its first tile: ask for it 16 k (2 KB) ahead.
        _mm_prefetch(reinterpret_cast<const char*>(panel + (k + 16) * P), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(panel + (k + 16) * P + 16), _MM_HINT_T0);
        const __m512 b0 = _mm512_load_ps(panel + k * P), b1 = _mm512_load_ps(panel + k * P + 16);
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i) {
            const __m512 a = _mm512_set1_ps(x[i * ldx + k]);
            acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
        }
    }
    const __mmask16 mask0 = static_cast<__mmask16>(n_valid >= 16 ? 0xFFFF : (1u << n_valid) - 1);
    const __mmask16 mask1 = static_cast<__mmask16>(n_valid >= 32   ? 0xFFFF
                                                   : n_valid <= 16 ? 0
                                                                   : (1u << (n_valid - 16)) - 1);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
        _mm512_mask_storeu_ps(y + i * ldy, mask0, acc[i][0]);
        _mm512_mask_storeu_ps(y + i * ldy + 16, mask1, acc[i][1]);
    }
}

using TileFn = void (*)(const float*, const float*, int64_t, int64_t, float*, int64_t, int64_t);
constexpr TileFn kTiles[9] = {nullptr,       panel_tile<1>, panel_tile<2>, panel_tile<3>, panel_tile<4>,
                              panel_tile<5>, panel_tile<6>, panel_tile<7>, panel_tile<8>};

}  // namespace

void packed_matmul_avx512(const PackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy,
                          int64_t M, int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
        const float* panel = w.panels.get() + p * w.K * P;  // [K][32]
        const int64_t n0 = p * P, n_valid = std::min<int64_t>(P, w.N - n0);
        for (int64_t m = 0; m < M; m += 8) {
            const int rows = static_cast<int>(std::min<int64_t>(8, M - m));
            kTiles[rows](panel, x + m * ldx, ldx, w.K, y + m * ldy + n0, ldy, n_valid);
        }
    }
}

}  // namespace loom::kernels
