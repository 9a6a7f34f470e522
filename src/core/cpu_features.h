// Run-time CPU feature detection; kernels pick their variant from this once.
// LOOM_CPU=scalar|avx2|avx512 caps the variant (for testing the fallbacks and comparing speed).
#pragma once

#include <string>

namespace loom {

struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool f16c = false;
    bool avx512f = false;
    bool avx512bw = false;
    bool avx512vl = false;
    bool avx512dq = false;
    bool avx512_vnni = false;
    bool avx512_bf16 = false;
    bool avx_vnni = false;

    bool has_avx2() const { return avx2 && fma && f16c; }
    bool has_avx512() const { return has_avx2() && avx512f && avx512bw && avx512vl && avx512dq; }
    std::string describe() const;  // e.g. "AVX2 FMA F16C AVX512F AVX512BW AVX512VL AVX512_VNNI"
};

enum class SimdLevel { Scalar = 0, Avx2 = 1, Avx512 = 2 };

const CpuFeatures& cpu_features();
SimdLevel simd_level();  // best level this CPU supports, capped by LOOM_CPU
const char* simd_level_name(SimdLevel level);

}  // namespace loom
