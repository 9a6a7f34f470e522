// Scheduler::Slot: one sequence's place in the scheduler (its KV cache, the job running there and that job's
// decoding state). Shared by scheduler.cpp and scheduler_memory.cpp; touched by the scheduler thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "generate/kv_cache.h"
#include "generate/sampler_chain.h"
#include "generate/stop_strings.h"
#include "server/scheduler.h"
#include "tokenizer/tokenizer.h"

namespace loom::server {

struct Scheduler::Slot {
    explicit Slot(KvCache c) : cache(std::move(c)) {}
    enum class State { Free, Prefill, Decode };

    KvCache cache;  // paged over the scheduler's pool: up to n_ctx positions, reused by every job of the slot
    // [cache.size()] the ids whose keys/values the cache holds; kept after the job ends so a later prompt
    // that starts the same way reuses them (grows only after a forward succeeded).
    std::vector<int32_t> cached;
    uint64_t last_used = 0;  // Scheduler::use_clock_ when a job last started or ended here
    int64_t n_reused = 0;    // prompt tokens this job took from the cache instead of running them
    uint64_t admitted = 0;   // Scheduler::admit_clock_ at admission: the latest admitted is preempted first
    // After a preemption (Prefill state): the tokens to run again, the prompt and every generated token but
    // the last (next_token), after which the job decodes on as if never interrupted.
    bool resuming = false;
    std::vector<int32_t> replay;
    State state = State::Free;
    std::shared_ptr<Job> job;
    std::unique_ptr<SamplerChain> sampler;
    std::unique_ptr<DecodeStream> stream;
    std::unique_ptr<StopStringMatcher> stops;
    size_t n_prefilled = 0;     // tokens of the prompt (or the replay) in the cache
    int32_t n_generated = 0;    // tokens sampled (end-of-generation not counted)
    int32_t next_token = -1;    // sampled, to be run by the next decode step
    std::vector<float> logits;  // [n_vocab] after a prefill chunk
};

}  // namespace loom::server
