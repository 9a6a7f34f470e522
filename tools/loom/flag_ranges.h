// Range checks for numeric flags. CLI11 runs them on the text as typed, before it is converted, so "-1" never
// wraps to a huge unsigned value and "99999" never overflows a port. A failure reads
//   --port: 99999 is out of range: give a whole number from 0 to 65535
// (main.cpp turns it into one "loom: error:" line).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>

namespace loom::cli {

inline constexpr int64_t kNoUpperBound = std::numeric_limits<int64_t>::max();

// An integer in [min, max] (max = kNoUpperBound: no upper bound).
CLI::Validator whole_number(int64_t min, int64_t max = kNoUpperBound);

// A finite real number >= min (> min when min_exclusive) and <= max (max = infinity: no upper bound).
CLI::Validator real_number(double min, double max = std::numeric_limits<double>::infinity(),
                           bool min_exclusive = false);

// -n: -1 (until the context window is full) or a whole number >= 1 that fits int32.
CLI::Validator tokens_to_generate();

// A memory size: bytes, or a number with a binary suffix K, M, G or T (optionally followed by B or iB):
// "512M", "2G", "1.5GiB", "1048576". -1 when the text is not one (the validator below says what is wrong).
int64_t parse_byte_size(const std::string& text);
// A flag that takes parse_byte_size's format, at least `min` bytes.
CLI::Validator byte_size(int64_t min);

}  // namespace loom::cli
