// avx2 kernel table (filled in per dtype).
#include "kernels/cpu/matmul_kernels.h"

namespace loom::kernels {

RowKernel avx2_row_kernel(DType) {
    return {};
}
GemmKernelFn avx2_gemm_kernel(DType) {
    return nullptr;
}

}  // namespace loom::kernels
