// Scalar reference matmul: each W row is dequantized to f32 by the tensor module's reference dequantizer,
// then dotted with every x row in double precision. Slow and obviously right; every SIMD variant is tested
// against the same arithmetic.
#include <vector>

#include "kernels/cpu/matmul_kernels.h"
#include "tensor/dequantize.h"

namespace loom::kernels {
namespace {

void scalar_rows(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy, int64_t n0,
                 int64_t n1) {
    std::vector<float> w_row(static_cast<size_t>(w.K));  // [K] one dequantized W row
    for (int64_t n = n0; n < n1; ++n) {
        dequantize_row(w.type, w.row(n), w_row.data(), w.K);
        for (int64_t m = 0; m < M; ++m) {
            const float* xm = reinterpret_cast<const float*>(x.data + m * x.row_bytes);
            double sum = 0;
            for (int64_t k = 0; k < w.K; ++k) sum += static_cast<double>(xm[k]) * w_row[k];
            y[m * ldy + n] = static_cast<float>(sum);
        }
    }
}

}  // namespace

RowKernel scalar_row_kernel(DType type) {
    switch (type) {
        case DType::F32:
        case DType::F16:
        case DType::BF16:
        case DType::Q4_0:
        case DType::Q4_1:
        case DType::Q5_0:
        case DType::Q5_1:
        case DType::Q8_0:
        case DType::Q2_K:
        case DType::Q3_K:
        case DType::Q4_K:
        case DType::Q5_K:
        case DType::Q6_K:
            return {ActFormat::F32, scalar_rows, "scalar"};
        default:
            return {};
    }
}

}  // namespace loom::kernels
