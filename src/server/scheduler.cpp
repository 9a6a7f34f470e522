#include "server/scheduler.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "generate/grammar/grammar_sampler.h"
#include "generate/sampler.h"
#include "generate/sampler_chain.h"
#include "generate/sampler_top_probs.h"
#include "generate/stop_strings.h"

namespace loom::server {

struct Scheduler::Slot {
    explicit Slot(KvCache c) : cache(std::move(c)) {}
    enum class State { Free, Prefill, Decode };

    KvCache cache;  // [n_layer, n_head_kv, n_ctx, head_dim], reused by every job this slot runs
    State state = State::Free;
    std::shared_ptr<Job> job;
    std::unique_ptr<SamplerChain> sampler;
    std::unique_ptr<DecodeStream> stream;
    std::unique_ptr<StopStringMatcher> stops;
    size_t n_prefilled = 0;     // prompt tokens in the cache
    int32_t n_generated = 0;    // tokens sampled (end-of-generation not counted)
    int32_t next_token = -1;    // sampled, to be run by the next decode step
    std::vector<float> logits;  // [n_vocab] after a prefill chunk
};

namespace {

int64_t micros_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
}

JobEvent scheduler_error_event(std::string finish_reason, std::string message) {
    return JobEvent{JobEvent::Kind::Error, -1, "", 0, {}, std::move(finish_reason), std::move(message)};
}

// What an exception on the scheduler thread means for the job it hit: "invalid_request" when the request's
// own settings caused it (answered 400), "error" otherwise (500). Never rethrows: the scheduler thread must
// live.
JobEvent scheduler_failure_event(const std::exception_ptr& failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const NoTokenLeftError& e) {
        return scheduler_error_event("invalid_request", e.what());
    } catch (const std::bad_alloc&) {
        return scheduler_error_event("error", "the server ran out of memory while running this request");
    } catch (const std::exception& e) {
        return scheduler_error_event("error", e.what());
    } catch (...) {
        return scheduler_error_event("error",
                                     "internal error (an unknown exception on the scheduler thread)");
    }
}

}  // namespace

Scheduler::Scheduler(DecoderModel& model, const Tokenizer& tokenizer, std::vector<int32_t> end_of_generation,
                     SchedulerConfig config, Metrics& metrics)
    : model_(model),
      tokenizer_(tokenizer),
      end_of_generation_(std::move(end_of_generation)),
      config_(config),
      metrics_(metrics) {
    if (config_.n_slots <= 0) throw Error("--slots must be positive, got " + std::to_string(config_.n_slots));
    if (config_.n_ctx <= 1) throw Error("--ctx must be at least 2, got " + std::to_string(config_.n_ctx));
    if (config_.prefill_chunk <= 0) throw Error("prefill chunk must be positive");
    const int64_t n_vocab = model_.config().n_vocab;
    for (int32_t i = 0; i < config_.n_slots; ++i) {
        slots_.push_back(std::make_unique<Slot>(model_.make_cache(config_.n_ctx)));
        slots_.back()->logits.resize(n_vocab);
    }
    batch_logits_.resize(static_cast<size_t>(config_.n_slots) * n_vocab);
    metrics_.slots_total = config_.n_slots;
    thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() {
    {
        std::lock_guard lock(mutex_);
        quit_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

Scheduler::Admission Scheduler::submit(std::vector<std::shared_ptr<Job>> jobs) {
    {
        std::lock_guard lock(mutex_);
        if (!accepting_) return Admission::ShuttingDown;
        if (queue_.size() + jobs.size() > config_.max_queue) return Admission::QueueFull;
        for (auto& job : jobs) queue_.push_back(std::move(job));
        metrics_.queue_depth.store(static_cast<int64_t>(queue_.size()));
    }
    wake_.notify_all();
    return Admission::Accepted;
}

void Scheduler::stop_accepting() {
    std::lock_guard lock(mutex_);
    accepting_ = false;
}

bool Scheduler::idle() const {
    std::lock_guard lock(mutex_);
    return queue_.empty() && running_ == 0 && exclusive_.empty();
}

void Scheduler::cancel_all() {
    {
        std::lock_guard lock(mutex_);
        for (auto& job : queue_) job->cancel();
        cancel_running_ = true;
    }
    wake_.notify_all();
}

void Scheduler::loop() {
    while (true) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return quit_ || running_ > 0 || !queue_.empty() || !exclusive_.empty(); });
            if (quit_) break;
        }
        // The stages fail one job where they can; whatever escapes them fails the jobs running now, never the
        // server (an exception leaving this thread would end the process).
        try {
            run_exclusive_tasks();
            admit_queued();
            retire_cancelled();
            prefill_one_chunk();
            decode_batch();
        } catch (...) {
            fail_running(std::current_exception());
        }
    }
    // Shutting down: whatever is left ends as cancelled, so no HTTP thread waits forever.
    for (auto& slot : slots_)
        if (slot->job)
            finish(*slot,
                   JobEvent{JobEvent::Kind::Error, -1, "", 0, {}, "cancelled", "server shutting down"});
    std::lock_guard lock(mutex_);
    for (auto& job : queue_)
        job->push(JobEvent{JobEvent::Kind::Error, -1, "", 0, {}, "cancelled", "server shutting down"});
    metrics_.queue_depth.store(0);
    queue_.clear();
    exclusive_.clear();  // their futures report broken_promise: run_exclusive turns that into an Error
}

