#include "server/scheduler.h"
#include "server/scheduler_slot.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "generate/grammar/grammar_sampler.h"
#include "generate/sampler.h"
#include "generate/sampler_chain.h"
#include "generate/sampler_top_probs.h"
#include "generate/stop_strings.h"

namespace loom::server {

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
    if (config_.kv_block_size <= 0) throw Error("the KV block size must be positive");
    if (config_.kv_memory < 0) throw Error("--kv-memory must not be negative");
    const ModelConfig& mc = model_.config();
    const int64_t bs = config_.kv_block_size;
    const size_t block_bytes = KvBlockPool::block_bytes(mc.n_layer, mc.n_head_kv, mc.head_dim, bs);
    // Default: what n_slots caches of n_ctx positions took before the pool existed.
    const int64_t n_blocks = config_.kv_memory > 0 ? config_.kv_memory / static_cast<int64_t>(block_bytes)
                                                   : config_.n_slots * ((config_.n_ctx + bs - 1) / bs);
    if (n_blocks < 1)
        throw Error("--kv-memory " + std::to_string(config_.kv_memory) + " bytes holds no KV block of " +
                    std::to_string(block_bytes) + " bytes (" + std::to_string(bs) + " positions)")
            .hint("give at least " + std::to_string(block_bytes) + " bytes, e.g. --kv-memory 64M");
    kv_pool_ = std::make_unique<KvBlockPool>(mc.n_layer, mc.n_head_kv, mc.head_dim, bs, n_blocks);
    metrics_.kv_blocks_total = n_blocks;
    metrics_.kv_block_size = bs;
    metrics_.kv_blocks_free.store(n_blocks);
    const int64_t n_vocab = model_.config().n_vocab;
    for (int32_t i = 0; i < config_.n_slots; ++i) {
        slots_.push_back(std::make_unique<Slot>(KvCache(*kv_pool_, config_.n_ctx)));
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
        publish_kv_metrics();
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
    while (true) {
        std::vector<CachedSequence> sequences;  // [n_slots]
        for (auto& slot : slots_)
            sequences.push_back({slot->cached, slot->state == Slot::State::Free, slot->last_used});
        std::shared_ptr<Job> job;
        std::optional<ReusePlan> plan;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) return;
            plan = plan_prefix_reuse(sequences, queue_.front()->spec().prompt, config_.prefix_cache,
                                     config_.min_last_pass);
            if (!plan) return;
            job = std::move(queue_.front());
            queue_.pop_front();
            ++running_;
            metrics_.queue_depth.store(static_cast<int64_t>(queue_.size()));
        }
        Slot& slot = *slots_[plan->target];
        metrics_.slots_active.fetch_add(1);
        slot.state = Slot::State::Prefill;
        slot.job = std::move(job);
        slot.n_reused = 0;
        slot.resuming = false;
        slot.admitted = ++admit_clock_;
        try {
            // Positions past n_reused are overwritten by this job's own prompt (paged over one pool, the
            // prefix's blocks are shared, not copied).
            const Slot& source = *slots_[plan->source];
            slot.cache.copy_prefix_from(source.cache, plan->n_reused);
            if (&source != &slot) slot.cached = source.cached;
            slot.cached.resize(static_cast<size_t>(plan->n_reused));
        } catch (...) {
            slot.cache.clear();
            slot.cached.clear();
            finish(slot, scheduler_failure_event(std::current_exception()));
            continue;
        }
        // Admission by memory: the prompt's blocks must be free, or held by free slots' cached prefixes only,
        // with one block to spare per running sequence (its next decode step may open a block).
        const std::vector<int32_t>& prompt = slot.job->spec().prompt;
        const int64_t needed = slot.cache.blocks_to_write(
            plan->n_reused, static_cast<int64_t>(prompt.size()) - plan->n_reused);
        int64_t n_running = 0;
        for (auto& other : slots_) n_running += other.get() != &slot && other->job != nullptr;
        const bool fits = kv_pool_->n_free() + droppable_blocks(&slot) >= needed + n_running;
        if (!fits && n_running > 0) {  // wait for memory, at the head of the queue
            std::shared_ptr<Job> waiting = std::move(slot.job);
            slot.state = Slot::State::Free;
            metrics_.slots_active.fetch_sub(1);
            std::lock_guard lock(mutex_);
            queue_.push_front(std::move(waiting));
            --running_;
            metrics_.queue_depth.store(static_cast<int64_t>(queue_.size()));
            return;
        }
        if (!make_room(needed, slot)) {  // nothing else runs: this prompt can never fit
            finish(slot, scheduler_error_event(
                             "invalid_request",
                             "the prompt needs " + std::to_string(needed) + " KV blocks of " +
                                 std::to_string(kv_pool_->block_size()) + " positions; the server's KV memory " +
                                 "holds " + std::to_string(kv_pool_->n_blocks()) + " (raise --kv-memory)"));
            continue;
        }
        slot.n_reused = plan->n_reused;
        if (config_.prefix_cache) {
            metrics_.prefix_lookups.fetch_add(1);
            if (plan->n_reused > 0) metrics_.prefix_hits.fetch_add(1);
            metrics_.prompt_tokens_cached.fetch_add(static_cast<uint64_t>(plan->n_reused));
        }
        start_job(slot, slot.job);
    }
}

