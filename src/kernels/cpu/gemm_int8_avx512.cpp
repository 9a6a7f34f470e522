// AVX-512 VNNI int8 GEMM for large M (prefill) with quantized weights:
//
//   y[m, n] = sum_k x[m, k] * W[n, k]
//
// Activations are quantized once per call (matmul_kernels.h: Int8Act, blocks of 32 with scale dx). Weights
// are unpacked panel by panel, per call, into one form for every block type: unsigned bytes u with, per row
// and block of `block` elements, a scale dw and a bias bw such that w = dw * u + bw exactly (Q4_0: u = the
// nibble, dw = d, bw = -8 d; Q8_0: u = q + 128, bw = -128 d; Q4_1: bw = m; Q4_K: dw = d * scale, bw = -dmin *
// min; Q6_K: u = q + 32, blocks of 16 ...). Then, for block b,
//
//   sum_{k in b} w_k x_k = dw * dx * (sum u_k q_k) + bw * xsum,     xsum = dx * sum q_k
//
// sum u_k q_k is vpdpbusd (unsigned weights x signed activations, exact in int32: |sum| <= 32 * 255 * 127);
// each block's int32 sum is converted once and scaled into f32 accumulators; the bias terms form a small
// f32 GEMM over blocks (K / block terms) added at the end of the tile.
//
// Blocking: a panel of kPanelRows W rows x kKC columns is unpacked into [kKC / 4][kNR][4] micro panels (one
// 64-byte load = 16 rows x 4 k), with dw / bw as [blocks][kNR]; a microkernel keeps kInt8Rows x 32 outputs
// in registers (8 int32 block sums and 8 f32 accumulators), broadcasting 4 activation bytes per row and step.
// No weight copy outlives the call: resident memory is the model file alone.
//
// The scalar reference is the dequantizing matmul (matmul_scalar.cpp) and, exactly, the block formula above
// evaluated in double (tests/unit/test_int8_gemm.cpp).
#include "kernels/cpu/simd_avx512.h"  // first: sets a diagnostic for the intrinsic headers

#include <algorithm>
#include <cstring>

#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/k_unpack_avx512.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/cpu/scratch.h"
#include "tensor/quant_blocks.h"

namespace loom::kernels {
namespace {

constexpr int kMR = kInt8Rows;  // activation rows per micro tile
constexpr int kNR = 32;         // weight rows per micro tile (two 16-lane vectors)
// Panel shape and weight prefetch, measured with bench_matmul's matmul_dram_* (weights read from DRAM, GPT-2
// shapes, CPU time, one thread) against 256 columns x 128 rows without prefetch: at M = 16, 25-45 % less time
// (longer contiguous runs of each weight row for the hardware prefetcher); at M = 128, 5-20 %.
constexpr int64_t kKC = 512;           // columns per panel: a multiple of every block (32, 256)
constexpr int64_t kPanelRows = 64;
constexpr int64_t kPrefetchRows = 4;   // weight rows read ahead of the one being unpacked

// One weight block unpacked: u[block] (element order), w = dw * u + bw.
struct BlockForm {
    float dw, bw;
};

// --- per type: W row `row`, columns [k0, k0 + kc) -> u[kc], dw / bw per block ------------------------------

inline void nibbles32(const uint8_t* qs16, uint8_t* u) {  // elements 0-15 low nibbles, 16-31 high
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs16));
    const __m128i low4 = _mm_set1_epi8(0x0F);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(u), _mm_and_si128(v, low4));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(u + 16), _mm_and_si128(_mm_srli_epi16(v, 4), low4));
}

inline void add_fifth_bit(const uint8_t qh[4], uint8_t* u) {  // bit i of qh: +16 on element i
    uint32_t bits;
    std::memcpy(&bits, qh, 4);
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(u),
                        _mm256_mask_add_epi8(v, static_cast<__mmask32>(bits), v, _mm256_set1_epi8(16)));
}

template <DType T>
void unpack_legacy(const uint8_t* row, int64_t k0, int64_t kc, uint8_t* u, BlockForm* form) {
    for (int64_t b = 0; b < kc / 32; ++b) {
        const int64_t block = k0 / 32 + b;
        uint8_t* ub = u + 32 * b;
        if constexpr (T == DType::Q4_0) {
            const auto& q = reinterpret_cast<const BlockQ4_0*>(row)[block];
            nibbles32(q.qs, ub);
            form[b] = {f16(q.d), -8.0f * f16(q.d)};
        } else if constexpr (T == DType::Q4_1) {
            const auto& q = reinterpret_cast<const BlockQ4_1*>(row)[block];
            nibbles32(q.qs, ub);
            form[b] = {f16(q.d), f16(q.m)};
        } else if constexpr (T == DType::Q5_0) {
            const auto& q = reinterpret_cast<const BlockQ5_0*>(row)[block];
            nibbles32(q.qs, ub);
            add_fifth_bit(q.qh, ub);
            form[b] = {f16(q.d), -16.0f * f16(q.d)};
        } else if constexpr (T == DType::Q5_1) {
            const auto& q = reinterpret_cast<const BlockQ5_1*>(row)[block];
            nibbles32(q.qs, ub);
            add_fifth_bit(q.qh, ub);
            form[b] = {f16(q.d), f16(q.m)};
        } else {  // Q8_0: u = q + 128
            const auto& q = reinterpret_cast<const BlockQ8_0*>(row)[block];
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.qs));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(ub), _mm256_xor_si256(v, _mm256_set1_epi8(-128)));
            form[b] = {f16(q.d), -128.0f * f16(q.d)};
        }
    }
}

