// Packing (once per model), the scalar reference, and the thread split of the packed-weight GEMM.
#include "kernels/cpu/prepacked_gemm.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/parallel.h"
#include "kernels/cpu/prepacked_gemm_kernels.h"
#include "tensor/dequantize.h"

namespace loom {

struct PrepackedWeightBuilder {
    static PrepackedWeight build(std::span<const PrepackPart> parts, SimdLevel level) {
        if (level > simd_level())
            throw Error(std::string("prepack_weight: level ") + simd_level_name(level) +
                        " does not run here");
        PrepackedWeight w;
        w.level_ = level;
        w.nr_ = level == SimdLevel::Avx512 ? kernels::prepacked_gemm_kernel_avx512().nr
                : level == SimdLevel::Avx2 ? kernels::prepacked_gemm_kernel_avx2().nr
                                           : 16;
        for (const PrepackPart& p : parts) {
            if (!p.weight || p.weight->rank() != 2)
                throw Error("prepack_weight: expected a matrix, found " +
                            (p.weight ? p.weight->shape_string() : std::string("none")));
            if (w.k_ != 0 && p.weight->dim(1) != w.k_)
                throw Error("prepack_weight: stacked weights differ in K (" + std::to_string(w.k_) + " vs " +
                            p.weight->shape_string() + ")");
            if (p.bias && !p.bias->empty() && static_cast<int64_t>(p.bias->size()) != p.weight->dim(0))
                throw Error("prepack_weight: bias of " + std::to_string(p.bias->size()) + " for weight " +
                            p.weight->shape_string());
            w.k_ = p.weight->dim(1);
            w.n_ += p.weight->dim(0);
        }
        const int64_t nr = w.nr_, K = w.k_, tiles = w.tiles();
        w.storage_.assign(static_cast<size_t>(tiles * K * nr + 16), 0.0f);
        w.offset_ = (64 - reinterpret_cast<uintptr_t>(w.storage_.data()) % 64) % 64 / sizeof(float);
        float* out = w.storage_.data() + w.offset_;  // [tiles][K][nr]
        w.bias_.assign(static_cast<size_t>(tiles * nr), 0.0f);
        // Stack row n -> (part, row within it), so tiles can be packed in any order.
        std::vector<std::pair<const PrepackPart*, int64_t>> source;
        source.reserve(static_cast<size_t>(w.n_));
        bool any_bias = false;
        for (const PrepackPart& p : parts) {
            for (int64_t r = 0; r < p.weight->dim(0); ++r) {
                if (p.bias && !p.bias->empty()) {
                    w.bias_[source.size()] = (*p.bias)[static_cast<size_t>(r)];
                    any_bias = true;
                }
                source.emplace_back(&p, r);
            }
        }
        parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
            std::vector<float> row(static_cast<size_t>(K));
            for (int64_t t = t0; t < t1; ++t)
                for (int64_t n = t * nr; n < std::min(w.n_, (t + 1) * nr); ++n) {
                    const auto& [part, r] = source[static_cast<size_t>(n)];
                    dequantize_row(part->weight->dtype(), part->weight->row_ptr(r), row.data(), K);
                    float* tile = out + t * K * nr + n % nr;  // column n % nr of tile t, stride nr
                    for (int64_t k = 0; k < K; ++k) tile[k * nr] = row[static_cast<size_t>(k)];
                }
        });
        if (!any_bias) w.bias_.clear();
        return w;
    }
};

PrepackedWeight prepack_weight(std::span<const PrepackPart> parts, SimdLevel level) {
    return PrepackedWeightBuilder::build(parts, level);
}

PrepackedWeight prepack_weight(const Tensor& weight, const std::vector<float>* bias, SimdLevel level) {
    const PrepackPart part{&weight, bias};
    return PrepackedWeightBuilder::build(std::span<const PrepackPart>(&part, 1), level);
}

void prepacked_gemm_reference(const PrepackedWeight& w, const float* x, int64_t ldx, int64_t M, float* y,
                              int64_t ldy, bool accumulate) {
    const int64_t K = w.k(), nr = w.nr();
    const float* panels = w.panels();
    for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < w.n(); ++n) {
            const float* col = panels + (n / nr) * K * nr + n % nr;  // W row n, stride nr
            float sum = 0.0f;
            for (int64_t k = 0; k < K; ++k) sum += x[m * ldx + k] * col[k * nr];
            if (w.bias()) sum += w.bias()[n];
            y[m * ldy + n] = accumulate ? y[m * ldy + n] + sum : sum;
        }
}

void prepacked_gemm(const PrepackedWeight& w, const float* x, int64_t ldx, int64_t M, float* y, int64_t ldy,
                    bool accumulate, const RowsDone& rows_done) {
    if (M <= 0 || w.empty()) return;
    kernels::PrepackedGemmKernel kernel;
    if (w.level() == SimdLevel::Avx512) kernel = kernels::prepacked_gemm_kernel_avx512();
    if (w.level() == SimdLevel::Avx2) kernel = kernels::prepacked_gemm_kernel_avx2();
    if (!kernel.range) {
        parallel_for(M, 4, [&](int64_t m0, int64_t m1) {
            prepacked_gemm_reference(w, x + m0 * ldx, ldx, m1 - m0, y + m0 * ldy, ldy, accumulate);
            if (rows_done) rows_done(m0, m1);
        });
        return;
    }
    const int64_t slivers = (M + kernel.mr - 1) / kernel.mr, tiles = w.tiles();
    // Rows of x when each thread gets a couple of slivers: every thread packs only its own rows and reads the
    // (shared, read-only) weight. Few rows (one short text): split the columns instead.
    if (slivers >= 2 * num_threads()) {
        parallel_for(slivers, 2, [&](int64_t s0, int64_t s1) {
            const int64_t m0 = s0 * kernel.mr, m1 = std::min(M, s1 * kernel.mr);
            kernel.range(w, x, ldx, y, ldy, accumulate, m0, m1, 0, tiles);
            if (rows_done) rows_done(m0, m1);
        });
    } else {
        parallel_for(tiles, 2, [&](int64_t t0, int64_t t1) {
            kernel.range(w, x, ldx, y, ldy, accumulate, 0, M, t0, t1);
        });
        if (rows_done) rows_done(0, M);
    }
}

}  // namespace loom