void Scheduler::run_exclusive(const std::function<void(DecoderModel&)>& task) {
    std::packaged_task<void(DecoderModel&)> packaged(task);
    std::future<void> done = packaged.get_future();
    {
        std::lock_guard lock(mutex_);
        if (quit_ || !accepting_) throw Error("the server is shutting down");
        exclusive_.push_back(std::move(packaged));
    }
    wake_.notify_all();
    try {
        done.get();
    } catch (const std::future_error&) {
        throw Error("the server shut down before this request ran");
    }
}

void Scheduler::run_exclusive_tasks() {
    while (true) {
        std::packaged_task<void(DecoderModel&)> task;
        {
            std::lock_guard lock(mutex_);
            if (exclusive_.empty()) return;
            task = std::move(exclusive_.front());
            exclusive_.pop_front();
        }
        task(model_);  // an exception is stored in the task's future, for the caller
    }
}

void Scheduler::admit_queued() {
    for (auto& slot_ptr : slots_) {
        Slot& slot = *slot_ptr;
        if (slot.state != Slot::State::Free) continue;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) return;
            slot.job = std::move(queue_.front());
            queue_.pop_front();
            ++running_;
            metrics_.queue_depth.store(static_cast<int64_t>(queue_.size()));
        }
        metrics_.slots_active.fetch_add(1);
        const JobSpec& spec = slot.job->spec();
        slot.cache.clear();
        slot.n_prefilled = 0;
        slot.n_generated = 0;
        slot.next_token = -1;
        slot.state = Slot::State::Prefill;
        try {
            if (spec.prompt.empty() || static_cast<int64_t>(spec.prompt.size()) >= config_.n_ctx)
                throw Error("prompt of " + std::to_string(spec.prompt.size()) +
                            " tokens does not fit the context");
            slot.sampler = make_sampler_chain(spec.sampling);
            if (spec.grammar) {
                if (!grammar_trie_)
                    grammar_trie_ = std::make_shared<const grammar::TokenTrie>(grammar::TokenBytes::from_tokenizer(tokenizer_));
                auto stage = std::make_unique<grammar::GrammarSampler>(spec.grammar, grammar_trie_, end_of_generation_);
                // the answer closes within max_tokens and the context left after the prompt
                stage->set_token_budget(std::min<int64_t>(spec.max_tokens,
                                                          config_.n_ctx - static_cast<int64_t>(spec.prompt.size())));
                slot.sampler->add_front(std::move(stage));
            }
            slot.stream = std::make_unique<DecodeStream>(tokenizer_, /*skip_special_tokens=*/true);
            slot.stops = std::make_unique<StopStringMatcher>(spec.stop);
        } catch (const std::exception& e) {  // the job's own prompt or settings are unusable
            finish(slot, scheduler_error_event("invalid_request", e.what()));
        }
    }
}

void Scheduler::retire_cancelled() {
    bool cancel_everything;
    {
        std::lock_guard lock(mutex_);
        cancel_everything = std::exchange(cancel_running_, false);
    }
    const auto now = Clock::now();
    for (auto& slot : slots_) {
        if (!slot->job) continue;
        if (cancel_everything || slot->job->cancelled())
            finish(*slot, JobEvent{JobEvent::Kind::Error, -1, "", 0, {}, "cancelled", "request cancelled"});
        else if (now > slot->job->spec().deadline)
            finish(*slot, JobEvent{JobEvent::Kind::Error,
                                   -1,
                                   "",
                                   0,
                                   {},
                                   "timeout",
                                   "the request ran past the server's time limit"});
    }
}

void Scheduler::prefill_one_chunk() {
    const size_t n = slots_.size();
    for (size_t k = 0; k < n; ++k) {
        Slot& slot = *slots_[(next_prefill_ + k) % n];
        if (slot.state != Slot::State::Prefill) continue;
        next_prefill_ = (next_prefill_ + k + 1) % n;
        const std::vector<int32_t>& prompt = slot.job->spec().prompt;
        const size_t count = std::min<size_t>(config_.prefill_chunk, prompt.size() - slot.n_prefilled);
        const auto t0 = Clock::now();
        try {
            model_.forward(std::span<const int32_t>(prompt).subspan(slot.n_prefilled, count), slot.cache,
                           slot.logits.data(), /*all_logits=*/false);
        } catch (...) {
            finish(slot, scheduler_failure_event(std::current_exception()));
            return;
        }
        metrics_.prefill_microseconds.fetch_add(micros_since(t0));
        metrics_.prefill_chunks.fetch_add(1);
        metrics_.prompt_tokens.fetch_add(count);
        slot.n_prefilled += count;
        if (slot.n_prefilled == prompt.size()) emit_or_fail(slot, slot.logits);
        return;
    }
}