// K types: `kBlock` 32 (Q4_K, Q5_K: groups 2j and 2j + 1 share sub-block j's scale) or 16.
template <DType T, int kBlock>
void unpack_k(const uint8_t* row, int64_t k0, int64_t kc, uint8_t* u, BlockForm* form) {
    const uint64_t block_bytes = dtype_info(T).block_bytes;
    for (int64_t s = 0; s < kc / 256; ++s) {
        const Unpacked w = unpack<T>(row + (k0 / 256 + s) * block_bytes);
        for (int c = 0; c < 4; ++c) _mm512_storeu_si512(u + 256 * s + 64 * c, w.u[c]);
        alignas(16) int8_t sc[16];
        alignas(32) int16_t off[16];
        _mm_store_si128(reinterpret_cast<__m128i*>(sc), w.sc);
        _mm256_store_si256(reinterpret_cast<__m256i*>(off), w.off);
        constexpr int kPer = 256 / kBlock, kStride = kBlock / 16;  // blocks per super-block, groups per block
        for (int j = 0; j < kPer; ++j) form[s * kPer + j] = {w.d * sc[j * kStride], -w.dm * off[j * kStride]};
    }
}

using UnpackFn = void (*)(const uint8_t* row, int64_t k0, int64_t kc, uint8_t* u, BlockForm* form);

// --- packing a panel ----------------------------------------------------------------------------------------

// W rows [nb, nb + rows) x columns [k0, k0 + kc) -> micro panels of kNR rows: u as [kc / 4][kNR][4] bytes,
// dw and bw as [kc / block][kNR] floats (rows past `rows`: zeros, so they contribute nothing). Each tile's rows
// are unpacked in element order into `unpacked` [kNR][kKC], then turned into the micro panel's order 16 rows x
// 16 four-byte steps at a time.
void pack_panel(const WeightView& w, UnpackFn unpack_row, int block, int64_t nb, int64_t rows, int64_t k0,
                int64_t kc, uint8_t* panel_u, float* panel_dw, float* panel_bw) {
    alignas(64) uint8_t unpacked[kNR][kKC];
    BlockForm form[kKC / 16];
    const int64_t tiles = (rows + kNR - 1) / kNR, blocks = kc / block;
    const DTypeInfo& info = dtype_info(w.type);
    const uint64_t seg_begin = static_cast<uint64_t>(k0 / info.block_size) * info.block_bytes;
    const uint64_t seg_bytes = static_cast<uint64_t>(kc / info.block_size) * info.block_bytes;
    for (int64_t t = 0; t < tiles; ++t) {
        uint8_t* tile_u = panel_u + t * kc * kNR;  // [kc / 4][kNR][4]
        float* tile_dw = panel_dw + t * blocks * kNR;
        float* tile_bw = panel_bw + t * blocks * kNR;
        for (int j = 0; j < kNR; ++j) {
            const int64_t r = t * kNR + j;
            if (r < rows) {
                if (r + kPrefetchRows < rows) {  // the row segment kPrefetchRows ahead, while this one unpacks
                    const uint8_t* ahead = w.row(nb + r + kPrefetchRows) + seg_begin;
                    for (uint64_t off = 0; off < seg_bytes; off += 64) _mm_prefetch(reinterpret_cast<const char*>(ahead + off), _MM_HINT_T0);
                }
                unpack_row(w.row(nb + r), k0, kc, unpacked[j], form);
            } else {
                std::memset(unpacked[j], 0, static_cast<size_t>(kc));
                std::fill(form, form + blocks, BlockForm{0.0f, 0.0f});
            }
            for (int64_t b = 0; b < blocks; ++b) {
                tile_dw[b * kNR + j] = form[b].dw;
                tile_bw[b * kNR + j] = form[b].bw;
            }
        }
        for (int64_t s0 = 0; s0 < kc / 4; s0 += 16) {  // kc is a multiple of 32: 8 or 16 steps at a time
            const int steps = static_cast<int>(std::min<int64_t>(16, kc / 4 - s0));
            const auto lanes = static_cast<__mmask16>((1u << steps) - 1);
            for (int h = 0; h < kNR / 16; ++h) {
                __m512i v[16];
                for (int j = 0; j < 16; ++j) v[j] = _mm512_maskz_loadu_epi32(lanes, unpacked[16 * h + j] + 4 * s0);
                transpose16x16_epi32(v);
                for (int s = 0; s < steps; ++s)
                    _mm512_store_si512(tile_u + ((s0 + s) * kNR + 16 * h) * 4, v[s]);
            }
        }
    }
}

