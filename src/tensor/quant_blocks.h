// Block layouts of the GGUF quantized types, byte for byte as the GGUF specification lays them out.
// Scales are IEEE fp16 stored as uint16_t (convert with core/half.h). Each struct's size is checked against
// the GGUF block size so a layout mistake fails to compile.
#pragma once

#include <cstdint>

namespace loom {

constexpr int kBlock32 = 32;  // elements per block of the legacy types (Q4_0 .. Q8_1)
constexpr int kBlockK = 256;  // elements per super-block of the K types

// x[i] = (q[i] - 8) * d; element j < 16 in the low nibble of qs[j], element j + 16 in its high nibble.
struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[kBlock32 / 2];
};
// x[i] = q[i] * d + m; nibbles as Q4_0.
struct BlockQ4_1 {
    uint16_t d, m;
    uint8_t qs[kBlock32 / 2];
};
// 5-bit: low 4 bits as Q4_0, bit 4 of element j is bit j of qh (little-endian uint32). x = (q - 16) * d.
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4];
    uint8_t qs[kBlock32 / 2];
};
// 5-bit with minimum: x = q * d + m.
struct BlockQ5_1 {
    uint16_t d, m;
    uint8_t qh[4];
    uint8_t qs[kBlock32 / 2];
};
// x[i] = qs[i] * d.
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[kBlock32];
};
// As Q8_0 plus s = d * sum(qs) (used for activations against Q4_1/Q5_1).
struct BlockQ8_1 {
    uint16_t d, s;
    int8_t qs[kBlock32];
};
// 16 sub-blocks of 16; scales[j] low nibble = scale, high nibble = min (4 bits each); 2-bit quants.
struct BlockQ2_K {
    uint8_t scales[kBlockK / 16];
    uint8_t qs[kBlockK / 4];
    uint16_t d, dmin;
};
// 16 sub-blocks of 16; 6-bit signed scales packed in 12 bytes; 2 low bits in qs, high bit in hmask.
struct BlockQ3_K {
    uint8_t hmask[kBlockK / 8];
    uint8_t qs[kBlockK / 4];
    uint8_t scales[12];
    uint16_t d;
};
// 8 sub-blocks of 32; 6-bit scales and mins packed in 12 bytes; 4-bit quants. x = d*sc*q - dmin*m.
struct BlockQ4_K {
    uint16_t d, dmin;
    uint8_t scales[12];
    uint8_t qs[kBlockK / 2];
};
// As Q4_K with a fifth bit per element in qh.
struct BlockQ5_K {
    uint16_t d, dmin;
    uint8_t scales[12];
    uint8_t qh[kBlockK / 8];
    uint8_t qs[kBlockK / 2];
};
// 16 sub-blocks of 16; int8 scales; 6-bit quants: 4 low bits in ql, 2 high bits in qh. x = d*sc*(q - 32).
struct BlockQ6_K {
    uint8_t ql[kBlockK / 2];
    uint8_t qh[kBlockK / 4];
    int8_t scales[kBlockK / 16];
    uint16_t d;
};
// Intermediate type for activations: fp32 scale, int8 quants, sums of each group of 16.
struct BlockQ8_K {
    float d;
    int8_t qs[kBlockK];
    int16_t bsums[kBlockK / 16];
};

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22 &&
              sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144 &&
              sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292);

}  // namespace loom
