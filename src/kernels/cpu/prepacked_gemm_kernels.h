// Internal: the per-ISA packed-GEMM kernels behind prepacked_gemm.h.
#pragma once

#include <cstdint>

namespace loom {
class PrepackedWeight;
}

namespace loom::kernels {

// y rows [m0, m1) x column tiles [t0, t1) of the packed weight; x and y point at row 0.
using PrepackedGemmRangeFn = void (*)(const PrepackedWeight& w, const float* x, int64_t ldx, float* y,
                                      int64_t ldy, bool accumulate, int64_t m0, int64_t m1, int64_t t0,
                                      int64_t t1);

struct PrepackedGemmKernel {
    int mr = 0, nr = 0;  // register tile: rows of x by columns of W
    PrepackedGemmRangeFn range = nullptr;
};

PrepackedGemmKernel prepacked_gemm_kernel_avx512();
PrepackedGemmKernel prepacked_gemm_kernel_avx2();

}  // namespace loom::kernels
