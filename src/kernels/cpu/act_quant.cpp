#include "kernels/cpu/act_quant.h"

#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace loom::kernels {
namespace {

// Quantizes n elements with one scale; returns the scale, writes the sum of the quants.
float quantize_block_scalar(const float* x, int n, int8_t* qs, int* sum) {
    float amax = 0;
    for (int i = 0; i < n; ++i) amax = std::fmax(amax, std::fabs(x[i]));
    float d = amax / 127.0f;
    float inv = d != 0 ? 1.0f / d : 0.0f;
    int s = 0;
    for (int i = 0; i < n; ++i) {
        int q = static_cast<int>(std::nearbyint(x[i] * inv));  // |q| <= 127 since |x * inv| <= 127
        qs[i] = static_cast<int8_t>(q);
        s += q;
    }
    *sum = s;
    return d;
}

void quantize_q8_32_scalar(const float* x, int64_t K, int8_t* qs, float* d, float* sd) {
    for (int64_t b = 0; b < K / 32; ++b) {
        int sum;
        d[b] = quantize_block_scalar(x + 32 * b, 32, qs + 32 * b, &sum);
        sd[b] = d[b] * static_cast<float>(sum);
    }
}

// Q8_256 needs one scale per 256 (the K-type kernels combine it with the weights' per-super-block scale).
void quantize_q8_256(const float* x, int64_t K, int8_t* qs, float* d, int16_t* sum16) {
    for (int64_t s = 0; s < K / 256; ++s) {
        int unused;
        d[s] = quantize_block_scalar(x + 256 * s, 256, qs + 256 * s, &unused);
        for (int j = 0; j < 16; ++j) {
            int sum = 0;
            for (int i = 0; i < 16; ++i) sum += qs[256 * s + 16 * j + i];
            sum16[16 * s + j] = static_cast<int16_t>(sum);
        }
    }
}

}  // namespace

uint64_t act_row_bytes(ActFormat format, int64_t K) {
    switch (format) {
        case ActFormat::Q8_32:
            return align64(align64(align64(K) + 4 * (K / 32)) + 4 * (K / 32));
        case ActFormat::Q8_256:
            return align64(align64(align64(K) + 4 * (K / 256)) + 2 * (K / 16));
        default:
            return align64(4 * K);
    }
}

void quantize_act_row(ActFormat format, SimdLevel level, const float* x, int64_t K, uint8_t* out) {
    switch (format) {
        case ActFormat::Q8_32: {
            if (K % 32)
                throw Error("quantize_act_row: K = " + std::to_string(K) + " is not a multiple of 32");
            Q8_32Row r = q8_32_row(out, K);
            auto* qs = const_cast<int8_t*>(r.qs);
            auto* d = const_cast<float*>(r.d);
            auto* sd = const_cast<float*>(r.sd);
            if (level == SimdLevel::Avx512) return quantize_q8_32_avx512(x, K, qs, d, sd);
            if (level == SimdLevel::Avx2) return quantize_q8_32_avx2(x, K, qs, d, sd);
            return quantize_q8_32_scalar(x, K, qs, d, sd);
        }
        case ActFormat::Q8_256: {
            if (K % 256)
                throw Error("quantize_act_row: K = " + std::to_string(K) + " is not a multiple of 256");
            Q8_256Row r = q8_256_row(out, K);
            auto* qs = const_cast<int8_t*>(r.qs);
            auto* d = const_cast<float*>(r.d);
            auto* sum16 = const_cast<int16_t*>(r.sum16);
            if (level == SimdLevel::Avx512) return quantize_q8_256_avx512(x, K, qs, d, sum16);
            return quantize_q8_256(x, K, qs, d, sum16);
        }
        default:
            throw Error("quantize_act_row: f32 activations need no conversion");
    }
}

uint64_t int8_act_bytes(int64_t M, int64_t K, int block) {
    const int64_t slivers = (M + kInt8Rows - 1) / kInt8Rows;
    const uint64_t q = align64(static_cast<uint64_t>(slivers * kInt8Rows * K));
    const uint64_t scales = align64(4 * static_cast<uint64_t>(slivers * kInt8Rows * (K / block)));
    return q + 2 * scales;
}

Int8Act int8_act_view(uint8_t* buffer, int64_t M, int64_t K, int block) {
    const int64_t slivers = (M + kInt8Rows - 1) / kInt8Rows;
    const uint64_t q = align64(static_cast<uint64_t>(slivers * kInt8Rows * K));
    const uint64_t scales = align64(4 * static_cast<uint64_t>(slivers * kInt8Rows * (K / block)));
    return {reinterpret_cast<const int8_t*>(buffer), reinterpret_cast<const float*>(buffer + q),
            reinterpret_cast<const float*>(buffer + q + scales), M, K, block};
}

}  // namespace loom::kernels
