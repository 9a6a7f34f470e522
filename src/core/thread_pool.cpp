#include "core/thread_pool.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LOOM_CPU_RELAX() _mm_pause()
#else
#define LOOM_CPU_RELAX() std::this_thread::yield()
#endif

namespace loom {
namespace {

thread_local bool t_inside_job = false;

bool passive_wait_requested() {
    for (const char* name : {"LOOM_WAIT_POLICY", "OMP_WAIT_POLICY"}) {
        const char* v = std::getenv(name);
        if (v && (std::strcmp(v, "passive") == 0 || std::strcmp(v, "PASSIVE") == 0)) return true;
    }
    return false;
}

// Spin iterations before a worker sleeps (~30 us with pause): long enough to catch the next region of a
// decoding step, short enough that an idle process gives its cores back at once.
constexpr int kSpinIterations = 1 << 12;

constexpr uint64_t make_ticket(uint32_t gen, uint32_t index) {
    return (static_cast<uint64_t>(gen) << 32) | index;
}

}  // namespace

ThreadPool::~ThreadPool() {
    stop_.store(true);
    wake_workers();
    for (std::thread& t : workers_)
        if (t.joinable()) t.join();
}

void ThreadPool::wake_workers() {
    wake_.fetch_add(1);  // seq_cst, ordered against a sleeper's sleepers_ increment and re-check
    if (sleepers_.load() > 0) {
        std::lock_guard<std::mutex> lock(sleep_mutex_);
        wake_cv_.notify_all();
    }
}

void ThreadPool::ensure_workers(int count) {
    if (workers_.empty()) spin_ = !passive_wait_requested();
    while (static_cast<int>(workers_.size()) < count)
        // The worker's first "seen" generation is read here, before any later wake: one read by the new thread
        // itself could already include a wake (a job, or shutdown) that it would then sleep through.
        workers_.emplace_back(
            [this, i = static_cast<int>(workers_.size()), seen = wake_.load()] { worker_loop(i, seen); });
}

void ThreadPool::run_chunks(uint32_t gen) {
    for (;;) {
        uint64_t t = ticket_.load(std::memory_order_acquire);
        if (static_cast<uint32_t>(t >> 32) != gen) return;  // a newer job: not ours
        const uint32_t index = static_cast<uint32_t>(t);
        const int64_t chunks = chunks_.load(std::memory_order_relaxed);  // validated by the claim below
        if (index >= static_cast<uint64_t>(chunks)) return;
        if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) continue;
        // The claim succeeded, so the caller of generation `gen` waits for this chunk: its job is alive, and
        // the fields read here are the ones published with `gen`.
        const int64_t n = n_.load(std::memory_order_relaxed), all = chunks_.load(std::memory_order_relaxed);
        const int64_t begin = n * index / all, end = n * (index + 1) / all;
        try {
            (*body_.load(std::memory_order_relaxed))(begin, end);
        } catch (...) {
            std::lock_guard<std::mutex> lock(failure_mutex_);
            if (!failure_) failure_ = std::current_exception();
        }
        if (done_.fetch_add(1) + 1 == all && caller_sleeping_.load()) {
            std::lock_guard<std::mutex> lock(sleep_mutex_);
            done_cv_.notify_all();
        }
    }
}

void ThreadPool::worker_loop(int index, uint32_t seen) {
    t_inside_job = true;  // a body that calls parallel_for from a worker runs it inline
    for (;;) {
        uint32_t now = wake_.load(std::memory_order_acquire);
        for (int spin = 0; now == seen && spin_ && spin < kSpinIterations; ++spin) {
            LOOM_CPU_RELAX();
            now = wake_.load(std::memory_order_acquire);
        }
        if (stop_.load()) return;
        if (now == seen) {
            std::unique_lock<std::mutex> lock(sleep_mutex_);
            sleepers_.fetch_add(1);
            wake_cv_.wait(lock, [&] { return wake_.load() != seen || stop_.load(); });
            sleepers_.fetch_sub(1);
            continue;
        }
        seen = now;
        if (stop_.load()) return;
        if (index >= active_workers_.load(std::memory_order_acquire)) continue;  // not needed for this job
        run_chunks(static_cast<uint32_t>(ticket_.load(std::memory_order_acquire) >> 32));
    }
}

void ThreadPool::run(int64_t n, int64_t chunks, int threads, const Body& body) {
    std::unique_lock<std::mutex> lock(job_mutex_, std::try_to_lock);
    if (t_inside_job || threads <= 1 || chunks <= 1 || !lock.owns_lock()) {
        for (int64_t c = 0; c < chunks; ++c) body(n * c / chunks, n * (c + 1) / chunks);
        return;
    }
    ensure_workers(threads - 1);
    body_.store(&body, std::memory_order_relaxed);
    n_.store(n, std::memory_order_relaxed);
    chunks_.store(chunks, std::memory_order_relaxed);
    failure_ = nullptr;
    done_.store(0, std::memory_order_relaxed);
    active_workers_.store(threads - 1, std::memory_order_relaxed);
    const uint32_t gen = static_cast<uint32_t>(ticket_.load() >> 32) + 1;
    ticket_.store(make_ticket(gen, 0), std::memory_order_release);  // publishes the fields above
    wake_workers();
    t_inside_job = true;
    run_chunks(gen);
    t_inside_job = false;
    for (int spin = 0; spin_ && spin < kSpinIterations && done_.load() < chunks; ++spin) LOOM_CPU_RELAX();
    if (done_.load() < chunks) {
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        caller_sleeping_.store(true);
        done_cv_.wait(lock, [&] { return done_.load() >= chunks; });
        caller_sleeping_.store(false);
    }
    if (failure_) {
        std::exception_ptr failure = failure_;
        failure_ = nullptr;
        std::rethrow_exception(failure);
    }
}

}  // namespace loom
