#include "kernels/cpu/packed_matmul.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/parallel.h"
#include "tensor/dequantize.h"

namespace loom {

bool packed_matmul_available(DType type) {
    const bool float_type = type == DType::F32 || type == DType::F16 || type == DType::BF16;
    return float_type && simd_level() >= SimdLevel::Avx512;
}

PackedWeight pack_weight(const Tensor& W) {
    if (W.rank() < 2) throw Error("pack_weight: weight must have rank >= 2, got shape " + W.shape_string());
    constexpr int64_t P = PackedWeight::kPanel;
    PackedWeight p;
    p.N = W.rows();
    p.K = W.dim(-1);
    const int64_t n_panels = (p.N + P - 1) / P;
    const size_t count = static_cast<size_t>(n_panels * p.K * P);
    const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
    float* data = static_cast<float*>(std::aligned_alloc(64, std::max<size_t>(bytes, 64)));
    if (!data) throw std::bad_alloc();
    p.panels = std::shared_ptr<float[]>(data, [](float* f) { std::free(f); });
    parallel_for(n_panels, 1, [&](int64_t b, int64_t e) {
        std::vector<float> rows(P * p.K, 0.0f);  // [P, K]: the panel's W rows as f32 (zero past N)
        for (int64_t t = b; t < e; ++t) {
            for (int64_t j = 0; j < P; ++j) {
                const int64_t n = t * P + j;
                if (n < p.N) {
                    dequantize_row(W.dtype(), W.row_ptr(n), rows.data() + j * p.K, p.K);
                } else {
                    std::fill_n(rows.data() + j * p.K, p.K, 0.0f);
                }
            }
            float* panel = data + t * p.K * P;  // [K][P], written in order
            for (int64_t k = 0; k < p.K; ++k)
                for (int64_t j = 0; j < P; ++j) panel[k * P + j] = rows[j * p.K + k];
        }
    });
    return p;
}

void packed_matmul_reference(const PackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy,
                             int64_t M) {
    constexpr int64_t P = PackedWeight::kPanel;
    for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < w.N; ++n) {
            const float* panel = w.panels.get() + (n / P) * w.K * P + n % P;
            double sum = 0;
            for (int64_t k = 0; k < w.K; ++k) sum += static_cast<double>(x[m * ldx + k]) * panel[k * P];
            y[m * ldy + n] = static_cast<float>(sum);
        }
}

void packed_matmul(const PackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy, int64_t M) {
    if (simd_level() < SimdLevel::Avx512) throw Error("packed_matmul: needs AVX-512");
    if (w.empty()) throw Error("packed_matmul: weight was not packed");
    if (ldx < w.K || ldy < w.N || M < 0)
        throw Error("packed_matmul: bad strides ldx=" + std::to_string(ldx) + " ldy=" + std::to_string(ldy) +
                    " for K=" + std::to_string(w.K) + " N=" + std::to_string(w.N));
    const int64_t n_panels = (w.N + PackedWeight::kPanel - 1) / PackedWeight::kPanel;
    // About 64k multiply-adds per chunk at the least, so small calls stay on the calling thread.
    const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, M * w.K * PackedWeight::kPanel));
    parallel_for(n_panels, grain, [&](int64_t p0, int64_t p1) {
        kernels::packed_matmul_avx512(w, x, ldx, y, ldy, M, p0, p1);
    });
}

}  // namespace loom