void Scheduler::decode_batch() {
    std::vector<Slot*> batch;
    std::vector<int32_t> tokens;   // [B]
    std::vector<KvCache*> caches;  // [B]
    for (auto& slot : slots_)
        if (slot->state == Slot::State::Decode) {
            batch.push_back(slot.get());
            tokens.push_back(slot->next_token);
            caches.push_back(&slot->cache);
        }
    if (batch.empty()) return;
    const auto t0 = Clock::now();
    try {
        model_.forward_batch(tokens, caches, batch_logits_.data());
    } catch (...) {
        const JobEvent failed = scheduler_failure_event(std::current_exception());
        for (Slot* slot : batch) finish(*slot, failed);
        return;
    }
    metrics_.decode_microseconds.fetch_add(micros_since(t0));
    metrics_.decode_steps.fetch_add(1);
    metrics_.decode_batch_rows.fetch_add(batch.size());
    const size_t n_vocab = static_cast<size_t>(model_.config().n_vocab);
    for (size_t b = 0; b < batch.size(); ++b)
        emit_or_fail(*batch[b], std::span<const float>(batch_logits_).subspan(b * n_vocab, n_vocab));
}

void Scheduler::emit_or_fail(Slot& slot, std::span<const float> logits) {
    try {
        sample_and_emit(slot, logits);
    } catch (...) {  // one job's bad settings end that job only; the other slots of the batch go on
        if (slot.job) finish(slot, scheduler_failure_event(std::current_exception()));
    }
}

void Scheduler::fail_running(const std::exception_ptr& failure) {
    const JobEvent failed = scheduler_failure_event(failure);
    for (auto& slot : slots_)
        if (slot->job) finish(*slot, failed);
}

void Scheduler::sample_and_emit(Slot& slot, std::span<const float> logits) {
    const JobSpec& spec = slot.job->spec();
    JobEvent event;
    event.kind = JobEvent::Kind::Token;
    const int32_t token = slot.sampler->sample(logits);
    event.token = token;
    slot.sampler->accept(token);
    metrics_.generated_tokens.fetch_add(1);
    if (spec.logprobs || spec.top_logprobs > 0) {
        // log softmax of the raw logits (the model's distribution, before any sampler stage)
        const float max_logit = *std::max_element(logits.begin(), logits.end());
        double sum = 0.0;
        for (float l : logits) sum += std::exp(static_cast<double>(l - max_logit));
        const double log_z = max_logit + std::log(sum);
        event.logprob = static_cast<float>(logits[event.token] - log_z);
        for (const TokenProbability& tp : top_probabilities(logits, spec.top_logprobs))
            event.top.push_back({tp.id, static_cast<float>(logits[tp.id] - log_z)});
    }
    const bool end_of_generation =
        !spec.ignore_eos && std::find(end_of_generation_.begin(), end_of_generation_.end(), event.token) !=
                                end_of_generation_.end();
    auto release_tail = [&](const std::string& pending) {
        StopStringMatcher::Result r = slot.stops->push(pending);
        std::string tail = r.text + (r.stopped ? "" : slot.stops->flush());
        if (!tail.empty()) slot.job->push(JobEvent{JobEvent::Kind::Text, -1, tail, 0, {}, "", ""});
    };
    if (end_of_generation) {  // the end token itself is not part of the reply
        release_tail(slot.stream->flush());
        finish(slot, JobEvent{JobEvent::Kind::Done, -1, "", 0, {}, "stop", ""});
        return;
    }
    ++slot.n_generated;
    StopStringMatcher::Result r = slot.stops->push(slot.stream->step(event.token));
    event.text = std::move(r.text);
    slot.job->push(std::move(event));
    if (r.stopped) {
        finish(slot, JobEvent{JobEvent::Kind::Done, -1, "", 0, {}, "stop", ""});
    } else if (slot.n_generated >= spec.max_tokens || slot.cache.size() >= slot.cache.n_ctx()) {
        release_tail(slot.stream->flush());
        finish(slot, JobEvent{JobEvent::Kind::Done, -1, "", 0, {}, "length", ""});
    } else {
        slot.next_token = token;
        slot.state = Slot::State::Decode;
    }
}

void Scheduler::finish(Slot& slot, JobEvent event) {
    event.n_prompt = static_cast<int64_t>(slot.job->spec().prompt.size());
    event.n_generated = slot.n_generated;
    if (event.kind == JobEvent::Kind::Done)
        metrics_.jobs_completed.fetch_add(1);
    else
        metrics_.jobs_cancelled.fetch_add(1);
    // The slot is freed before the last event goes out: whoever has received a job's final event sees the
    // scheduler without it (idle(), /metrics), with no window where both are true.
    const std::shared_ptr<Job> job = std::move(slot.job);
    slot.job.reset();
    slot.sampler.reset();
    slot.stream.reset();
    slot.stops.reset();
    slot.state = Slot::State::Free;
    metrics_.slots_active.fetch_sub(1);
    {
        std::lock_guard lock(mutex_);
        --running_;
    }
    job->push(std::move(event));
}

}  // namespace loom::server
