// n-gram blocking (HF no_repeat_ngram_size): the next token may not complete an n-gram that already occurs in
// the sequence. With the sequence s[0..L) and n, every window s[i..i+n) whose first n-1 ids equal the last
// n-1 ids s[L-n+1..L) bans its own last id s[i+n-1]. Only whole windows count, so the suffix never bans the
// token that would follow itself.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace loom {

// The ids that would repeat an n-gram of `sequence` (ascending, without duplicates; ids are not
// range-checked). Empty when n <= 0 or the sequence is shorter than n.
std::vector<int32_t> repeated_ngram_bans(std::span<const int32_t> sequence, int32_t n);

// Sets scores[id] = -inf for every banned id inside [0, n_vocab). scores: [n_vocab].
void ban_repeated_ngrams(std::span<const int32_t> sequence, int32_t n, float* scores, int64_t n_vocab);

}  // namespace loom
