// Per-client limits of `loom serve`, keyed by the peer's IP address: a cap on the connections one client
// holds open at once, and a request rate (a token bucket: `requests_per_minute` tokens, refilled evenly over
// a minute, so a client may burst up to the whole minute's allowance and then gets one request every
// 60 / N seconds). Both are off (0) by default: see docs/security.md for why.
//
// Thread-safe. The intake asks take_request() once per request head; the accept path asks
// open_connection() once per connection and keeps the returned token for as long as the connection lives.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace loom::server {

struct ClientLimitsConfig {
    double requests_per_minute = 0;         // 0: no rate limit
    size_t max_connections_per_client = 0;  // 0: no cap
};

class ClientLimits {
  public:
    using Clock = std::chrono::steady_clock;

    explicit ClientLimits(ClientLimitsConfig config) : config_(config) {}

    // A connection from `client` opens. Returns a token that counts it until the token (every copy of it)
    // is destroyed, or null when the client already holds the most allowed (the connection is refused).
    std::shared_ptr<void> open_connection(const std::string& client);

    // One request from `client` at `now`: 0 when it may go on (a token is taken), else the whole seconds
    // until the next token (>= 1), for Retry-After.
    int64_t take_request(const std::string& client, Clock::time_point now);

    const ClientLimitsConfig& config() const { return config_; }
    // For tests: clients with a connection count or a partly used bucket.
    size_t tracked_clients();

  private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point at;  // when `tokens` was computed
    };
    void prune_buckets(Clock::time_point now);  // drops buckets that are full again (the same as none)

    ClientLimitsConfig config_;
    std::mutex mutex_;
    std::unordered_map<std::string, size_t> open_;
    std::unordered_map<std::string, Bucket> buckets_;
    size_t prune_at_ = 1024;  // buckets_ size that triggers the next prune
};

}  // namespace loom::server
