// Multi-threading. loom uses OpenMP (GCC's libgomp): a parallel-for over a range with a static split costs
// ~1-2 us per region on this class of machine, less than one matvec row block, and needs no pool of our own.
#pragma once

#include <cstdint>
#include <functional>

namespace loom {

void set_num_threads(int n);  // <= 0: all hardware threads
int num_threads();

// Calls body(begin, end) on disjoint chunks covering [0, n), at most num_threads() chunks in parallel.
// min_chunk: do not split below this many items per chunk (small work runs on the calling thread).
void parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& body);

}  // namespace loom
