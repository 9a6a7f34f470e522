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
    std::atomic<uint64_t> prompt_tokens_cached{0};  // prompt tokens reused from the KV cache, not prefilled
    std::atomic<uint64_t> prefix_lookups{0};        // jobs admitted with the prefix cache on
    std::atomic<uint64_t> prefix_hits{0};           // ... of which reused at least one token
    std::atomic<int64_t> slots_active{0};
    std::atomic<int64_t> queue_depth{0};
    std::atomic<uint64_t> decode_microseconds{0};   // time inside batched decode calls
    std::atomic<uint64_t> prefill_microseconds{0};  // time inside prefill chunks
    std::atomic<uint64_t> preemptions{0};        // running jobs whose KV was freed for memory (re-run later)
    std::atomic<uint64_t> prefix_evictions{0};   // free slots' cached prefixes dropped for memory
    std::atomic<int64_t> kv_blocks_free{0};
    std::atomic<int64_t> kv_blocks_cached{0};    // held only by free slots' cached prefixes (reclaimable)
    int64_t kv_blocks_total = 0, kv_block_size = 0;
    int64_t slots_total = 0;

    std::string prometheus_text() const;
};

}  // namespace loom::server
