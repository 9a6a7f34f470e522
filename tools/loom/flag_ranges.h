// Range checks for numeric flags. CLI11 runs them on the text as typed, before it is converted, so "-1" never
// wraps to a huge unsigned value and "99999" never overflows a port. A failure reads
//   --port: 99999 is out of range: give a whole number from 0 to 65535
// (main.cpp turns it into one "loom: error:" line).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>

namespace loom::cli {

inline constexpr int64_t kNoUpperBound = std::numeric_limits<int64_t>::max();

// An integer in [min, max] (max = kNoUpperBound: no upper bound).
CLI::Validator whole_number(int64_t min, int64_t max = kNoUpperBound);

// A finite real number >= min (> min when min_exclusive) and <= max (max = infinity: no upper bound).
CLI::Validator real_number(double min, double max = std::numeric_limits<double>::infinity(),
                           bool min_exclusive = false);

// -n: -1 (until the context window is full) or a whole number >= 1 that fits int32.
CLI::Validator tokens_to_generate();

}  // namespace loom::cli
