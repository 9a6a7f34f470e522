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

// The int8 GEMM (prefill of quantized weights, gemm_int8_avx512.cpp). Activations are quantized once per call
// to int8 blocks of 32 (Q8_32 arithmetic: d = max|x| / 127, round to nearest even) and laid out in slivers of
// kInt8Rows rows for broadcasting 4 bytes at a time: q [M / kInt8Rows][K / 4][kInt8Rows][4]; with each row's
// scale and scaled quant sum per weight block (`block`: 32, or 16 for the K types with 16-element groups):
// dx [M / kInt8Rows][K / block][kInt8Rows], xsum = dx * sum of the block's quants, same layout.
constexpr int kInt8Rows = 4;
struct Int8Act {
    const int8_t* q;
    const float* dx;
    const float* xsum;
    int64_t M, K;
    int block;
};
// y[m * ldy + n] = dot(x row m, W row n) for every m, n in [n0, n1).
using Int8GemmFn = void (*)(const WeightView& w, const Int8Act& x, float* y, int64_t ldy, int64_t n0,
                            int64_t n1);
struct Int8Gemm {
    Int8GemmFn fn = nullptr;
    int block = 0;  // the weight blocks' element count the activations must be summed over
    const char* name = "";
};
Int8Gemm avx512_int8_gemm(DType type);
// Bytes of the packed activations for M rows (64-byte aligned parts).
uint64_t int8_act_bytes(int64_t M, int64_t K, int block);
// Lays out the Int8Act views over `buffer` (int8_act_bytes bytes, 64-byte aligned).
Int8Act int8_act_view(uint8_t* buffer, int64_t M, int64_t K, int block);
// Quantizes and packs x rows [m0, m1) (m0 a multiple of kInt8Rows) into `act` (AVX-512; K % 32 == 0).
void pack_int8_act_avx512(const float* x, int64_t ldx, int64_t m0, int64_t m1, const Int8Act& act);

// nullptr / fn == nullptr where the variant has no kernel for the dtype.
RowKernel scalar_row_kernel(DType type);
RowKernel avx2_row_kernel(DType type);
RowKernel avx512_row_kernel(DType type);
GemmKernelFn avx2_gemm_kernel(DType type);
GemmKernelFn avx512_gemm_kernel(DType type);

}  // namespace loom::kernels
