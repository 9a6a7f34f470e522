// loom's one progress facility, for every wait that can be long: downloads, conversion, quantization, the
// prefill of a long prompt, a first corpus embedding, translating a file, perplexity windows.
//
// On a terminal (stderr is a tty): nothing during the first progress_delay() (LOOM_PROGRESS_DELAY_MS, default
// 2000 ms; downloads show at once), then one line redrawn in place ten times a second by a background thread,
// so a single long step (one prefill batch) still shows a sign of life:
//   "label [=====>        ]  45.1 MiB / 98.3 MiB  12.3 MiB/s"      (bytes)
//   "label [=====>        ]  640 / 2000 lines  3.1 s"             (counted items)
//   "label |  3.1 s"                                              (unknown total: a spinner)
// Not a terminal (logs, pipes, tests): never a carriage return; one plain summary line at the end when the
// style asks for it (downloads, convert, quantize), else nothing. set_progress_quiet(true) (-q) silences all.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace loom {

enum class ProgressUnit { Bytes, Items };

struct ProgressStyle {
    ProgressUnit unit = ProgressUnit::Bytes;
    std::string items;            // ProgressUnit::Items: what is counted ("tokens", "lines", ...)
    bool delayed = true;          // false: drawn from the start (a download)
    bool keep_final_line = true;  // terminal: leave the last drawing (false: erase it, e.g. before text)
    bool summary_when_redirected = true;  // not a terminal: one plain line at the end
};

class ProgressBar {
  public:
    // A download: bytes, drawn at once; total == 0: unknown size.
    ProgressBar(std::string label, uint64_t total, bool enabled = true);
    ProgressBar(std::string label, uint64_t total, ProgressStyle style, bool enabled = true);
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void update(uint64_t done);  // any thread
    void set_total(uint64_t total);
    void set_detail(std::string detail);  // shown after the counts, e.g. "ppl 12.3456"
    // Stops the redrawing and prints the final line (once). Destroyed unfinished (an exception), a bar only
    // ends its terminal line.
    void finish();

  private:
    void tick_until_finished();
    std::string line(bool final) const;  // with mutex_ held
    void draw_locked(bool final);

    const std::string label_;
    const ProgressStyle style_;
    const bool enabled_, tty_;
    const std::chrono::steady_clock::time_point start_;
    std::mutex mutex_;
    std::condition_variable wake_;
    uint64_t total_, done_ = 0, first_done_ = 0;
    std::string detail_;
    bool started_ = false, finished_ = false, drawn_ = false;
    unsigned spin_ = 0;
    std::thread ticker_;
};

// -q: no progress output at all, from any bar.
void set_progress_quiet(bool quiet);
bool progress_quiet();

// How long a wait goes unmarked on a terminal: $LOOM_PROGRESS_DELAY_MS (tests set 0), default 2000 ms.
std::chrono::milliseconds progress_delay();

std::string format_bytes(uint64_t bytes);  // "98.3 MiB"

}  // namespace loom
