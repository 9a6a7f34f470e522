// matmul micro-benchmarks: matvec (M = 1, generation) and matmul (M = 512, prefill) per weight dtype at the
// default model's shapes (SmolLM2-135M: hidden 576, ffn 1536) and GPT-2's (768, 3072).
//
// Counters: GB/s = weight bytes streamed per second (matvec: the figure to compare with memory bandwidth);
// GFLOP/s = 2 * M * N * K per second. For M = 1 the benchmark rotates over enough copies of W (> 128 MB in
// all) that every call reads W from DRAM, as a real model's layers do; for M = 512 one copy is used.
//
//   cmake -S . -B build -DLOOM_BENCH=ON && ninja -C build bench_matmul && build/bench/bench_matmul
//   LOOM_CPU=avx2 build/bench/bench_matmul     # cap the variant
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/half.h"
#include "core/parallel.h"
#include "kernels/cpu/matmul.h"

using namespace loom;

namespace {

// Random quant bytes with every fp16 scale field set to a small value, so no Inf/NaN slows the float paths.
// (Offsets of d / m / dmin per block, from tensor/quant_blocks.h.)
Tensor random_weight(DType type, int64_t N, int64_t K, uint32_t seed) {
    Tensor w = Tensor::zeros(type, {N, K});
    std::mt19937 rng(seed);
    auto* bytes = w.mutable_data_as<uint8_t>();
    for (uint64_t i = 0; i < w.nbytes(); ++i) bytes[i] = static_cast<uint8_t>(rng());
    const uint16_t small = f32_to_f16(0.01f);
    auto set_halves = [&](std::initializer_list<size_t> offsets) {
        const DTypeInfo& info = dtype_info(type);
        for (uint64_t b = 0; b < w.nbytes() / info.block_bytes; ++b)
            for (size_t off : offsets) std::memcpy(bytes + b * info.block_bytes + off, &small, 2);
    };
    switch (type) {
        case DType::F32:
            for (int64_t i = 0; i < N * K; ++i)
                w.mutable_data_as<float>()[i] = 0.01f * static_cast<float>(rng() % 200) - 1;
            break;
        case DType::F16:
        case DType::BF16:
            for (int64_t i = 0; i < N * K; ++i)
                w.mutable_data_as<uint16_t>()[i] = type == DType::F16 ? f32_to_f16(0.001f * (rng() % 200))
                                                                      : f32_to_bf16(0.001f * (rng() % 200));
            break;
        case DType::Q4_0:
        case DType::Q5_0:
        case DType::Q8_0:
            set_halves({0});
            break;
        case DType::Q4_1:
        case DType::Q5_1:
        case DType::Q4_K:
        case DType::Q5_K:
            set_halves({0, 2});
            break;
        case DType::Q6_K:
            set_halves({208});
            break;
        case DType::Q2_K:
            set_halves({80, 82});
            break;
        case DType::Q3_K:
            set_halves({108});
            break;
        default:
            break;
    }
    return w;
}

void bm_matmul(benchmark::State& state, DType type, int64_t N, int64_t K, int64_t M, int threads,
               bool from_dram) {
    set_num_threads(threads);
    const uint64_t one = Tensor(type, {N, K}, nullptr, nullptr).nbytes();
    const int copies =
        M == 1 || from_dram ? static_cast<int>(std::max<uint64_t>(1, (128u << 20) / one + 1)) : 1;
    std::vector<Tensor> ws{random_weight(type, N, K, 17)};
    for (int c = 1; c < copies; ++c) {  // same contents, distinct memory: only the addresses matter here
        ws.push_back(Tensor::zeros(type, {N, K}));
        std::memcpy(ws.back().mutable_data(), ws[0].data(), one);
    }
    std::vector<float> x(static_cast<size_t>(M * K)), y(static_cast<size_t>(M * N));
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    for (float& v : x) v = normal(rng);
    int c = 0;
    for (auto _ : state) {
        matmul(ws[c], x.data(), y.data(), M);
        benchmark::DoNotOptimize(y.data());
        c = (c + 1) % copies;
    }
    const double iters = static_cast<double>(state.iterations());
    state.counters["GB/s"] = benchmark::Counter(iters * one / 1e9, benchmark::Counter::kIsRate);
    state.counters["GFLOP/s"] =
        benchmark::Counter(iters * 2.0 * M * N * K / 1e9, benchmark::Counter::kIsRate);
    state.SetLabel(matmul_kernel_name(simd_level(), type, M));
}

struct Shape {
    int64_t N, K;
};

int register_all() {
    const DType types[] = {DType::Q4_1, DType::Q8_0, DType::F32,  DType::F16, DType::Q4_0,
                           DType::Q4_K, DType::Q6_K, DType::BF16, DType::Q5_0};
    const Shape shapes[] = {{1536, 576}, {576, 1536}, {3072, 768}, {768, 3072}};
    for (int64_t M : {1, 512})
        for (DType type : types)
            for (Shape s : shapes)
                for (int threads : {1, 2}) {
                    if (s.K % dtype_info(type).block_size) continue;  // e.g. K types need K % 256 == 0
                    const std::string name = std::string(M == 1 ? "matvec/" : "matmul_M512/") +
                                             dtype_name(type) + "/N" + std::to_string(s.N) + "xK" +
                                             std::to_string(s.K) + "/threads:" + std::to_string(threads);
                    benchmark::RegisterBenchmark(name.c_str(), bm_matmul, type, s.N, s.K, M, threads, false)
                        ->Unit(benchmark::kMicrosecond)
                        ->UseRealTime()
                        ->MinTime(M == 1 ? 0.3 : 0.5);
                }
    // Moderate M (batched decoding: beams x sentences, short prompts) at a Marian-base layer's shapes (d_model
    // 512, FFN 2048): where the row kernels' tiles meet the gemms (f32 packing for float weights, int8 for
    // quantized ones).
    for (int64_t M : {4, 8, 12, 16, 24, 32, 64, 96, 128})
        for (DType type : {DType::F32, DType::F16, DType::Q4_1, DType::Q8_0, DType::Q4_K, DType::Q6_K})
            for (Shape s : {Shape{2048, 512}, Shape{512, 2048}}) {
                const std::string name = "matmul_M" + std::to_string(M) + "/" + dtype_name(type) + "/N" +
                                         std::to_string(s.N) + "xK" + std::to_string(s.K) + "/threads:1";
                benchmark::RegisterBenchmark(name.c_str(), bm_matmul, type, s.N, s.K, M, 1, false)
                    ->Unit(benchmark::kMicrosecond)
                    ->UseRealTime()
                    ->MinTime(0.2);
            }
    // Short prompts with the weights read from DRAM, as in a model larger than the caches (GPT-2 shapes): the
    // quantized GEMM's panel unpacking must keep up with the memory stream here. CPU time is the figure to
    // compare on a shared machine.
    for (int64_t M : {8, 16, 32, 128})
        for (DType type : {DType::Q4_0, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::F16, DType::F32})
            for (Shape s : {Shape{3072, 768}, Shape{768, 3072}}) {
                const std::string name = "matmul_dram_M" + std::to_string(M) + "/" + dtype_name(type) + "/N" +
                                         std::to_string(s.N) + "xK" + std::to_string(s.K) + "/threads:1";
                benchmark::RegisterBenchmark(name.c_str(), bm_matmul, type, s.N, s.K, M, 1, true)
                    ->Unit(benchmark::kMicrosecond)
                    ->MinTime(0.3);
            }
    return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
