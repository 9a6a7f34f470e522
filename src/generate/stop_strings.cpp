#include "generate/stop_strings.h"

#include <algorithm>

#include "core/error.h"

namespace loom {

StopStringMatcher::StopStringMatcher(std::vector<std::string> stop_strings)
    : stops_(std::move(stop_strings)) {
    for (size_t i = 0; i < stops_.size(); ++i) {
        if (stops_[i].empty()) throw Error("stop string " + std::to_string(i) + " is empty");
    }
}

StopStringMatcher::Result StopStringMatcher::push(std::string_view text) {
    Result r;
    if (stopped_) {
        r.stopped = true;
        r.stop_index = stop_index_;
        return r;
    }
    pending_.append(text);
    // The earliest completed stop string wins; at the same position, the one listed first.
    size_t best_pos = std::string::npos, best = 0;
    for (size_t i = 0; i < stops_.size(); ++i) {
        const size_t at = pending_.find(stops_[i]);
        if (at < best_pos) {
            best_pos = at;
            best = i;
        }
    }
    if (best_pos != std::string::npos) {
        r.text = pending_.substr(0, best_pos);
        r.stopped = stopped_ = true;
        r.stop_index = stop_index_ = best;
        pending_.clear();
        return r;
    }
    // Hold back the longest suffix that is a proper prefix of a stop string. Stop strings start on a
    // character boundary, so the held part never splits a UTF-8 character that the caller gave whole.
    size_t hold = 0;
    for (const auto& stop : stops_) {
        const size_t max_k = std::min(stop.size() - 1, pending_.size());
        for (size_t k = max_k; k > hold; --k) {
            if (pending_.compare(pending_.size() - k, k, stop, 0, k) == 0) {
                hold = k;
                break;
            }
        }
    }
    r.text = pending_.substr(0, pending_.size() - hold);
    pending_.erase(0, pending_.size() - hold);
    return r;
}

std::string StopStringMatcher::flush() {
    if (stopped_) return {};
    std::string out;
    out.swap(pending_);
    return out;
}

void StopStringMatcher::reset() {
    pending_.clear();
    stopped_ = false;
    stop_index_ = 0;
}

}  // namespace loom
