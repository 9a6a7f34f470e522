// Stop strings over streamed text: text that might be the start of a stop string is held back until it
// either completes the stop string (generation ends; the stop string itself is never emitted) or stops
// matching (the held text is released).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace loom {

class StopStringMatcher {
  public:
    // Throws loom::Error when a stop string is empty.
    explicit StopStringMatcher(std::vector<std::string> stop_strings);

    struct Result {
        std::string text;       // safe to show now
        bool stopped = false;   // a stop string completed; nothing more will be emitted
        size_t stop_index = 0;  // which stop string (index into the constructor's list), when stopped
    };

    // Feeds newly generated text. After a stop, returns empty results with stopped = true.
    Result push(std::string_view text);
    // Generation ended without a stop: releases whatever was held back.
    std::string flush();
    void reset();

    size_t held_bytes() const { return pending_.size(); }

  private:
    std::vector<std::string> stops_;
    std::string pending_;  // not yet emitted: a suffix that is a proper prefix of some stop string
    bool stopped_ = false;
    size_t stop_index_ = 0;
};

}  // namespace loom
