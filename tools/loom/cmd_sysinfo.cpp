// `loom sysinfo`: what loom sees of this machine (SIMD level, threads) and which matmul kernel each weight type
// runs when decoding (one row) and in prefill (512 rows).
#include <cstdio>

#include "command.h"
#include "core/cpu_features.h"
#include "core/parallel.h"
#include "kernels/cpu/matmul.h"

namespace loom::cli {
namespace {

CommandRegistrar sysinfo_registrar({"sysinfo", "print CPU features and the kernel variant loom will use",
                            [](CLI::App&) -> std::function<int()> {
                                return [] {
                                    std::printf("cpu features: %s\n", cpu_features().describe().c_str());
                                    std::printf("kernels: %s\n", simd_level_name(simd_level()));
                                    std::printf("threads: %d\n", num_threads());
                                    std::printf("matmul kernels (decode / prefill):\n");
                                    for (DType type : {DType::F32, DType::F16, DType::BF16, DType::Q8_0,
                                                       DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                                                       DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K,
                                                       DType::Q6_K})
                                        std::printf("  %-5s %s / %s\n", dtype_name(type),
                                                    matmul_kernel_name(simd_level(), type, 1).c_str(),
                                                    matmul_kernel_name(simd_level(), type, 512).c_str());
                                    return 0;
                                };
                            }});

}  // namespace
}  // namespace loom::cli
