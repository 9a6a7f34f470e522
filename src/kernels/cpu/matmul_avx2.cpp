// AVX2 kernel table: which row / gemm kernel serves each dtype.
#include "kernels/cpu/matmul_kernels.h"

namespace loom::kernels {

RowKernel avx2_float_row_kernel(DType type);   // matvec_f32_avx2.cpp
RowKernel avx2_legacy_row_kernel(DType type);  // matvec_legacy_avx2.cpp
RowKernel avx2_k_row_kernel(DType type);       // matvec_k_avx2.cpp

RowKernel avx2_row_kernel(DType type) {
    RowKernel k = avx2_float_row_kernel(type);
    if (!k.fn) k = avx2_legacy_row_kernel(type);
    if (!k.fn) k = avx2_k_row_kernel(type);
    return k;
}

}  // namespace loom::kernels
