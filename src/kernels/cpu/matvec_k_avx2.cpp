// AVX2 row kernels for the K super-block types (Q2_K..Q6_K) against Q8_256 activations: the common form of
// k_superblock.h (u, 16 group scales, offsets, d, dm) with 256-bit integer dots. Per 32 elements (two groups)
//   maddubs(u, q)        16 int16 lanes, each u_2i q_2i + u_2i+1 q_2i+1 (|.| <= 2 * 63 * 127: no saturation)
//   madd(., scales)      8 int32 lanes, lanes 0-3 times group 2c's scale, 4-7 times group 2c+1's
// summed in int32 over the super-block; then as the AVX-512 kernel: dx * (d * isum - dm * sum off * bsum).
// The scalar reference is k_superblock.h (k_dot_q8_256), tested against this kernel (test_k_kernels).
#include <immintrin.h>

#include <cstring>

#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/k_scales.h"
#include "kernels/cpu/matmul_kernels.h"
#include "tensor/quant_blocks.h"

namespace loom::kernels {
namespace {

struct Unpacked256 {
    __m256i u[8];  // elements 32c .. 32c + 31 in u[c]
    __m128i sc;    // 16 int8 group scales
    __m256i off;   // 16 int16 group offsets
    float d, dm;
};

inline __m256i load32(const uint8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// +value on the bytes whose bit `bit` is set in `bits` (Q5_K's qh, Q3_K's hmask: bit e / 32 of byte e % 32).
inline __m256i add_where_bit(__m256i u, __m256i bits, int bit, char value) {
    const __m256i select = _mm256_set1_epi8(static_cast<char>(1 << bit));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bits, select), select);
    return _mm256_add_epi8(u, _mm256_and_si256(set, _mm256_set1_epi8(value)));
}

// Q4_K / Q5_K: 32 bytes of qs hold chunk 2j in their low nibbles and chunk 2j + 1 in their high nibbles.
inline void nibble_chunks(const uint8_t* qs, __m256i* u) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int j = 0; j < 4; ++j) {
        const __m256i v = load32(qs + 32 * j);
        u[2 * j] = _mm256_and_si256(v, low4);
        u[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    }
}

// Q2_K / Q3_K: chunk c reads bit pair c % 4 of the 32 bytes of half c / 4.
inline void two_bit_chunks(const uint8_t* qs, __m256i* u) {
    const __m256i three = _mm256_set1_epi8(3);
    for (int c = 0; c < 8; ++c)
        u[c] = _mm256_and_si256(_mm256_srli_epi16(load32(qs + 32 * (c / 4)), 2 * (c % 4)), three);
}

template <DType T>
inline Unpacked256 unpack(const uint8_t* block);

template <>
inline Unpacked256 unpack<DType::Q4_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ4_K*>(block);
    Unpacked256 s;
    nibble_chunks(b.qs, s.u);
    scales_and_mins_k(b.scales, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = f16(b.dmin);
    return s;
}

template <>
inline Unpacked256 unpack<DType::Q5_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ5_K*>(block);
    Unpacked256 s;
    nibble_chunks(b.qs, s.u);
    const __m256i qh = load32(b.qh);
    for (int c = 0; c < 8; ++c) s.u[c] = add_where_bit(s.u[c], qh, c, 16);
    scales_and_mins_k(b.scales, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = f16(b.dmin);
    return s;
}

template <>
inline Unpacked256 unpack<DType::Q2_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ2_K*>(block);
    Unpacked256 s;
    two_bit_chunks(b.qs, s.u);
    scales_q2_k(b, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = f16(b.dmin);
    return s;
}

template <>
inline Unpacked256 unpack<DType::Q3_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ3_K*>(block);
    Unpacked256 s;
    two_bit_chunks(b.qs, s.u);
    const __m256i hmask = load32(b.hmask);
    for (int c = 0; c < 8; ++c) s.u[c] = add_where_bit(s.u[c], hmask, c, 4);
    scales_q3_k(b, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = s.d;
    return s;
}

