// Server counters, exported as Prometheus text at GET /metrics. Lock-free: updated from the HTTP threads and
// the scheduler thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace loom::server {

struct Metrics {
    std::atomic<uint64_t> requests_total{0};     // every request that reached a route
    std::atomic<uint64_t> requests_errors{0};    // answered 4xx / 5xx
    std::atomic<uint64_t> requests_rejected{0};  // 429 / 503: queue full or shutting down
    std::atomic<uint64_t> jobs_completed{0};     // generation jobs that ran to a finish reason
    std::atomic<uint64_t> jobs_cancelled{0};     // client gone, time limit or shutdown
    std::atomic<uint64_t> prompt_tokens{0};      // prefilled
    std::atomic<uint64_t> generated_tokens{0};   // sampled
    std::atomic<uint64_t> decode_steps{0};       // batched decode calls
    std::atomic<uint64_t> decode_batch_rows{0};  // sum of the batch sizes (rows / steps = mean batch)
    std::atomic<uint64_t> prefill_chunks{0};
    std::atomic<int64_t> slots_active{0};
    std::atomic<int64_t> queue_depth{0};
    std::atomic<uint64_t> decode_microseconds{0};   // time inside batched decode calls
    std::atomic<uint64_t> prefill_microseconds{0};  // time inside prefill chunks
    int64_t slots_total = 0;

    std::string prometheus_text() const;
};

}  // namespace loom::server
