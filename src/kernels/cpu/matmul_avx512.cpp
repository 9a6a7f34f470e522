// AVX-512 kernel table: which row / gemm kernel serves each dtype.
#include "kernels/cpu/matmul_kernels.h"

namespace loom::kernels {

RowKernel avx512_float_row_kernel(DType type);   // matvec_f32_avx512.cpp
RowKernel avx512_legacy_row_kernel(DType type);  // matvec_legacy_avx512.cpp
RowKernel avx512_k_row_kernel(DType type);       // matvec_k_avx512.cpp

RowKernel avx512_row_kernel(DType type) {
    RowKernel k = avx512_float_row_kernel(type);
    if (!k.fn) k = avx512_legacy_row_kernel(type);
    if (!k.fn) k = avx512_k_row_kernel(type);
    return k;
}

}  // namespace loom::kernels
