// parallel_for on loom's pool: every index covered once, exceptions reach the caller, nested and concurrent
// calls run correctly, and thousands of back-to-back small jobs (the decoding pattern) neither lose nor repeat
// chunks.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/parallel.h"
#include "core/thread_pool.h"

using namespace loom;

namespace {

TEST(ThreadPool, CoversEveryIndexOnce) {
    set_num_threads(3);
    for (int64_t n : {1, 2, 3, 7, 64, 1000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        parallel_for(n, 1, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        });
        for (int64_t i = 0; i < n; ++i) EXPECT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "n=" << n << " i=" << i;
    }
    set_num_threads(0);
}

TEST(ThreadPool, ManySmallJobsBackToBack) {
    set_num_threads(2);
    std::atomic<int64_t> total{0};
    for (int job = 0; job < 20000; ++job)
        parallel_for(8, 1, [&](int64_t b, int64_t e) { total.fetch_add(e - b); });
    EXPECT_EQ(total.load(), 20000 * 8);
    set_num_threads(0);
}

TEST(ThreadPool, ExceptionReachesTheCallerAfterEveryChunk) {
    set_num_threads(2);
    std::atomic<int> finished{0};
    EXPECT_THROW(parallel_for(4, 1,
                              [&](int64_t b, int64_t) {
                                  if (b == 0) throw std::runtime_error("chunk failed");
                                  finished.fetch_add(1);
                              }),
                 std::runtime_error);
    EXPECT_EQ(finished.load(), 1);  // 2 chunks: the other one ran to the end
    // The pool still works afterwards.
    std::atomic<int64_t> sum{0};
    parallel_for(100, 1, [&](int64_t b, int64_t e) { sum.fetch_add(e - b); });
    EXPECT_EQ(sum.load(), 100);
    set_num_threads(0);
}

TEST(ThreadPool, NestedCallsRunInline) {
    set_num_threads(2);
    std::atomic<int64_t> sum{0};
    parallel_for(4, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
            parallel_for(10, 1, [&](int64_t b2, int64_t e2) { sum.fetch_add(e2 - b2); });
    });
    EXPECT_EQ(sum.load(), 40);
    set_num_threads(0);
}

TEST(ThreadPool, ConcurrentCallersBothFinish) {
    set_num_threads(2);
    std::atomic<int64_t> a{0}, b{0};
    std::thread other([&] {
        for (int i = 0; i < 2000; ++i) parallel_for(16, 1, [&](int64_t s, int64_t e) { a.fetch_add(e - s); });
    });
    for (int i = 0; i < 2000; ++i) parallel_for(16, 1, [&](int64_t s, int64_t e) { b.fetch_add(e - s); });
    other.join();
    EXPECT_EQ(a.load(), 2000 * 16);
    EXPECT_EQ(b.load(), 2000 * 16);
    set_num_threads(0);
}

// With one thread the caller takes every chunk itself and no worker runs any.
TEST(ThreadPool, CallerRunsEverythingWithOneThread) {
    ThreadPool pool;
    const std::thread::id caller = std::this_thread::get_id();
    std::atomic<int> elsewhere{0};
    pool.run(100, 4, 1, [&](int64_t, int64_t) {
        if (std::this_thread::get_id() != caller) elsewhere.fetch_add(1);
    });
    EXPECT_EQ(elsewhere.load(), 0);
}

// A pool destroyed right after its workers were started (before they ran at all) must not hang on join: a
// worker that read the shutdown wake as its starting point slept through it once.
TEST(ThreadPool, DestroyedRightAfterStartDoesNotHang) {
    for (int i = 0; i < 300; ++i) {
        ThreadPool pool;
        std::atomic<int64_t> sum{0};
        pool.run(8, 4, 3, [&](int64_t b, int64_t e) { sum.fetch_add(e - b); });
        EXPECT_EQ(sum.load(), 8);
    }
}

}  // namespace
