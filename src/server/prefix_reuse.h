// Prefix reuse across slots: which free slot a new prompt runs in, and which cached sequence's keys/values
// it starts from. Every slot keeps the tokens whose KV it holds after its job ends; a new prompt reuses the
// longest common prefix found in ANY slot (a free one's leftover conversation, or a running one's prompt),
// so a chat's next turn or a system prompt shared by many users is not recomputed.
//
// The choice, for prompt p (at most |p| - min_last_pass tokens are reused; the last one must run anyway):
//   1. a free slot whose whole content is a prefix of p and matches as long as the best source: run there,
//      no copy (the next turn of the conversation that slot served);
//   2. otherwise the least recently used free slot (empty ones first) is the target and the best-matching
//      slot's rows are copied into it, so a partly matching free slot keeps its longer conversation for
//      that conversation's next turn (LRU eviction: the least recently used content is overwritten first).
// This is the first step of the issue-20 design: copies of whole rows between per-slot caches rather than
// content-addressed blocks shared in place (docs/serving.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace loom::server {

struct CachedSequence {
    std::span<const int32_t> tokens;  // [n] ids whose keys/values the slot holds, positions 0..n-1
    bool free = false;                // no job: may be the target
    uint64_t last_used = 0;           // larger: used more recently
};

struct ReusePlan {
    size_t target = 0;     // the free slot the job runs in
    size_t source = 0;     // the slot whose first n_reused positions it starts from (== target: no copy)
    int64_t n_reused = 0;  // prompt tokens not recomputed
};

// Number of leading tokens a and b share.
int64_t common_prefix_length(std::span<const int32_t> a, std::span<const int32_t> b);

// The plan for `prompt` over `slots`; nullopt when no slot is free. The last min(|p|, min_last_pass) prompt
// tokens always run (at least the last one: its logits pick the first new token). With reuse off the target
// is still picked by LRU and n_reused is 0.
std::optional<ReusePlan> plan_prefix_reuse(std::span<const CachedSequence> slots,
                                           std::span<const int32_t> prompt, bool reuse,
                                           int64_t min_last_pass = 1);

}  // namespace loom::server
