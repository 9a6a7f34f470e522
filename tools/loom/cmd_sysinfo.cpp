// `loom sysinfo`: what loom sees of this machine (SIMD level, threads).
#include <cstdio>

#include "command.h"
#include "core/cpu_features.h"
#include "core/parallel.h"

namespace loom::cli {
namespace {

CommandRegistrar sysinfo_registrar({"sysinfo", "print CPU features and the kernel variant loom will use",
                            [](CLI::App&) -> std::function<int()> {
                                return [] {
                                    std::printf("cpu features: %s\n", cpu_features().describe().c_str());
                                    std::printf("kernels: %s\n", simd_level_name(simd_level()));
                                    std::printf("threads: %d\n", num_threads());
                                    return 0;
                                };
                            }});

}  // namespace
}  // namespace loom::cli