// --- the micro kernel ---------------------------------------------------------------------------------------

// c[i, j] (+)= the block formula over `blocks` blocks of kBlock, i < m_valid, j < n_valid.
//   q: [kc / 4][kMR][4] activation bytes; dx, xsum: [blocks][kMR]; u: [kc / 4][kNR][4]; dw, bw: [blocks][kNR]
template <int kBlock>
void micro(const int8_t* q, const float* dx, const float* xsum, const uint8_t* u, const float* dw,
           const float* bw, int64_t blocks, float* c, int64_t ldc, bool accumulate, int m_valid, int n_valid) {
    __m512 acc[kMR][2];
    for (int i = 0; i < kMR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    constexpr int kSteps = kBlock / 4;
    for (int64_t b = 0; b < blocks; ++b) {
        __m512i isum[kMR][2];
        for (int i = 0; i < kMR; ++i) isum[i][0] = isum[i][1] = _mm512_setzero_si512();
        const uint8_t* ub = u + b * kSteps * kNR * 4;
        const int8_t* qb = q + b * kSteps * kMR * 4;
#pragma GCC unroll 8
        for (int s = 0; s < kSteps; ++s) {
            const __m512i w0 = _mm512_load_si512(ub + s * kNR * 4), w1 = _mm512_load_si512(ub + s * kNR * 4 + 64);
            for (int i = 0; i < kMR; ++i) {
                int32_t four;
                std::memcpy(&four, qb + (s * kMR + i) * 4, 4);
                const __m512i xv = _mm512_set1_epi32(four);
                isum[i][0] = _mm512_dpbusd_epi32(isum[i][0], w0, xv);
                isum[i][1] = _mm512_dpbusd_epi32(isum[i][1], w1, xv);
            }
        }
        const __m512 dw0 = _mm512_load_ps(dw + b * kNR), dw1 = _mm512_load_ps(dw + b * kNR + 16);
        for (int i = 0; i < kMR; ++i) {
            const __m512 d = _mm512_set1_ps(dx[b * kMR + i]);
            acc[i][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[i][0]), _mm512_mul_ps(dw0, d), acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[i][1]), _mm512_mul_ps(dw1, d), acc[i][1]);
        }
    }
    for (int64_t b = 0; b < blocks; ++b) {  // the bias terms: sum_b bw[b, j] * xsum[b, i]
        const __m512 bw0 = _mm512_load_ps(bw + b * kNR), bw1 = _mm512_load_ps(bw + b * kNR + 16);
        for (int i = 0; i < kMR; ++i) {
            const __m512 s = _mm512_set1_ps(xsum[b * kMR + i]);
            acc[i][0] = _mm512_fmadd_ps(s, bw0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(s, bw1, acc[i][1]);
        }
    }
    store_tile32(acc, c, ldc, accumulate, m_valid, n_valid);
}

template <UnpackFn kUnpack, int kBlock>
void gemm_int8(const WeightView& w, const Int8Act& x, float* y, int64_t ldy, int64_t n0, int64_t n1) {
    const int64_t K = w.K, M = x.M;
    // [kPanelRows / kNR][kKC / 4][kNR][4] bytes, then dw and bw [kPanelRows / kNR][kKC / kBlock][kNR]
    auto* panel_u = reinterpret_cast<uint8_t*>(thread_scratch_floats<4>(kPanelRows * kKC / 4));
    float* panel_dw = thread_scratch_floats<5>(kPanelRows * kKC / kBlock);
    float* panel_bw = thread_scratch_floats<6>(kPanelRows * kKC / kBlock);
    const int64_t slivers = (M + kMR - 1) / kMR;
    for (int64_t nb = n0; nb < n1; nb += kPanelRows) {
        const int64_t rows = std::min(kPanelRows, n1 - nb);
        for (int64_t k0 = 0; k0 < K; k0 += kKC) {
            const int64_t kc = std::min(kKC, K - k0), blocks = kc / kBlock;
            pack_panel(w, kUnpack, kBlock, nb, rows, k0, kc, panel_u, panel_dw, panel_bw);
            for (int64_t sl = 0; sl < slivers; ++sl) {
                const int8_t* q = x.q + sl * K * kMR + k0 * kMR;  // [K / 4][kMR][4] per sliver
                const float* dx = x.dx + sl * (K / kBlock) * kMR + (k0 / kBlock) * kMR;
                const float* xsum = x.xsum + sl * (K / kBlock) * kMR + (k0 / kBlock) * kMR;
                const int m_valid = static_cast<int>(std::min<int64_t>(kMR, M - sl * kMR));
                for (int64_t t = 0; t * kNR < rows; ++t) {
                    const int n_valid = static_cast<int>(std::min<int64_t>(kNR, rows - t * kNR));
                    micro<kBlock>(q, dx, xsum, panel_u + t * kc * kNR, panel_dw + t * blocks * kNR,
                                  panel_bw + t * blocks * kNR, blocks, y + sl * kMR * ldy + nb + t * kNR, ldy,
                                  k0 > 0, m_valid, n_valid);
                }
            }
        }
    }
}

}  // namespace

