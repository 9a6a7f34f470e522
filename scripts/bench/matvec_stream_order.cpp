// Decoding's matvec (y = W x, M = 1) is a pure read of W: which order of reading its rows streams fastest?
// Reads a 256 MB matrix of F32 or F16 rows of K elements in three orders and prints GB/s (best of 15 passes):
//   row1   one row after the other (one sequential stream), 4 accumulators of 16, 64 elements a step
//   rows4  4 rows a pass, 16 elements of each a step (x loaded once per step)
//   rows8  8 rows a pass, the same
// It chose kStreamingRowBytes in src/kernels/cpu/matvec_f32_avx512.cpp (docs/benchmarks.md).
//
//   g++ -O2 -march=native -pthread scripts/bench/matvec_stream_order.cpp -o /tmp/matvec_stream_order
//   /tmp/matvec_stream_order f16 768 1      # dtype, K, threads (1 or 2: two halves of the rows)
#include <immintrin.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

template <bool kHalf>
__m512 load16(const void* row, int64_t k) {
    if constexpr (kHalf)
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(row) + k)));
    else
        return _mm512_loadu_ps(static_cast<const float*>(row) + k);
}

template <bool kHalf, int R>
void rows_per_pass(const uint8_t* W, int64_t N, int64_t K, const float* x, float* y) {
    const int64_t row_bytes = K * (kHalf ? 2 : 4);
    for (int64_t n = 0; n + R <= N; n += R) {
        __m512 acc[R];
        for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
        for (int64_t k = 0; k < K; k += 16) {
            const __m512 xv = _mm512_loadu_ps(x + k);
            for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(load16<kHalf>(W + (n + r) * row_bytes, k), xv, acc[r]);
        }
        for (int r = 0; r < R; ++r) y[n + r] = _mm512_reduce_add_ps(acc[r]);
    }
}

template <bool kHalf>
void one_row_at_a_time(const uint8_t* W, int64_t N, int64_t K, const float* x, float* y) {
    const int64_t row_bytes = K * (kHalf ? 2 : 4);
    for (int64_t n = 0; n < N; ++n) {
        const uint8_t* w = W + n * row_bytes;
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int64_t k = 0; k < K; k += 64)
            for (int u = 0; u < 4; ++u) acc[u] = _mm512_fmadd_ps(load16<kHalf>(w, k + 16 * u), _mm512_loadu_ps(x + k + 16 * u), acc[u]);
        y[n] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
    }
}

using Fn = void (*)(const uint8_t*, int64_t, int64_t, const float*, float*);

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s f32|f16 K threads   (K a multiple of 64)\n", argv[0]);
        return 1;
    }
    const bool half = std::strcmp(argv[1], "f16") == 0;
    const int64_t K = std::atoll(argv[2]), elem = half ? 2 : 4, N = static_cast<int64_t>(256e6) / (K * elem) / 8 * 8;
    const int threads = std::atoi(argv[3]);
    auto* W = static_cast<uint8_t*>(std::aligned_alloc(64, N * K * elem));
    for (int64_t i = 0; i < N * K * elem; ++i) W[i] = static_cast<uint8_t>(i % 7 + (half ? 0x30 : 0x3c));
    std::vector<float> x(K, 0.5f), y(N);
    struct Variant { const char* name; Fn fn; };
    const Variant variants[] = {
        {"row1", half ? one_row_at_a_time<true> : one_row_at_a_time<false>},
        {"rows4", half ? rows_per_pass<true, 4> : rows_per_pass<false, 4>},
        {"rows8", half ? rows_per_pass<true, 8> : rows_per_pass<false, 8>},
    };
    std::vector<double> best(std::size(variants), 1e9);
    for (int pass = 0; pass < 15; ++pass)
        for (size_t v = 0; v < std::size(variants); ++v) {  // interleaved, so load changes hit all alike
            const auto t0 = std::chrono::steady_clock::now();
            if (threads == 1) {
                variants[v].fn(W, N, K, x.data(), y.data());
            } else {
                const int64_t h = N / 2 / 8 * 8;
                std::thread other([&] { variants[v].fn(W, h, K, x.data(), y.data()); });
                variants[v].fn(W + h * K * elem, N - h, K, x.data(), y.data() + h);
                other.join();
            }
            best[v] = std::min(best[v], std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
    for (size_t v = 0; v < std::size(variants); ++v)
        std::printf("%s K=%lld threads=%d %-6s %5.1f GB/s\n", argv[1], static_cast<long long>(K), threads,
                    variants[v].name, N * K * elem / best[v] / 1e9);
}
