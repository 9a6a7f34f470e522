// Memory read bandwidth for the decoder benchmark's bandwidth bound: OMP_NUM_THREADS threads each sum their
// part of a 1 GiB buffer of 32-bit integers (integer sums are associative, so -O3 -march=native vectorises the
// loop into wide loads), best of 5 passes. Prints "GB/s".
//   cc -O3 -march=native -fopenmp read_bandwidth.c -o read_bandwidth && OMP_NUM_THREADS=2 ./read_bandwidth
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    const size_t n = (size_t)1 << 28;  // 1 GiB of uint32
    uint32_t* a = aligned_alloc(64, n * sizeof(uint32_t));
    if (!a) return 1;
    memset(a, 1, n * sizeof(uint32_t));
    double best = 0;
    uint32_t sink = 0;
    for (int pass = 0; pass < 5; ++pass) {
        double t0 = omp_get_wtime();
        uint32_t total = 0;
#pragma omp parallel for reduction(+ : total) schedule(static)
        for (size_t i = 0; i < n; ++i) total += a[i];
        double s = omp_get_wtime() - t0;
        sink += total;
        if (n * sizeof(uint32_t) / s / 1e9 > best) best = n * sizeof(uint32_t) / s / 1e9;
    }
    printf("%.2f GB/s%s\n", best, sink == 12345u ? " " : "");
    free(a);
    return 0;
}
