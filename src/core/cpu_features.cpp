#include "core/cpu_features.h"

#include <cpuid.h>

#include <cstdlib>
#include <cstring>

namespace loom {
namespace {

uint64_t read_xcr0() {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
    CpuFeatures f;
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
    bool osxsave = ecx & (1u << 27);
    bool avx = ecx & (1u << 28);
    f.fma = ecx & (1u << 12);
    f.f16c = ecx & (1u << 29);
    if (!osxsave || !avx) return CpuFeatures{};
    uint64_t xcr0 = read_xcr0();
    bool os_ymm = (xcr0 & 0x6) == 0x6;
    bool os_zmm = (xcr0 & 0xe6) == 0xe6;
    if (!os_ymm) return CpuFeatures{};
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    f.avx2 = ebx & (1u << 5);
    if (os_zmm) {
        f.avx512f = ebx & (1u << 16);
        f.avx512dq = ebx & (1u << 17);
        f.avx512bw = ebx & (1u << 30);
        f.avx512vl = ebx & (1u << 31);
        f.avx512_vnni = ecx & (1u << 11);
        __cpuid_count(7, 1, eax, ebx, ecx, edx);
        f.avx512_bf16 = eax & (1u << 5);
        f.avx_vnni = eax & (1u << 4);
    }
    return f;
}

}  // namespace

std::string CpuFeatures::describe() const {
    std::string out;
    auto add = [&](bool on, const char* name) {
        if (on) out += (out.empty() ? "" : " ") + std::string(name);
    };
    add(avx2, "AVX2");
    add(fma, "FMA");
    add(f16c, "F16C");
    add(avx512f, "AVX512F");
    add(avx512bw, "AVX512BW");
    add(avx512vl, "AVX512VL");
    add(avx512dq, "AVX512DQ");
    add(avx512_vnni, "AVX512_VNNI");
    add(avx512_bf16, "AVX512_BF16");
    add(avx_vnni, "AVX_VNNI");
    return out.empty() ? "scalar" : out;
}

const CpuFeatures& cpu_features() {
    static const CpuFeatures features = detect();
    return features;
}

SimdLevel simd_level() {
    static const SimdLevel level = [] {
        const CpuFeatures& f = cpu_features();
        SimdLevel best = f.has_avx512() ? SimdLevel::Avx512 : f.has_avx2() ? SimdLevel::Avx2 : SimdLevel::Scalar;
        const char* cap = std::getenv("LOOM_CPU");
        if (cap && !std::strcmp(cap, "scalar")) best = SimdLevel::Scalar;
        if (cap && !std::strcmp(cap, "avx2") && best > SimdLevel::Avx2) best = SimdLevel::Avx2;
        return best;
    }();
    return level;
}

const char* simd_level_name(SimdLevel level) {
    switch (level) {
        case SimdLevel::Avx512: return "avx512";
        case SimdLevel::Avx2: return "avx2";
        default: return "scalar";
    }
}

}  // namespace loom
