#include "generate/beam_ngram.h"

#include <algorithm>
#include <limits>

namespace loom {

std::vector<int32_t> repeated_ngram_bans(std::span<const int32_t> sequence, int32_t n) {
    std::vector<int32_t> banned;
    const int64_t len = static_cast<int64_t>(sequence.size());
    if (n <= 0 || len < n) return banned;
    // The n-1 ids a new n-gram would start with: the sequence's last n-1.
    const std::span<const int32_t> suffix = sequence.subspan(static_cast<size_t>(len - (n - 1)));
    // Windows start at 0 .. len-n: the window starting at the suffix itself would need one id more.
    for (int64_t start = 0; start + n <= len; ++start) {
        const auto window = sequence.subspan(static_cast<size_t>(start), static_cast<size_t>(n));
        if (std::equal(suffix.begin(), suffix.end(), window.begin())) banned.push_back(window[n - 1]);
    }
    std::sort(banned.begin(), banned.end());
    banned.erase(std::unique(banned.begin(), banned.end()), banned.end());
    return banned;
}

void ban_repeated_ngrams(std::span<const int32_t> sequence, int32_t n, float* scores, int64_t n_vocab) {
    for (int32_t id : repeated_ngram_bans(sequence, n))
        if (id >= 0 && id < n_vocab) scores[id] = -std::numeric_limits<float>::infinity();
}

}  // namespace loom