// Q6_K: in half h, chunks 4h, 4h+1 take the low nibbles of ql[64h..+31], ql[64h+32..+63], chunks 4h+2, 4h+3
// their high nibbles; the top two bits are bit pairs 0..3 of qh[32h..+31].
template <>
inline Unpacked256 unpack<DType::Q6_K>(const uint8_t* block) {
    const auto& b = *reinterpret_cast<const BlockQ6_K*>(block);
    Unpacked256 s;
    const __m256i low4 = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; ++h) {
        const __m256i qh = load32(b.qh + 32 * h);
        for (int part = 0; part < 4; ++part) {  // chunk 4h + part
            const __m256i ql = load32(b.ql + 64 * h + 32 * (part % 2));
            const __m256i low = part < 2 ? _mm256_and_si256(ql, low4)
                                         : _mm256_and_si256(_mm256_srli_epi16(ql, 4), low4);
            const __m256i top = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * part), three);
            s.u[4 * h + part] = _mm256_or_si256(low, _mm256_slli_epi16(top, 4));
        }
    }
    scales_q6_k(b, s.sc, s.off);
    s.d = f16(b.d);
    s.dm = s.d;
    return s;
}

inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// dot(W row, x row) over n_super super-blocks.
template <DType T>
float dot_row(const uint8_t* blocks, uint64_t block_bytes, const Q8_256Row& x, int64_t n_super) {
    __m256 acc = _mm256_setzero_ps(), offsets = _mm256_setzero_ps();
    for (int64_t s = 0; s < n_super; ++s) {
        const Unpacked256 w = unpack<T>(blocks + s * block_bytes);
        alignas(16) int8_t sc[16];
        _mm_store_si128(reinterpret_cast<__m128i*>(sc), w.sc);
        const int8_t* q = x.qs + 256 * s;
        __m256i isum = _mm256_setzero_si256();
        for (int c = 0; c < 8; ++c) {
            const __m256i pairs = _mm256_maddubs_epi16(w.u[c], load32(reinterpret_cast<const uint8_t*>(q + 32 * c)));
            const __m256i scales = _mm256_set_m128i(_mm_set1_epi16(sc[2 * c + 1]), _mm_set1_epi16(sc[2 * c]));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(pairs, scales));
        }
        const float dx = x.d[s];
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(w.d * dx), acc);
        const __m256i bsum = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.sum16 + 16 * s));
        offsets = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(w.off, bsum)), _mm256_set1_ps(w.dm * dx),
                                  offsets);
    }
    return hsum256(acc) - hsum256(offsets);
}

template <DType T>
void k_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0, int64_t n1) {
    const int64_t n_super = w.K / 256;
    const uint64_t block_bytes = w.row_bytes / static_cast<uint64_t>(n_super);
    for (int64_t n = n0; n < n1; ++n)
        for (int64_t m = 0; m < M; ++m)
            y[m * ldy + n] = dot_row<T>(w.row(n), block_bytes, q8_256_row(x.data + m * x.row_bytes, w.K), n_super);
}

}  // namespace

RowKernel avx2_k_row_kernel(DType type) {
    switch (type) {
        case DType::Q2_K:
            return {ActFormat::Q8_256, k_rows<DType::Q2_K>, "avx2 int8-dot"};
        case DType::Q3_K:
            return {ActFormat::Q8_256, k_rows<DType::Q3_K>, "avx2 int8-dot"};
        case DType::Q4_K:
            return {ActFormat::Q8_256, k_rows<DType::Q4_K>, "avx2 int8-dot"};
        case DType::Q5_K:
            return {ActFormat::Q8_256, k_rows<DType::Q5_K>, "avx2 int8-dot"};
        case DType::Q6_K:
            return {ActFormat::Q8_256, k_rows<DType::Q6_K>, "avx2 int8-dot"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
