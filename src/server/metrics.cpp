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
    metric(out, "loom_decode_seconds_total", "counter", "seconds spent in batched decode",
           decode_microseconds.load() * 1e-6);
    metric(out, "loom_prefill_seconds_total", "counter", "seconds spent prefilling",
           prefill_microseconds.load() * 1e-6);
    metric(out, "loom_slots_active", "gauge", "slots generating now",
           static_cast<double>(slots_active.load()));
    metric(out, "loom_slots_total", "gauge", "slots", static_cast<double>(slots_total));
    metric(out, "loom_queue_depth", "gauge", "requests waiting for a slot",
           static_cast<double>(queue_depth.load()));
    return out.str();
}

}  // namespace loom::server
