#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

#include "core/thread_pool.h"

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
    static ThreadPool pool;
    pool.run(n, chunks, num_threads(), body);
}

}  // namespace loom
