// A one-line progress bar on stderr: "label [=====>    ]  45.1 MiB / 98.3 MiB  12.3 MiB/s". Redrawn at most
// ten times a second on a terminal; when stderr is not a terminal (logs, tests) only the final line is
// printed, so logs do not fill with carriage returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace loom {

class ProgressBar {
  public:
    // total == 0: unknown size (no bar, only the count).
    ProgressBar(std::string label, uint64_t total, bool enabled = true);
    ~ProgressBar();

    void update(uint64_t done);
    void set_total(uint64_t total) { total_ = total; }
    // Prints the final line (once); the destructor calls it too.
    void finish();

  private:
    void draw(bool final);

    std::string label_;
    uint64_t total_;
    uint64_t done_ = 0, first_done_ = 0;
    bool enabled_, tty_, finished_ = false, started_ = false;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_bytes(uint64_t bytes);  // "98.3 MiB"

}  // namespace loom
