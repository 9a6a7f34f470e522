#include "server/prefix_reuse.h"

#include <algorithm>

namespace loom::server {

int64_t common_prefix_length(std::span<const int32_t> a, std::span<const int32_t> b) {
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return static_cast<int64_t>(i);
}

std::optional<ReusePlan> plan_prefix_reuse(std::span<const CachedSequence> slots,
                                           std::span<const int32_t> prompt, bool reuse, int64_t min_last_pass) {
    // The last prompt tokens always run (at least the last: its logits pick the first generated token).
    const int64_t n = static_cast<int64_t>(prompt.size());
    const int64_t limit = std::max<int64_t>(0, n - std::max<int64_t>(1, std::min(n, min_last_pass)));
    std::vector<int64_t> match(slots.size(), 0);  // [n_slots] reusable prefix per slot
    size_t best = 0;
    for (size_t i = 0; i < slots.size(); ++i) {
        match[i] = reuse ? std::min(limit, common_prefix_length(slots[i].tokens, prompt)) : 0;
        if (match[i] > match[best]) best = i;
    }
    const int64_t best_match = slots.empty() ? 0 : match[best];
    // 1. A free slot that continues where it stopped (everything it holds is a prefix of the prompt).
    if (best_match > 0)
        for (size_t i = 0; i < slots.size(); ++i)
            if (slots[i].free && match[i] == best_match && match[i] == static_cast<int64_t>(slots[i].tokens.size()))
                return ReusePlan{i, i, best_match};
    // 2. The least recently used free slot, empty slots first; the best match is copied into it.
    std::optional<size_t> target;
    for (size_t i = 0; i < slots.size(); ++i) {
        if (!slots[i].free) continue;
        if (!target) {
            target = i;
            continue;
        }
        const CachedSequence& t = slots[*target];
        const bool empty = slots[i].tokens.empty(), target_empty = t.tokens.empty();
        if ((empty && !target_empty) || (empty == target_empty && slots[i].last_used < t.last_used)) target = i;
    }
    if (!target) return std::nullopt;
    if (best_match == 0 || match[*target] == best_match)  // nothing better elsewhere: keep its own prefix
        return ReusePlan{*target, *target, match[*target]};
    return ReusePlan{*target, best, best_match};
}

}  // namespace loom::server
