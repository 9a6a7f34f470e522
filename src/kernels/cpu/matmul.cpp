// matmul dispatcher: validates shapes, picks the variant's kernel for the dtype, converts activations once,
// and splits the work across threads.
#include "kernels/cpu/matmul.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/matmul_kernels.h"
#include "tensor/dequantize.h"

namespace loom {
namespace {

using namespace kernels;

// From this many rows of x on, packing W panels into f32 pays for itself (measured with bench/).
constexpr int64_t kGemmMinRows = 16;
// Weights already stored as floats (AVX2 / AVX-512): the row kernels' tiles (2 x 4 / 4 x 4 of x rows by W
// rows) read W in place, so packing (a transposing copy of all of W on every call) only pays once M is large
// enough for the gemm's register tile to win it back (bench_matmul matmul_M*/F32|F16, LOOM_CPU=avx2 too;
// batched decoding's M = beams x sentences).
constexpr int64_t kFloatGemmMinRows = 64;

// From this many rows of x on, quantized weights take the int8 GEMM (panels unpacked per call, reused across
// rows) instead of the int8 row kernels. Measured with bench_matmul matmul_M*/N2048xK512, one thread, CPU
// time in us, row kernels vs GEMM: Q4_1 M4 171 / 146, M8 286 / 193; Q8_0 M4 131 / 151, M8 251 / 202; Q4_K
// M8 180 / 224, M12 271 / 237; Q6_K (groups of 16: twice the GEMM's block epilogues) M12 267 / 328, M16 GEMM
// 2.7x faster than the 64-row f32 gemm it replaced.
int64_t int8_gemm_min_rows(DType type) {
    switch (type) {
        case DType::Q8_0:
            return 8;
        case DType::Q2_K:
        case DType::Q3_K:
        case DType::Q4_K:
        case DType::Q5_K:
            return 12;
        case DType::Q6_K:
            return 16;
        default:
            return 4;  // the 4- and 5-bit 32-element blocks
    }
}

// Rows from which the f32 gemm (panels dequantized to f32) beats the row kernels. With AVX-512 VNNI and fast
// activations, quantized weights take the int8 GEMM (int8_gemm_min_rows) before this is reached.
int64_t gemm_min_rows(SimdLevel level, DType type) {
    const bool stored_as_floats = type == DType::F32 || type == DType::F16 || type == DType::BF16;
    return stored_as_floats && level >= SimdLevel::Avx2 ? kFloatGemmMinRows : kGemmMinRows;
}
// Work units of W rows handed to a thread: small enough to balance, large enough that a split costs
// far less than the rows' work. Multiple of the gemm microkernels' column tile.
constexpr int64_t kRowsPerUnit = 32;

bool level_runs_here(SimdLevel level) {
    const CpuFeatures& f = cpu_features();
    if (level == SimdLevel::Avx512) return f.has_avx512() && f.avx512_vnni;
    if (level == SimdLevel::Avx2) return f.has_avx2();
    return true;
}

RowKernel row_kernel_at(SimdLevel level, DType type) {
    RowKernel k;
    if (level >= SimdLevel::Avx512) k = avx512_row_kernel(type);
    if (!k.fn && level >= SimdLevel::Avx2) k = avx2_row_kernel(type);
    if (!k.fn) k = scalar_row_kernel(type);
    return k;
}

GemmKernelFn gemm_kernel_at(SimdLevel level, DType type) {
    GemmKernelFn g = nullptr;
    if (level >= SimdLevel::Avx512) g = avx512_gemm_kernel(type);
    if (!g && level >= SimdLevel::Avx2) g = avx2_gemm_kernel(type);
    return g;
}

// 64-byte aligned scratch for converted activations, reused across calls on the same thread.
uint8_t* act_scratch(uint64_t bytes) {
    thread_local std::vector<uint8_t> buffer;
    if (buffer.size() < bytes + 64) buffer.resize(bytes + 64);
    auto addr = reinterpret_cast<uintptr_t>(buffer.data());
    return buffer.data() + ((64 - (addr & 63)) & 63);
}

// Splits [0, N) into units of kRowsPerUnit rows across threads.
template <typename Body>
void parallel_over_n(int64_t N, const Body& body) {
    int64_t units = (N + kRowsPerUnit - 1) / kRowsPerUnit;
    parallel_for(units, 1,
                 [&](int64_t u0, int64_t u1) { body(u0 * kRowsPerUnit, std::min(N, u1 * kRowsPerUnit)); });
}

std::atomic<ActivationPrecision> g_precision{ActivationPrecision::Fast};

// ActivationPrecision::F32 for a weight whose row kernel would quantize x: units of W rows are dequantized
// into an f32 panel [kRowsPerUnit, K] and handed to the f32 row kernel with x as it is.
void matmul_dequantized(SimdLevel level, const WeightView& w, const float* x, int64_t ldx, int64_t M,
                        float* y, int64_t ldy, int64_t N) {
    const RowKernel f32 = row_kernel_at(level, DType::F32);
    const ActView act{reinterpret_cast<const uint8_t*>(x), static_cast<uint64_t>(ldx) * sizeof(float)};
    const int64_t K = w.K;
    parallel_over_n(N, [&](int64_t n0, int64_t n1) {
        thread_local std::vector<float> panel;  // [kRowsPerUnit, K]
        panel.resize(static_cast<size_t>(kRowsPerUnit * K));
        for (int64_t u0 = n0; u0 < n1; u0 += kRowsPerUnit) {
            const int64_t u1 = std::min(n1, u0 + kRowsPerUnit);
            for (int64_t n = u0; n < u1; ++n)
                dequantize_row(w.type, w.row(n), panel.data() + (n - u0) * K, K);
            const WeightView pw{reinterpret_cast<const uint8_t*>(panel.data()), static_cast<uint64_t>(K) * 4,
                                K, DType::F32};
            f32.fn(pw, act, M, y + u0, ldy, 0, u1 - u0);
        }
    });
}

}  // namespace

void set_activation_precision(ActivationPrecision precision) {
    g_precision.store(precision);
}

ActivationPrecision activation_precision() {
    return g_precision.load();
}

bool matmul_supports(DType type) {
    return scalar_row_kernel(type).fn != nullptr;
}

std::string matmul_kernel_name(SimdLevel level, DType type, int64_t M) {
    if (M >= int8_gemm_min_rows(type) && level >= SimdLevel::Avx512 &&
        activation_precision() == ActivationPrecision::Fast && avx512_int8_gemm(type).fn)
        return avx512_int8_gemm(type).name;
    if (M >= gemm_min_rows(level, type)) {
        if (level >= SimdLevel::Avx512 && avx512_gemm_kernel(type)) return "avx512 gemm-f32";
        if (level >= SimdLevel::Avx2 && avx2_gemm_kernel(type)) return "avx2 gemm-f32";
    }
    RowKernel rows = row_kernel_at(level, type);
    if (rows.fn && rows.act != ActFormat::F32 && activation_precision() == ActivationPrecision::F32)
        return std::string("dequantize + ") + row_kernel_at(level, DType::F32).name;
    return rows.fn ? rows.name : "none";
}

void matmul_variant(SimdLevel level, const Tensor& W, const float* x, int64_t ldx, float* y, int64_t ldy,
                    int64_t M) {
    if (!level_runs_here(level))
        throw Error(std::string("matmul: variant ") + simd_level_name(level) + " does not run on this CPU (" +
                    cpu_features().describe() + ")");
    if (W.rank() < 2) throw Error("matmul: weight must have rank >= 2, got shape " + W.shape_string());
    const int64_t K = W.dim(-1), N = W.rows();
    if (ldx < K || ldy < N || M < 0)
        throw Error("matmul: bad strides for weight " + W.shape_string() + ": ldx=" + std::to_string(ldx) +
                    " ldy=" + std::to_string(ldy) + " M=" + std::to_string(M));
    RowKernel rows = row_kernel_at(level, W.dtype());
    if (!rows.fn) throw Error(std::string("matmul: no kernel for weight dtype ") + dtype_name(W.dtype()));
    if (M == 0 || N == 0) return;
    const WeightView w{W.data_as<uint8_t>(), W.row_nbytes(), K, W.dtype()};

    if (M >= int8_gemm_min_rows(W.dtype()) && level >= SimdLevel::Avx512 &&
        activation_precision() == ActivationPrecision::Fast && K % 32 == 0) {
        if (const Int8Gemm gemm = avx512_int8_gemm(W.dtype()); gemm.fn) {
            uint8_t* buffer = act_scratch(int8_act_bytes(M, K, gemm.block));
            const Int8Act act = int8_act_view(buffer, M, K, gemm.block);
            const int64_t slivers = (M + kInt8Rows - 1) / kInt8Rows;
            parallel_for(slivers, 4, [&](int64_t s0, int64_t s1) {
                pack_int8_act_avx512(x, ldx, s0 * kInt8Rows, std::min(M, s1 * kInt8Rows), act);
            });
            parallel_over_n(N, [&](int64_t n0, int64_t n1) { gemm.fn(w, act, y, ldy, n0, n1); });
            return;
        }
    }
    if (M >= gemm_min_rows(level, W.dtype())) {
        if (GemmKernelFn gemm = gemm_kernel_at(level, W.dtype())) {
            parallel_over_n(N, [&](int64_t n0, int64_t n1) { gemm(w, x, ldx, M, y, ldy, n0, n1); });
            return;
        }
    }

    if (rows.act != ActFormat::F32 && activation_precision() == ActivationPrecision::F32) {
        matmul_dequantized(level, w, x, ldx, M, y, ldy, N);
        return;
    }
    ActView act{reinterpret_cast<const uint8_t*>(x), static_cast<uint64_t>(ldx) * sizeof(float)};
    if (rows.act != ActFormat::F32) {
        const uint64_t row_bytes = act_row_bytes(rows.act, K);
        uint8_t* buffer = act_scratch(row_bytes * M);  // [M] converted rows
        parallel_for(M, 4, [&](int64_t m0, int64_t m1) {
            for (int64_t m = m0; m < m1; ++m)
                quantize_act_row(rows.act, level, x + m * ldx, K, buffer + m * row_bytes);
        });
        act = {buffer, row_bytes};
    }
    parallel_over_n(N, [&](int64_t n0, int64_t n1) { rows.fn(w, act, M, y, ldy, n0, n1); });
}

void matmul(const Tensor& W, const float* x, int64_t ldx, float* y, int64_t ldy, int64_t M) {
    matmul_variant(simd_level(), W, x, ldx, y, ldy, M);
}

void matmul(const Tensor& W, const float* x, float* y, int64_t M) {
    if (W.rank() < 2) throw Error("matmul: weight must have rank >= 2, got shape " + W.shape_string());
    matmul(W, x, W.dim(-1), y, W.rows(), M);
}

}  // namespace loom
