// The scheduler: one thread that owns the model and advances up to N slots together (continuous batching).
// Every slot's KV cache is paged over ONE pool of fixed-size blocks (generate/kv_block_pool.h) sized by
// --kv-memory: a slot takes blocks as its sequence grows, so N (--parallel) is the most sequences at once and
// memory, not N x ctx, bounds what runs. When a step needs blocks the pool lacks, the scheduler first drops
// the cached prefixes of free slots (least recently used first), then preempts the most recently admitted
// running job (its blocks are freed; it later re-runs its prompt and the tokens it generated, and goes on
// where it was: its output is unchanged). Each iteration:
//   1. queued jobs take free slots, starting from the longest prefix of their prompt any slot already holds
//      (server/prefix_reuse.h); cancelled or timed-out jobs leave theirs;
//   2. one slot still reading its prompt prefills a chunk (<= prefill_chunk tokens), so a long prompt never
//      stalls the others for more than one chunk;
//   3. every slot that is generating decodes its next token in ONE DecoderModel::forward_batch call.
// A job joins or leaves between iterations; nothing waits for a batch to finish.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "generate/kv_block_pool.h"
#include "models/decoder_model.h"
#include "generate/grammar/token_mask.h"
#include "server/job.h"
#include "server/metrics.h"
#include "server/prefix_reuse.h"
#include "tokenizer/tokenizer.h"

namespace loom::server {

struct SchedulerConfig {
    int32_t n_slots = 4;
    int64_t n_ctx = 2048;         // per slot
    int32_t prefill_chunk = 256;  // prompt tokens per prefill call
    size_t max_queue = 64;        // jobs waiting for a slot; more are refused
    bool prefix_cache = true;     // reuse the KV of prompt prefixes other jobs have run (--no-prefix-cache)
    int64_t kv_memory = 0;        // bytes of the KV block pool (--kv-memory); 0: n_slots x n_ctx positions
    int64_t kv_block_size = 16;   // positions per KV block
    // A prompt's last pass runs at least this many of its tokens (all, when it has fewer): after a reused
    // prefix and after the --prefill-chunk split. The kernels pick their path by the rows of a pass (int8 /
    // f32 GEMM from 4..64 rows by weight type, blocked attention from 4 queries), so a last pass of a few
    // tokens rounds differently from `loom run`'s one pass over the prompt and a greedy output could change
    // at a near-tie; 64 rows take the same paths as a whole prompt of 64 or more tokens.
    int64_t min_last_pass = 64;
};

class Scheduler {
  public:
    Scheduler(DecoderModel& model, const Tokenizer& tokenizer, std::vector<int32_t> end_of_generation,
              SchedulerConfig config, Metrics& metrics);
    ~Scheduler();  // cancels everything and joins the thread

    enum class Admission { Accepted, QueueFull, ShuttingDown };
    // Queues the job; its events arrive through job->pop(). Jobs of one request (n > 1) go in together.
    Admission submit(std::vector<std::shared_ptr<Job>> jobs);

    // Stop accepting; jobs already queued or running continue.
    void stop_accepting();
    // True when nothing is queued or running.
    bool idle() const;
    // Cancels every queued and running job (they end with an Error event "cancelled").
    void cancel_all();

    // Runs `task` on the scheduler thread between two iterations, while no slot touches the model (for work
    // that changes the model's state, such as installing an attention hook), and waits for it. Rethrows what
    // the task throws; throws loom::Error when the server shuts down before the task ran.
    void run_exclusive(const std::function<void(DecoderModel&)>& task);

    const SchedulerConfig& config() const { return config_; }

    // GET /slots: what each slot holds now, read between two iterations (run_exclusive).
    struct SlotInfo {
        int32_t id = 0;
        const char* state = "idle";  // idle | prefill | decode | resuming (re-running after a preemption)
        int64_t positions = 0;       // KV positions held (a finished job's cached prefix when idle)
        int64_t blocks = 0;          // KV blocks in its table (shared ones included)
        int64_t prompt_tokens = 0, cached_prompt_tokens = 0, generated_tokens = 0;  // its job's; 0 when idle
    };
    std::vector<SlotInfo> describe_slots();

  private:
    struct Slot;
    void loop();
    void run_exclusive_tasks();
    void admit_queued();
    void start_job(Slot& slot, std::shared_ptr<Job> job);
    void retire_cancelled();
    void prefill_one_chunk();
    size_t prefill_count(size_t remaining) const;  // tokens of the next prompt pass
    // KV memory (scheduler_memory.cpp): frees blocks until `needed` are free, dropping free slots' cached
    // prefixes, then preempting jobs admitted after `requester`; false when that is not enough.
    bool make_room(int64_t needed, const Slot& requester);
    bool drop_one_cached_prefix(const Slot* keep);
    bool preempt_one_after(const Slot& requester);
    void preempt(Slot& slot);  // frees its blocks; it re-runs what it had (prompt, generated tokens) later
    int64_t droppable_blocks(const Slot* keep) const;  // blocks free slots' cached prefixes alone hold
    bool older_job_running(const Slot& slot) const;
    void publish_kv_metrics();
    void decode_batch();
    void sample_and_emit(Slot& slot, std::span<const float> logits);
    void emit_or_fail(Slot& slot, std::span<const float> logits);  // sample_and_emit; a throw fails that job
    void fail_running(const std::exception_ptr& failure);          // every job in a slot ends with an error
    void release_tail(Slot& slot);  // the text held back (partial characters, a possible stop string)
    void finish(Slot& slot, JobEvent event);

    DecoderModel& model_;
    const Tokenizer& tokenizer_;
    std::vector<int32_t> end_of_generation_;
    std::shared_ptr<const grammar::TokenTrie> grammar_trie_;  // the vocabulary as bytes, built at the first
                                                              // constrained request (scheduler thread only)
    SchedulerConfig config_;
    Metrics& metrics_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Job>> queue_;
    std::deque<std::packaged_task<void(DecoderModel&)>> exclusive_;  // run_exclusive's tasks, in order
    bool accepting_ = true, quit_ = false, cancel_running_ = false;
    int64_t running_ = 0;  // slots in use (read by idle())

    std::unique_ptr<KvBlockPool> kv_pool_;      // every slot's blocks (declared before slots_: outlives them)
    std::vector<std::unique_ptr<Slot>> slots_;  // touched by the scheduler thread only
    size_t next_prefill_ = 0;                   // round-robin over prefilling slots
    uint64_t use_clock_ = 0;                    // stamps Slot::last_used (LRU over cached prefixes)
    uint64_t admit_clock_ = 0;                  // stamps Slot::admitted (preemption: the latest first)
    std::vector<float> batch_logits_;           // [n_slots, n_vocab]
    std::thread thread_;
};

}  // namespace loom::server
