// AVX-512 VNNI row kernels for the 256-element K super-block types (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) against
// activations quantized to Q8_256 (act_quant.h: one scale dx per 256, the sum of each 16 quants).
//
// Every type is first unpacked into one common form per super-block (k_superblock.h, with its scalar form):
//   u[256]  unsigned weight quants in element order (four 64-byte vectors)
//   sc[16]  the integer scale of each group of 16 elements
//   off[16] the integer offset of each group, such that  w_e = d * sc[g] * u_e - dm * off[g]
// so that, with q_e the activation quants and bsum[g] their sum over group g,
//   sum_e w_e * x_e = dx * (d * sum_g sc[g] * (sum_{e in g} u_e * q_e) - dm * sum_g off[g] * bsum[g]).
// sum u_e * q_e is vpdpbusd (unsigned weight bytes x signed activations, 4 elements per int32 lane); each lane
// is multiplied by its group's scale and the lanes summed in int32 (|partial sums| < 2^31 for every type:
// the largest, Q6_K, is 16 groups x 16 x 63 x 127 x 128 < 2^28). Only the final per-super-block sum becomes a
// float, so the result is exact integer arithmetic up to two float roundings per super-block.
// The scalar reference is k_superblock.h (unpack_k_superblock + k_dot_q8_256), tested against these kernels;
// its unpacked form is tested against the dequantizer.
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <algorithm>

#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/k_unpack_avx512.h"
#include "kernels/cpu/matmul_kernels.h"
#include "tensor/quant_blocks.h"

namespace loom::kernels {
namespace {

// Lane l of chunk c covers elements 64c + 4l .. +3, i.e. group 4c + l / 4.
inline __m512i group_scales(const __m512i& sc32, int c) {
    const __m512i index = _mm512_add_epi32(_mm512_set1_epi32(4 * c),
                                           _mm512_srli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                                                               10, 11, 12, 13, 14, 15),
                                                             2));
    return _mm512_permutexvar_epi32(index, sc32);
}

// out[r] = dot(W row `blocks`, x row r) for R x rows; each super-block is unpacked once for all R.
template <DType T, int R>
void dot_rows(const uint8_t* blocks, uint64_t block_bytes, const Q8_256Row* x, int64_t n_super, float* out) {
    __m512 acc[R];
    __m256 offsets[R];
    for (int r = 0; r < R; ++r) {
        acc[r] = _mm512_setzero_ps();
        offsets[r] = _mm256_setzero_ps();
    }
    for (int64_t s = 0; s < n_super; ++s) {
        const Unpacked w = unpack<T>(blocks + s * block_bytes);
        const __m512i sc32 = _mm512_cvtepi8_epi32(w.sc);
        __m512i scale[4];
        for (int c = 0; c < 4; ++c) scale[c] = group_scales(sc32, c);
        for (int r = 0; r < R; ++r) {
            const int8_t* q = x[r].qs + 256 * s;
            __m512i isum = _mm512_setzero_si512();
            for (int c = 0; c < 4; ++c) {
                const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w.u[c],
                                                        _mm512_loadu_si512(q + 64 * c));
                isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(dot, scale[c]));
            }
            const float dx = x[r].d[s];
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(w.d * dx), acc[r]);
            const __m256i bsum = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[r].sum16 + 16 * s));
            offsets[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(w.off, bsum)),
                                         _mm256_set1_ps(w.dm * dx), offsets[r]);
        }
    }
    for (int r = 0; r < R; ++r) out[r] = hsum512(acc[r]) - hsum256(offsets[r]);
}

// x rows per tile: each super-block is unpacked once per this many rows.
constexpr int kTileRows = 4;
// x rows whose quantized data stay in cache while a unit of W rows passes over them.
constexpr int64_t kRowChunk = 32;

template <DType T>
void k_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0, int64_t n1) {
    const int64_t n_super = w.K / 256;
    const uint64_t block_bytes = w.row_bytes / static_cast<uint64_t>(n_super);
    for (int64_t c0 = 0; c0 < M; c0 += kRowChunk) {
        const int64_t c1 = std::min(M, c0 + kRowChunk);
        for (int64_t n = n0; n < n1; ++n) {
            int64_t m = c0;
            for (; m + kTileRows <= c1; m += kTileRows) {
                Q8_256Row rows[kTileRows];
                float out[kTileRows];
                for (int r = 0; r < kTileRows; ++r) rows[r] = q8_256_row(x.data + (m + r) * x.row_bytes, w.K);
                dot_rows<T, kTileRows>(w.row(n), block_bytes, rows, n_super, out);
                for (int r = 0; r < kTileRows; ++r) y[(m + r) * ldy + n] = out[r];
            }
            for (; m < c1; ++m) {
                const Q8_256Row row = q8_256_row(x.data + m * x.row_bytes, w.K);
                dot_rows<T, 1>(w.row(n), block_bytes, &row, n_super, y + m * ldy + n);
            }
        }
    }
}

}  // namespace

RowKernel avx512_k_row_kernel(DType type) {
    switch (type) {
        case DType::Q2_K:
            return {ActFormat::Q8_256, k_rows<DType::Q2_K>, "avx512 int8-dot vnni"};
        case DType::Q3_K:
            return {ActFormat::Q8_256, k_rows<DType::Q3_K>, "avx512 int8-dot vnni"};
        case DType::Q4_K:
            return {ActFormat::Q8_256, k_rows<DType::Q4_K>, "avx512 int8-dot vnni"};
        case DType::Q5_K:
            return {ActFormat::Q8_256, k_rows<DType::Q5_K>, "avx512 int8-dot vnni"};
        case DType::Q6_K:
            return {ActFormat::Q8_256, k_rows<DType::Q6_K>, "avx512 int8-dot vnni"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
