// The compute thread pool behind parallel_for: workers that take chunks of a job from a shared counter, so the
// calling thread returns as soon as every chunk is done, whoever ran it.
//
// Why not an OpenMP team: a parallel region ends at a barrier that every team thread must reach. When another
// process shares the cores and one worker is descheduled, each region waits for its time slice (milliseconds)
// even when the caller could have run all the work itself; decoding, with ~100 regions per token, collapsed
// from 150 to 2 tokens/s that way. Here a worker that wakes late finds no chunk left and goes back to waiting.
//
// Claims carry the job's generation: a worker holding a stale generation cannot take a chunk of a newer job,
// and a job's state is only read after a successful claim, which the caller always waits for.
// Workers spin briefly for the next job (decode regions are tens of microseconds apart), then sleep on a
// condition variable (the publisher notifies only when someone sleeps); with OMP_WAIT_POLICY=passive (or LOOM_WAIT_POLICY=passive) they sleep at once, as the test runner
// wants when many test processes share the cores.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace loom {

class ThreadPool {
  public:
    using Body = std::function<void(int64_t, int64_t)>;

    ThreadPool() = default;
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    // Calls body(begin, end) for `chunks` equal splits of [0, n), on up to `threads` threads (the caller
    // included). Returns when all are done; rethrows the first exception a chunk threw. Runs everything on
    // the calling thread when called from inside a job (nested) or while another thread's job is running.
    void run(int64_t n, int64_t chunks, int threads, const Body& body);

  private:
    void ensure_workers(int count);
    void wake_workers();
    void worker_loop(int index, uint32_t seen);
    // Claims and runs chunks of generation `gen` until none is left; true if it ran any.
    void run_chunks(uint32_t gen);

    std::mutex job_mutex_;  // one job at a time
    std::vector<std::thread> workers_;
    std::atomic<uint32_t> wake_{0};        // bumped for every job and at shutdown; workers wait on it
    std::mutex sleep_mutex_;
    std::condition_variable wake_cv_;      // workers sleeping for the next job
    std::condition_variable done_cv_;      // the caller sleeping for the last chunk
    std::atomic<int> sleepers_{0};         // workers waiting on wake_cv_
    std::atomic<bool> caller_sleeping_{false};
    std::atomic<uint64_t> ticket_{0};      // generation << 32 | next chunk index
    std::atomic<int64_t> done_{0};         // chunks finished in the current generation
    std::atomic<int> active_workers_{0};   // workers allowed to join the current job
    std::atomic<bool> stop_{false};
    // The current job; written before its generation is published, read only after a successful claim.
    std::atomic<const Body*> body_{nullptr};
    std::atomic<int64_t> n_{0}, chunks_{0};
    std::mutex failure_mutex_;
    std::exception_ptr failure_;
    bool spin_ = true;
};

}  // namespace loom
