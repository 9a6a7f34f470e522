// Per-client limits of `loom serve` (client_limits.h): the request-rate token bucket and the cap on a
// client's open connections. Time is passed in, so nothing here depends on the clock.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/client_limits.h"

namespace loom::server {
namespace {

using Clock = ClientLimits::Clock;

TEST(ClientLimits, OffByDefault) {
    ClientLimits limits(ClientLimitsConfig{});
    const Clock::time_point t0{};
    for (int i = 0; i < 10000; ++i) ASSERT_EQ(limits.take_request("10.0.0.1", t0), 0);
    std::vector<std::shared_ptr<void>> open;
    for (int i = 0; i < 1000; ++i) {
        open.push_back(limits.open_connection("10.0.0.1"));
        ASSERT_NE(open.back(), nullptr);
    }
    EXPECT_EQ(limits.tracked_clients(), 0u);
}

TEST(ClientLimits, BurstOfNThenRefusedWithRetryAfter) {
    ClientLimits limits(ClientLimitsConfig{6, 0});  // 6 a minute: one token every 10 s
    const Clock::time_point t0{};
    for (int i = 0; i < 6; ++i) EXPECT_EQ(limits.take_request("10.0.0.1", t0), 0) << i;
    EXPECT_EQ(limits.take_request("10.0.0.1", t0), 10);  // the next token is 10 s away
    EXPECT_EQ(limits.take_request("10.0.0.1", t0 + std::chrono::seconds(4)), 6);
    // Another client has its own bucket.
    EXPECT_EQ(limits.take_request("10.0.0.2", t0), 0);
    // After 10 s one request more, not two.
    EXPECT_EQ(limits.take_request("10.0.0.1", t0 + std::chrono::seconds(10)), 0);
    EXPECT_GT(limits.take_request("10.0.0.1", t0 + std::chrono::seconds(10)), 0);
    // A full minute later the whole burst again (the bucket never holds more than N).
    const Clock::time_point later = t0 + std::chrono::minutes(5);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(limits.take_request("10.0.0.1", later), 0) << i;
    EXPECT_GT(limits.take_request("10.0.0.1", later), 0);
}

TEST(ClientLimits, RefusedRequestsTakeNoToken) {
    ClientLimits limits(ClientLimitsConfig{60, 0});  // one a second
    const Clock::time_point t0{};
    for (int i = 0; i < 60; ++i) ASSERT_EQ(limits.take_request("a", t0), 0);
    for (int i = 0; i < 100; ++i) ASSERT_EQ(limits.take_request("a", t0), 1);
    EXPECT_EQ(limits.take_request("a", t0 + std::chrono::seconds(1)), 0);
}

TEST(ClientLimits, IdleClientsAreForgotten) {
    ClientLimits limits(ClientLimitsConfig{60, 0});
    const Clock::time_point t0{};
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(limits.take_request("client-" + std::to_string(i), t0), 0);
    // Two minutes on every bucket is full again: the next prune drops them all.
    const Clock::time_point later = t0 + std::chrono::minutes(2);
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(limits.take_request("new-" + std::to_string(i), later), 0);
    EXPECT_LT(limits.tracked_clients(), 3000u + 1024u);
}

TEST(ClientLimits, ConnectionCapCountsOpenOnes) {
    ClientLimits limits(ClientLimitsConfig{0, 2});
    auto a = limits.open_connection("10.0.0.1");
    auto b = limits.open_connection("10.0.0.1");
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(limits.open_connection("10.0.0.1"), nullptr);
    EXPECT_NE(limits.open_connection("10.0.0.2"), nullptr);  // another client
    a.reset();                                               // one closes: room for one more
    auto c = limits.open_connection("10.0.0.1");
    EXPECT_NE(c, nullptr);
    EXPECT_EQ(limits.open_connection("10.0.0.1"), nullptr);
    b.reset();
    c.reset();
    EXPECT_EQ(limits.tracked_clients(), 0u);  // nothing kept for a client with no connection
}

}  // namespace
}  // namespace loom::server
