// The common form every K super-block type (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) is unpacked into by the integer
// kernels, and the scalar reference of their dot product with Q8_256 activations.
//
//   u[256]  unsigned quants in element order
//   sc[16]  the integer scale of each group of 16 elements
//   off[16] the integer offset of each group
//   w_e = d * sc[g] * u_e - dm * off[g]          (g = e / 16)
//
// per type: Q4_K / Q5_K  u = q (0..15 / 0..31), sc = the sub-block's scale, off = its min, dm = dmin
//           Q2_K         u = q (0..3), sc = scale & 15, off = scale >> 4, dm = dmin
//           Q3_K         u = q + 4 (0..7), sc = the signed 6-bit scale, off = 4 * sc, dm = d
//           Q6_K         u = q + 32 (0..63), sc = the int8 scale, off = 32 * sc, dm = d
// With activation quants q_e (one scale dx per 256) and bsum[g] = sum of q over group g:
//   sum_e w_e * dx * q_e = dx * (d * sum_g sc[g] * sum_{e in g} u_e * q_e - dm * sum_g off[g] * bsum[g])
#pragma once

#include <cstdint>

#include "kernels/cpu/act_quant.h"
#include "tensor/dtype.h"

namespace loom::kernels {

struct KSuperBlock {
    uint8_t u[256];
    int8_t sc[16];
    int16_t off[16];
    float d, dm;
};

bool is_k_superblock_type(DType type);

// Unpacks one stored super-block of `type` (Q2_K..Q6_K). Throws loom::Error for another type.
KSuperBlock unpack_k_superblock(DType type, const uint8_t* block);

// Scalar reference of the integer kernels: dot(W row of K / 256 super-blocks, x row in Q8_256 form), summed
// per super-block in int64 and then in double.
double k_dot_q8_256(DType type, const uint8_t* row, const Q8_256Row& x, int64_t K);

}  // namespace loom::kernels
