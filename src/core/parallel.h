// Multi-threading: parallel_for over a range, run by loom's own pool (core/thread_pool.h says why not OpenMP):
// the range is split into at most num_threads() chunks that the caller and the workers take from a shared
// counter, so a worker descheduled by a competing process delays nothing it has not started.
#pragma once

#include <cstdint>
#include <functional>

namespace loom {

void set_num_threads(int n);  // <= 0: all hardware threads
int num_threads();

// Calls body(begin, end) on disjoint chunks covering [0, n), at most num_threads() chunks in parallel.
// min_chunk: do not split below this many items per chunk (small work runs on the calling thread).
// Rethrows (on the calling thread) the first exception a chunk threw, after every chunk has finished. Nested
// calls (from inside a body), and calls while another thread's parallel_for runs, run on the calling thread.
void parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& body);

}  // namespace loom
