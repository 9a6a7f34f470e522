// Activations quantized once per matmul call to int8 blocks, so the quantized-weight kernels run integer dot
// products (VNNI vpdpbusd / maddubs) instead of dequantizing every weight to f32.
//
// Row layouts (one x row of K elements; all offsets 64-byte aligned so SIMD loads of qs never split lines):
//   Q8_32  : qs int8[K] | d float[K/32] | sd float[K/32]       x[i] ~= d[b] * qs[i], sd[b] = d[b] * sum(qs of
//   b) Q8_256 : qs int8[K] | d float[K/256] | sum16 int16[K/16]   x[i] ~= d[s] * qs[i], sum16[j] = sum of qs
//   in 16s
// Quantization: d = max|x| / 127 per block, qs = round-to-nearest-even(x / d); error per element <= d / 2.
#pragma once

#include <cstdint>

#include "core/cpu_features.h"
#include "kernels/cpu/matmul_kernels.h"

namespace loom::kernels {

inline uint64_t align64(uint64_t n) {
    return (n + 63) & ~uint64_t{63};
}

struct Q8_32Row {
    const int8_t* qs;  // [K]
    const float* d;    // [K / 32]
    const float* sd;   // [K / 32]
};
inline Q8_32Row q8_32_row(const uint8_t* base, int64_t K) {
    uint64_t off_d = align64(K), off_sd = align64(off_d + 4 * (K / 32));
    return {reinterpret_cast<const int8_t*>(base), reinterpret_cast<const float*>(base + off_d),
            reinterpret_cast<const float*>(base + off_sd)};
}

struct Q8_256Row {
    const int8_t* qs;      // [K]
    const float* d;        // [K / 256]
    const int16_t* sum16;  // [K / 16]
};
inline Q8_256Row q8_256_row(const uint8_t* base, int64_t K) {
    uint64_t off_d = align64(K), off_s = align64(off_d + 4 * (K / 256));
    return {reinterpret_cast<const int8_t*>(base), reinterpret_cast<const float*>(base + off_d),
            reinterpret_cast<const int16_t*>(base + off_s)};
}

// Bytes of one converted row (a multiple of 64). For F32 the dispatcher passes the caller's rows instead.
uint64_t act_row_bytes(ActFormat format, int64_t K);

// Converts one row of K floats (K a multiple of the format's block) into `out` (act_row_bytes bytes,
// 64-byte aligned). Every level gives bit-identical output.
void quantize_act_row(ActFormat format, SimdLevel level, const float* x, int64_t K, uint8_t* out);

// Per-ISA 32-block quantizers behind quantize_act_row (act_quant_avx2.cpp / act_quant_avx512.cpp):
// write qs[K], d[K/32], sd[K/32].
void quantize_q8_32_avx2(const float* x, int64_t K, int8_t* qs, float* d, float* sd);
void quantize_q8_32_avx512(const float* x, int64_t K, int8_t* qs, float* d, float* sd);
// The 256-block quantizer (AVX-512): writes qs[K], d[K/256], sum16[K/16].
void quantize_q8_256_avx512(const float* x, int64_t K, int8_t* qs, float* d, int16_t* sum16);

}  // namespace loom::kernels
