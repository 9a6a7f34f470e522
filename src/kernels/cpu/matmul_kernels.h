// Internal interface between the matmul dispatcher (matmul.cpp) and the per-ISA kernels.
//
// A variant provides, per weight dtype, up to two kernels:
//   - a row kernel for small M (generation): W rows are streamed once; x has been converted once per call to
//     the activation format the kernel wants (f32, or int8 blocks so the inner loop is an integer dot);
//   - a gemm kernel for large M (prefill): f32 activations, W dequantized panel by panel into a packed f32
//     buffer that a register-tiled microkernel reuses across every row of x.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace loom::kernels {

// How x is handed to a row kernel.
enum class ActFormat {
    F32,     // the caller's rows as they are
    Q8_32,   // int8 blocks of 32 (see act_quant.h), for the 32-element weight types
    Q8_256,  // int8 super-blocks of 256 with sums of 16, for the K types
};

struct WeightView {
    const uint8_t* data;  // [N] rows of row_bytes
    uint64_t row_bytes;
    int64_t K;
    DType type;
    const uint8_t* row(int64_t n) const { return data + static_cast<uint64_t>(n) * row_bytes; }
};

// Activations in the row kernel's format: row m at data + m * row_bytes.
struct ActView {
    const uint8_t* data;
    uint64_t row_bytes;
};

// y[m * ldy + n] = dot(x row m, W row n) for m in [0, M), n in [n0, n1).
using RowKernelFn = void (*)(const WeightView& w, const ActView& x, int64_t M, float* y, int64_t ldy,
                             int64_t n0, int64_t n1);

// Same contract, x always f32 (row m at x + m * ldx); for M large enough to amortize packing.
using GemmKernelFn = void (*)(const WeightView& w, const float* x, int64_t ldx, int64_t M, float* y,
                              int64_t ldy, int64_t n0, int64_t n1);

struct RowKernel {
    ActFormat act = ActFormat::F32;
    RowKernelFn fn = nullptr;
    const char* name = "";  // e.g. "avx512 int8-dot"
};

// nullptr / fn == nullptr where the variant has no kernel for the dtype.
RowKernel scalar_row_kernel(DType type);
RowKernel avx2_row_kernel(DType type);
RowKernel avx512_row_kernel(DType type);
GemmKernelFn avx2_gemm_kernel(DType type);
GemmKernelFn avx512_gemm_kernel(DType type);

}  // namespace loom::kernels
