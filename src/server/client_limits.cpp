#include "server/client_limits.h"

#include <algorithm>
#include <cmath>

namespace loom::server {

std::shared_ptr<void> ClientLimits::open_connection(const std::string& client) {
    static int unlimited_token = 0;
    if (config_.max_connections_per_client == 0) return {&unlimited_token, [](void*) {}};
    std::lock_guard lock(mutex_);
    size_t& count = open_[client];
    if (count >= config_.max_connections_per_client) return nullptr;
    count += 1;
    return {&unlimited_token, [this, client](void*) {
                std::lock_guard release_lock(mutex_);
                auto it = open_.find(client);
                if (it == open_.end()) return;
                if (--it->second == 0) open_.erase(it);
            }};
}

int64_t ClientLimits::take_request(const std::string& client, Clock::time_point now) {
    const double capacity = config_.requests_per_minute;
    if (capacity <= 0) return 0;
    const double per_second = capacity / 60.0;
    std::lock_guard lock(mutex_);
    auto [it, added] = buckets_.try_emplace(client, Bucket{capacity, now});
    Bucket& bucket = it->second;
    const double elapsed = std::chrono::duration<double>(now - bucket.at).count();
    if (elapsed > 0) {
        bucket.tokens = std::min(capacity, bucket.tokens + elapsed * per_second);
        bucket.at = now;
    }
    int64_t wait_s = 0;
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
    } else {
        wait_s = std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1 - bucket.tokens) / per_second)));
    }
    if (added && buckets_.size() >= prune_at_) prune_buckets(now);
    return wait_s;
}

void ClientLimits::prune_buckets(Clock::time_point now) {
    const double capacity = config_.requests_per_minute, per_second = capacity / 60.0;
    std::erase_if(buckets_, [&](const auto& entry) {
        const double elapsed = std::chrono::duration<double>(now - entry.second.at).count();
        return entry.second.tokens + elapsed * per_second >= capacity;
    });
    // The map holds only clients seen within the last minute; the next prune waits until it doubles.
    prune_at_ = std::max<size_t>(1024, 2 * buckets_.size());
}

size_t ClientLimits::tracked_clients() {
    std::lock_guard lock(mutex_);
    return open_.size() + buckets_.size();
}

}  // namespace loom::server