void Scheduler::start_job(Slot& slot, std::shared_ptr<Job> job) {
    const JobSpec& spec = job->spec();
    slot.last_used = ++use_clock_;
    slot.n_prefilled = static_cast<size_t>(slot.n_reused);
    slot.replay.clear();
    slot.n_generated = 0;
    slot.next_token = -1;
    try {
        if (spec.prompt.empty() || static_cast<int64_t>(spec.prompt.size()) >= config_.n_ctx)
            throw Error("prompt of " + std::to_string(spec.prompt.size()) + " tokens does not fit the context");
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

size_t Scheduler::prefill_count(size_t remaining) const {
    const size_t chunk = static_cast<size_t>(config_.prefill_chunk);
    const size_t tail = static_cast<size_t>(std::max<int64_t>(1, config_.min_last_pass));
    if (remaining <= chunk) return remaining;
    // Leave the last pass at least `tail` tokens (see SchedulerConfig::min_last_pass); chunks smaller than
    // that (a test's, or a user's choice) are taken as they are.
    if (chunk >= tail && remaining - chunk < tail) return remaining - tail;
    return chunk;
}

void Scheduler::prefill_one_chunk() {
    const size_t n = slots_.size();
    for (size_t k = 0; k < n; ++k) {
        Slot& slot = *slots_[(next_prefill_ + k) % n];
        if (slot.state != Slot::State::Prefill) continue;
        // A new job runs its prompt; a preempted one re-runs everything it had (prompt + generated tokens).
        const std::vector<int32_t>& prompt = slot.resuming ? slot.replay : slot.job->spec().prompt;
        const size_t count = prefill_count(prompt.size() - slot.n_prefilled);
        if (!make_room(slot.cache.blocks_to_write(slot.cache.size(), static_cast<int64_t>(count)), slot)) {
            if (older_job_running(slot)) continue;  // they will finish and free memory: wait
            if (slot.resuming) {  // what it generated before the preemption no longer fits: it ends there
                release_tail(slot);
                finish(slot, JobEvent{JobEvent::Kind::Done, -1, "", 0, {}, "length", ""});
            } else {
                finish(slot, scheduler_error_event("invalid_request",
                                                   "the KV memory (--kv-memory) cannot hold this prompt"));
            }
            return;
        }
        next_prefill_ = (next_prefill_ + k + 1) % n;
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
        if (!slot.resuming) metrics_.prompt_tokens.fetch_add(count);
        slot.cached.insert(slot.cached.end(), prompt.begin() + static_cast<std::ptrdiff_t>(slot.n_prefilled),
                           prompt.begin() + static_cast<std::ptrdiff_t>(slot.n_prefilled + count));
        slot.n_prefilled += count;
        if (slot.n_prefilled == prompt.size()) {
            if (slot.resuming) {  // back where it was preempted: next_token is still to run
                slot.resuming = false;
                slot.replay.clear();
                slot.state = Slot::State::Decode;
            } else {
                emit_or_fail(slot, slot.logits);
            }
        }
        return;
    }
}

void Scheduler::decode_batch() {
    // Memory first, oldest job first: each decoding slot may open a block (or copy a shared one); younger
    // jobs are preempted to make room for older ones, and a job that cannot grow even then ends ("length").
    std::vector<Slot*> by_age;
    for (auto& slot : slots_)
        if (slot->state == Slot::State::Decode) by_age.push_back(slot.get());
    std::sort(by_age.begin(), by_age.end(), [](const Slot* a, const Slot* b) { return a->admitted < b->admitted; });
    int64_t needed = 0;
    for (Slot* slot : by_age) {
        if (slot->state != Slot::State::Decode) continue;  // preempted for an older one meanwhile
        const int64_t own = slot->cache.blocks_to_write(slot->cache.size(), 1);
        if (make_room(needed + own, *slot)) {
            needed += own;
        } else if (older_job_running(*slot)) {
            preempt(*slot);  // older jobs hold the memory: wait for them, then re-run and go on
        } else {
            release_tail(*slot);  // the oldest job fills the memory alone: as at the end of a context window
            finish(*slot, JobEvent{JobEvent::Kind::Done, -1, "", 0, {}, "length", ""});
        }
    }
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
    for (Slot* slot : batch) slot->cached.push_back(slot->next_token);
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
    if (end_of_generation) {  // the end token itself is not part of the reply
        release_tail(slot);
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
        release_tail(slot);
        finish(slot, JobEvent{JobEvent::Kind::Done, -1, "", 0, {}, "length", ""});
    } else {
        slot.next_token = token;
        slot.state = Slot::State::Decode;
    }
}

void Scheduler::release_tail(Slot& slot) {
    StopStringMatcher::Result r = slot.stops->push(slot.stream->flush());
    std::string tail = r.text + (r.stopped ? "" : slot.stops->flush());
    if (!tail.empty()) slot.job->push(JobEvent{JobEvent::Kind::Text, -1, tail, 0, {}, "", ""});
}

void Scheduler::finish(Slot& slot, JobEvent event) {
    event.n_prompt = static_cast<int64_t>(slot.job->spec().prompt.size());
    event.n_generated = slot.n_generated;
    event.n_cached = slot.n_reused;
    slot.last_used = ++use_clock_;
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
    slot.resuming = false;
    slot.replay.clear();
    metrics_.slots_active.fetch_sub(1);
    {
        std::lock_guard lock(mutex_);
        --running_;
    }
    job->push(std::move(event));
}

}  // namespace loom::server
