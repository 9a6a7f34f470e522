// A generation job: what one choice of one request asks for, and the channel its events flow back through.
// The HTTP thread that owns the request creates it, submits it to the Scheduler and reads events; the
// scheduler thread writes them. cancel() may be called from either side at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "generate/grammar/grammar.h"
#include "generate/sampling_params.h"

namespace loom::server {

using Clock = std::chrono::steady_clock;

struct JobSpec {
    std::vector<int32_t> prompt;  // [n_prompt] ids, BOS / template tokens included
    SamplingParams sampling;
    int32_t max_tokens = 16;
    std::vector<std::string> stop;
    bool ignore_eos = false;
    size_t top_logprobs = 0;  // alternatives per token (0: none)
    bool logprobs = false;    // report each token's log-probability
    Clock::time_point deadline = Clock::time_point::max();
    std::shared_ptr<const grammar::Grammar> grammar;  // response_format / grammar; null: unconstrained
};

struct TopLogprob {
    int32_t id;
    float logprob;
};

struct JobEvent {
    enum class Kind { Token, Text, Done, Error } kind = Kind::Text;
    int32_t token = -1;    // Token: the sampled id
    std::string text;      // Token / Text: new visible text (may be "")
    float logprob = 0.0f;  // Token: log softmax(raw logits)[token]
    std::vector<TopLogprob> top;
    std::string finish_reason;  // Done: "stop" | "length"; Error: "timeout" | "cancelled" | "error"
    std::string error;          // Error: message
    int64_t n_prompt = 0, n_generated = 0;  // Done / Error
    int64_t n_cached = 0;                   // Done / Error: prompt tokens reused from the KV cache
    int32_t choice = 0;                     // which of the request's n choices
};

// Where the events of one request's jobs (its n choices) arrive, each tagged with its choice index.
class EventChannel {
  public:
    void push(JobEvent event) {
        {
            std::lock_guard lock(mutex_);
            events_.push_back(std::move(event));
        }
        ready_.notify_one();
    }
    // Waits up to `timeout` for the next event; nullopt when none came.
    std::optional<JobEvent> pop(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!ready_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return std::nullopt;
        JobEvent e = std::move(events_.front());
        events_.pop_front();
        return e;
    }

  private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<JobEvent> events_;
};

class Job {
  public:
    Job(JobSpec spec, std::shared_ptr<EventChannel> channel, int32_t choice)
        : spec_(std::move(spec)), channel_(std::move(channel)), choice_(choice) {}
    const JobSpec& spec() const { return spec_; }

    void cancel() { cancelled_.store(true); }
    bool cancelled() const { return cancelled_.load(); }

    void push(JobEvent event) {
        event.choice = choice_;
        channel_->push(std::move(event));
    }

  private:
    JobSpec spec_;
    std::shared_ptr<EventChannel> channel_;
    int32_t choice_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace loom::server
