#include "core/parallel.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

namespace loom {
namespace {
std::atomic<int> g_threads{0};
}

void set_num_threads(int n) {
    if (n <= 0) {  // OMP_NUM_THREADS when set (benchmarks pin the count with it), else every hardware thread
        const char* env = std::getenv("OMP_NUM_THREADS");
        n = env ? std::atoi(env) : 0;
        if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
    g_threads = n;
    omp_set_num_threads(n);
}

int num_threads() {
    int n = g_threads.load();
    if (n <= 0) {
        set_num_threads(0);
        n = g_threads.load();
    }
    return n;
}

void parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& body) {
    if (n <= 0) return;
    int64_t chunks = std::min<int64_t>(num_threads(), std::max<int64_t>(1, n / std::max<int64_t>(1, min_chunk)));
    if (chunks <= 1) {
        body(0, n);
        return;
    }
    // An exception may not leave an OpenMP region (that ends the process): keep the first, rethrow it here.
    std::exception_ptr failure;
    std::once_flag failed;
#pragma omp parallel for num_threads(static_cast<int>(chunks)) schedule(static, 1)
    for (int64_t c = 0; c < chunks; ++c) {
        int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
        try {
            body(begin, end);
        } catch (...) {
            std::call_once(failed, [&] { failure = std::current_exception(); });
        }
    }
    if (failure) std::rethrow_exception(failure);
}

}  // namespace loom