void pack_int8_act_avx512(const float* x, int64_t ldx, int64_t m0, int64_t m1, const Int8Act& act) {
    const int64_t K = act.K, block = act.block, blocks = K / block;
    const uint64_t row_bytes = act_row_bytes(ActFormat::Q8_32, K);
    auto* buffer = reinterpret_cast<uint8_t*>(thread_scratch_floats<10>(static_cast<size_t>(row_bytes / 4 + 16)));
    for (int64_t m = m0; m < m1; ++m) {
        const int64_t sl = m / kMR, i = m % kMR;
        quantize_act_row(ActFormat::Q8_32, SimdLevel::Avx512, x + m * ldx, K, buffer);
        const Q8_32Row r = q8_32_row(buffer, K);
        int8_t* q = const_cast<int8_t*>(act.q) + sl * K * kMR;  // [K / 4][kMR][4]
        for (int64_t s = 0; s < K / 4; ++s) std::memcpy(q + (s * kMR + i) * 4, r.qs + 4 * s, 4);
        float* dx = const_cast<float*>(act.dx) + sl * blocks * kMR;
        float* xsum = const_cast<float*>(act.xsum) + sl * blocks * kMR;
        for (int64_t b = 0; b < blocks; ++b) {
            int sum = 0;
            for (int64_t k = b * block; k < (b + 1) * block; ++k) sum += r.qs[k];
            const float d = r.d[b * block / 32];
            dx[b * kMR + i] = d;
            xsum[b * kMR + i] = d * static_cast<float>(sum);
        }
    }
    if (m1 % kMR != 0 && m1 == act.M) {  // the last sliver's missing rows: zeros
        for (int64_t m = m1; m % kMR != 0; ++m) {
            const int64_t sl = m / kMR, i = m % kMR;
            int8_t* q = const_cast<int8_t*>(act.q) + sl * K * kMR;
            for (int64_t s = 0; s < K / 4; ++s) std::memset(q + (s * kMR + i) * 4, 0, 4);
            for (int64_t b = 0; b < blocks; ++b) {
                const_cast<float*>(act.dx)[sl * blocks * kMR + b * kMR + i] = 0.0f;
                const_cast<float*>(act.xsum)[sl * blocks * kMR + b * kMR + i] = 0.0f;
            }
        }
    }
}

Int8Gemm avx512_int8_gemm(DType type) {
    switch (type) {
        case DType::Q4_0:
            return {gemm_int8<unpack_legacy<DType::Q4_0>, 32>, 32, "avx512 int8-gemm vnni"};
        case DType::Q4_1:
            return {gemm_int8<unpack_legacy<DType::Q4_1>, 32>, 32, "avx512 int8-gemm vnni"};
        case DType::Q5_0:
            return {gemm_int8<unpack_legacy<DType::Q5_0>, 32>, 32, "avx512 int8-gemm vnni"};
        case DType::Q5_1:
            return {gemm_int8<unpack_legacy<DType::Q5_1>, 32>, 32, "avx512 int8-gemm vnni"};
        case DType::Q8_0:
            return {gemm_int8<unpack_legacy<DType::Q8_0>, 32>, 32, "avx512 int8-gemm vnni"};
        case DType::Q4_K:
            return {gemm_int8<unpack_k<DType::Q4_K, 32>, 32>, 32, "avx512 int8-gemm vnni"};
        case DType::Q5_K:
            return {gemm_int8<unpack_k<DType::Q5_K, 32>, 32>, 32, "avx512 int8-gemm vnni"};
        case DType::Q2_K:
            return {gemm_int8<unpack_k<DType::Q2_K, 16>, 16>, 16, "avx512 int8-gemm vnni"};
        case DType::Q3_K:
            return {gemm_int8<unpack_k<DType::Q3_K, 16>, 16>, 16, "avx512 int8-gemm vnni"};
        case DType::Q6_K:
            return {gemm_int8<unpack_k<DType::Q6_K, 16>, 16>, 16, "avx512 int8-gemm vnni"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
