#include "server/metrics.h"

#include <sstream>

namespace loom::server {
namespace {

void metric(std::ostringstream& out, const char* name, const char* type, const char* help, double value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
        << name << ' ' << value << '\n';
}

}  // namespace

std::string Metrics::prometheus_text() const {
    std::ostringstream out;
    out.precision(17);
    metric(out, "loom_requests_total", "counter", "HTTP requests routed", requests_total.load());
    metric(out, "loom_requests_errors_total", "counter", "requests answered with 4xx or 5xx",
           requests_errors.load());
    metric(out, "loom_requests_rejected_total", "counter", "requests refused because the queue was full",
           requests_rejected.load());
    metric(out, "loom_jobs_completed_total", "counter", "generations that reached a finish reason",
           jobs_completed.load());
    metric(out, "loom_jobs_cancelled_total", "counter",
           "generations cancelled (client gone, time limit, shutdown)", jobs_cancelled.load());
    metric(out, "loom_prompt_tokens_total", "counter", "prompt tokens prefilled", prompt_tokens.load());
    metric(out, "loom_tokens_generated_total", "counter", "tokens sampled", generated_tokens.load());
    metric(out, "loom_decode_steps_total", "counter", "batched decode calls", decode_steps.load());
    metric(out, "loom_decode_batch_rows_total", "counter", "sum of decode batch sizes",
           decode_batch_rows.load());
    metric(out, "loom_prefill_chunks_total", "counter", "prompt chunks prefilled", prefill_chunks.load());
    metric(out, "loom_prompt_tokens_cached_total", "counter", "prompt tokens reused from the KV cache",
           prompt_tokens_cached.load());
    metric(out, "loom_prefix_cache_lookups_total", "counter", "jobs that looked for a cached prompt prefix",
           prefix_lookups.load());
    metric(out, "loom_prefix_cache_hits_total", "counter", "jobs that reused a cached prompt prefix",
           prefix_hits.load());
    const uint64_t prompt_seen = prompt_tokens.load() + prompt_tokens_cached.load();
    metric(out, "loom_prefix_cache_hit_ratio", "gauge", "share of prompt tokens reused from the KV cache",
           prompt_seen == 0 ? 0.0 : static_cast<double>(prompt_tokens_cached.load()) / prompt_seen);
    metric(out, "loom_decode_seconds_total", "counter", "seconds spent in batched decode",
           decode_microseconds.load() * 1e-6);
    metric(out, "loom_prefill_seconds_total", "counter", "seconds spent prefilling",
           prefill_microseconds.load() * 1e-6);
    metric(out, "loom_kv_blocks_total", "gauge", "KV blocks in the pool (--kv-memory)",
           static_cast<double>(kv_blocks_total));
    metric(out, "loom_kv_block_size", "gauge", "positions per KV block", static_cast<double>(kv_block_size));
    metric(out, "loom_kv_blocks_free", "gauge", "KV blocks no sequence holds",
           static_cast<double>(kv_blocks_free.load()));
    metric(out, "loom_kv_blocks_used", "gauge", "KV blocks held by running or cached sequences",
           static_cast<double>(kv_blocks_total - kv_blocks_free.load()));
    metric(out, "loom_kv_blocks_cached", "gauge", "KV blocks held only by finished sequences' cached prefixes",
           static_cast<double>(kv_blocks_cached.load()));
    metric(out, "loom_preemptions_total", "counter", "running jobs whose KV was freed for memory and re-run",
           preemptions.load());
    metric(out, "loom_prefix_evictions_total", "counter", "cached prefixes dropped for memory",
           prefix_evictions.load());
    metric(out, "loom_slots_active", "gauge", "slots generating now",
           static_cast<double>(slots_active.load()));
    metric(out, "loom_slots_total", "gauge", "slots", static_cast<double>(slots_total));
    metric(out, "loom_queue_depth", "gauge", "requests waiting for a slot",
           static_cast<double>(queue_depth.load()));
    return out.str();
}

}  // namespace loom::server
