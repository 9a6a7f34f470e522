// The scheduler's KV memory policy (see scheduler.h): which cached prefixes are dropped and which running
// job is preempted when a step needs more blocks than the pool has free.
#include <algorithm>

#include "server/scheduler_slot.h"

namespace loom::server {

bool Scheduler::make_room(int64_t needed, const Slot& requester) {
    while (kv_pool_->n_free() < needed) {
        if (drop_one_cached_prefix(&requester)) continue;
        if (preempt_one_after(requester)) continue;
        return false;
    }
    return true;
}

bool Scheduler::drop_one_cached_prefix(const Slot* keep) {
    Slot* oldest = nullptr;  // the least recently used free slot still holding blocks
    for (auto& slot : slots_)
        if (slot.get() != keep && slot->state == Slot::State::Free && slot->cache.blocks_held() > 0 &&
            (!oldest || slot->last_used < oldest->last_used))
            oldest = slot.get();
    if (!oldest) return false;
    oldest->cache.clear();
    oldest->cached.clear();
    metrics_.prefix_evictions.fetch_add(1);
    return true;
}

bool Scheduler::preempt_one_after(const Slot& requester) {
    Slot* latest = nullptr;  // the most recently admitted job after the requester that holds blocks
    for (auto& slot : slots_)
        if (slot.get() != &requester && slot->job && slot->admitted > requester.admitted &&
            slot->cache.blocks_held() > 0 &&
            (!latest || slot->admitted > latest->admitted))
            latest = slot.get();
    if (!latest) return false;
    preempt(*latest);
    return true;
}

void Scheduler::preempt(Slot& s) {
    if (s.state == Slot::State::Decode) {
        // Everything its cache held (prompt + generated tokens but next_token) is run again later.
        s.replay = s.cached;
        s.resuming = true;
    } else if (!s.resuming) {
        s.n_reused = 0;  // its prompt is prefilled from the start again
    }
    s.cache.clear();
    s.cached.clear();
    s.n_prefilled = 0;
    s.state = Slot::State::Prefill;
    metrics_.preemptions.fetch_add(1);
}

int64_t Scheduler::droppable_blocks(const Slot* keep) const {
    int64_t n = 0;
    for (const auto& slot : slots_)
        if (slot.get() != keep && slot->state == Slot::State::Free) n += slot->cache.blocks_owned();
    return n;
}

bool Scheduler::older_job_running(const Slot& slot) const {
    return std::any_of(slots_.begin(), slots_.end(), [&](const auto& other) {
        return other.get() != &slot && other->job && other->admitted < slot.admitted;
    });
}

std::vector<Scheduler::SlotInfo> Scheduler::describe_slots() {
    std::vector<SlotInfo> out;
    run_exclusive([&](DecoderModel&) {
        for (size_t i = 0; i < slots_.size(); ++i) {
            const Slot& s = *slots_[i];
            SlotInfo info;
            info.id = static_cast<int32_t>(i);
            info.state = s.state == Slot::State::Decode ? "decode"
                         : s.state == Slot::State::Free ? "idle"
                         : s.resuming                   ? "resuming"
                                                        : "prefill";
            info.positions = s.cache.size();
            info.blocks = s.cache.blocks_held();
            if (s.job) {
                info.prompt_tokens = static_cast<int64_t>(s.job->spec().prompt.size());
                info.cached_prompt_tokens = s.n_reused;
                info.generated_tokens = s.n_generated;
            }
            out.push_back(info);
        }
    });
    return out;
}

void Scheduler::publish_kv_metrics() {
    metrics_.kv_blocks_free.store(kv_pool_->n_free());
    metrics_.kv_blocks_cached.store(droppable_blocks(nullptr));
}

}  // namespace loom::server
