// Scalar unpacking of the K super-block types into the common form of k_superblock.h, written from the
// layouts in tensor/quant_blocks.h and tensor/dequantize_k.cpp (element by element, no bit tricks).
#include "kernels/cpu/k_superblock.h"

#include "core/error.h"
#include "core/half.h"
#include "tensor/dequantize_blocks.h"
#include "tensor/quant_blocks.h"

namespace loom::kernels {
namespace {

// The 2-bit field of element e in a 64-byte array of two halves: half e / 128, byte (e % 128) % 32, bit
// pair (e % 128) / 32.
int k_two_bits(const uint8_t* packed, int e) {
    const int half = e / 128, r = e % 128;
    return (packed[32 * half + r % 32] >> (2 * (r / 32))) & 3;
}

// Bit e / 32 of byte e % 32 (Q5_K's qh, Q3_K's hmask).
int k_high_bit(const uint8_t* bits, int e) {
    return (bits[e % 32] >> (e / 32)) & 1;
}

void k_sub_blocks_of_32(const uint8_t packed_scales[12], KSuperBlock& s) {
    for (int g = 0; g < 16; ++g) {
        const ScaleMin sm = k_scale_min(packed_scales, g / 2);
        s.sc[g] = static_cast<int8_t>(sm.scale);
        s.off[g] = sm.min;
    }
}

int k_nibble(const uint8_t* qs, int e) {  // Q4_K / Q5_K: sub-block e / 32 in the low or high nibbles
    const int sub = e / 32;
    return (qs[32 * (sub / 2) + e % 32] >> (4 * (sub % 2))) & 0x0F;
}

}  // namespace

bool is_k_superblock_type(DType type) {
    return type == DType::Q2_K || type == DType::Q3_K || type == DType::Q4_K || type == DType::Q5_K ||
           type == DType::Q6_K;
}

KSuperBlock unpack_k_superblock(DType type, const uint8_t* block) {
    KSuperBlock s{};
    switch (type) {
        case DType::Q2_K: {
            const auto& b = *reinterpret_cast<const BlockQ2_K*>(block);
            for (int e = 0; e < 256; ++e) s.u[e] = static_cast<uint8_t>(k_two_bits(b.qs, e));
            for (int g = 0; g < 16; ++g) {
                s.sc[g] = static_cast<int8_t>(b.scales[g] & 0x0F);
                s.off[g] = static_cast<int16_t>(b.scales[g] >> 4);
            }
            s.d = f16_to_f32(b.d);
            s.dm = f16_to_f32(b.dmin);
            return s;
        }
        case DType::Q3_K: {
            const auto& b = *reinterpret_cast<const BlockQ3_K*>(block);
            for (int e = 0; e < 256; ++e)
                s.u[e] = static_cast<uint8_t>(k_two_bits(b.qs, e) + 4 * k_high_bit(b.hmask, e));
            for (int g = 0; g < 16; ++g) {
                const int low = g < 8 ? (b.scales[g] & 0x0F) : (b.scales[g - 8] >> 4);
                const int high = (b.scales[8 + g % 4] >> (2 * (g / 4))) & 3;
                s.sc[g] = static_cast<int8_t>((low | (high << 4)) - 32);
                s.off[g] = static_cast<int16_t>(4 * s.sc[g]);
            }
            s.d = s.dm = f16_to_f32(b.d);
            return s;
        }
        case DType::Q4_K: {
            const auto& b = *reinterpret_cast<const BlockQ4_K*>(block);
            for (int e = 0; e < 256; ++e) s.u[e] = static_cast<uint8_t>(k_nibble(b.qs, e));
            k_sub_blocks_of_32(b.scales, s);
            s.d = f16_to_f32(b.d);
            s.dm = f16_to_f32(b.dmin);
            return s;
        }
        case DType::Q5_K: {
            const auto& b = *reinterpret_cast<const BlockQ5_K*>(block);
            for (int e = 0; e < 256; ++e)
                s.u[e] = static_cast<uint8_t>(k_nibble(b.qs, e) + 16 * k_high_bit(b.qh, e));
            k_sub_blocks_of_32(b.scales, s);
            s.d = f16_to_f32(b.d);
            s.dm = f16_to_f32(b.dmin);
            return s;
        }
        case DType::Q6_K: {
            const auto& b = *reinterpret_cast<const BlockQ6_K*>(block);
            for (int e = 0; e < 256; ++e) {
                const int half = e / 128, r = e % 128;
                const int low = (b.ql[64 * half + r % 64] >> (4 * (r / 64))) & 0x0F;
                s.u[e] = static_cast<uint8_t>(low | (k_two_bits(b.qh, e) << 4));
            }
            for (int g = 0; g < 16; ++g) {
                s.sc[g] = b.scales[g];
                s.off[g] = static_cast<int16_t>(32 * b.scales[g]);
            }
            s.d = s.dm = f16_to_f32(b.d);
            return s;
        }
        default:
            throw Error(std::string("unpack_k_superblock: not a K super-block type: ") + dtype_name(type));
    }
}

double k_dot_q8_256(DType type, const uint8_t* row, const Q8_256Row& x, int64_t K) {
    const uint64_t block_bytes = dtype_info(type).block_bytes;
    double sum = 0;
    for (int64_t s = 0; s < K / 256; ++s) {
        const KSuperBlock w = unpack_k_superblock(type, row + s * block_bytes);
        int64_t scaled = 0, offsets = 0;
        for (int g = 0; g < 16; ++g) {
            int64_t dot = 0;
            for (int i = 16 * g; i < 16 * g + 16; ++i) dot += int64_t{w.u[i]} * x.qs[256 * s + i];
            scaled += w.sc[g] * dot;
            offsets += int64_t{w.off[g]} * x.sum16[16 * s + g];
        }
        sum += static_cast<double>(x.d[s]) *
               (static_cast<double>(w.d) * static_cast<double>(scaled) -
                static_cast<double>(w.dm) * static_cast<double>(offsets));
    }
    return sum;
}

}  // namespace loom::kernels
