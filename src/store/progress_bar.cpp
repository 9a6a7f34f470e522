#include "store/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace loom {
namespace {

std::atomic<bool> g_progress_quiet{false};

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::string format_seconds(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", seconds);
    return text;
}

}  // namespace

void set_progress_quiet(bool quiet) {
    g_progress_quiet = quiet;
}

bool progress_quiet() {
    return g_progress_quiet;
}

std::chrono::milliseconds progress_delay() {
    if (const char* env = std::getenv("LOOM_PROGRESS_DELAY_MS"); env && *env) {
        char* end = nullptr;
        const long ms = std::strtol(env, &end, 10);
        if (end && *end == '\0' && ms >= 0) return std::chrono::milliseconds(ms);
    }
    return std::chrono::milliseconds(2000);
}

std::string format_bytes(uint64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return text;
}

ProgressBar::ProgressBar(std::string label, uint64_t total, bool enabled)
    : ProgressBar(std::move(label), total, ProgressStyle{ProgressUnit::Bytes, "", false, true, true},
                  enabled) {}

ProgressBar::ProgressBar(std::string label, uint64_t total, ProgressStyle style, bool enabled)
    : label_(std::move(label)),
      style_(std::move(style)),
      enabled_(enabled && !progress_quiet()),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      total_(total) {
    if (enabled_ && tty_) ticker_ = std::thread([this] { tick_until_finished(); });
}

ProgressBar::~ProgressBar() {
    // Left unfinished (an error is on its way): a line drawn on the terminal is ended so the error starts on
    // its own line; no summary is printed.
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (finished_) return;
        finished_ = true;
    }
    wake_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    if (drawn_) {
        std::fputs("\n", stderr);
        std::fflush(stderr);
    }
}

void ProgressBar::update(uint64_t done) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) {
        first_done_ = done;  // a resumed download starts part way: the speed counts new bytes only
        started_ = true;
    }
    done_ = done;
}

void ProgressBar::set_total(uint64_t total) {
    std::lock_guard<std::mutex> lock(mutex_);
    total_ = total;
}

void ProgressBar::set_detail(std::string detail) {
    std::lock_guard<std::mutex> lock(mutex_);
    detail_ = std::move(detail);
}

void ProgressBar::tick_until_finished() {
    const auto delay = style_.delayed ? progress_delay() : std::chrono::milliseconds(0);
    std::unique_lock<std::mutex> lock(mutex_);
    while (!finished_) {
        if (std::chrono::steady_clock::now() - start_ >= delay) draw_locked(false);
        wake_.wait_for(lock, kRedrawInterval);
    }
}

void ProgressBar::finish() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (finished_) return;
        finished_ = true;
    }
    wake_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto delay = style_.delayed ? progress_delay() : std::chrono::milliseconds(0);
    if (tty_) {
        // A wait shorter than the delay leaves no trace; a longer one ends with its final line, or with the
        // line erased when text follows on the terminal (the prefill before a streamed completion).
        if (std::chrono::steady_clock::now() - start_ < delay && !drawn_) return;
        draw_locked(true);
        if (!style_.keep_final_line)
            std::fputs("\r\033[K", stderr);
        else
            std::fputs("\n", stderr);
    } else if (style_.summary_when_redirected) {
        draw_locked(true);
        std::fputs("\n", stderr);
    }
    std::fflush(stderr);
}

std::string ProgressBar::line(bool final) const {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const bool bytes = style_.unit == ProgressUnit::Bytes;
    std::string text = label_;
    if (total_ > 0) {
        constexpr int kWidth = 30;
        const uint64_t shown = std::min(done_, total_);
        const int filled =
            static_cast<int>(kWidth * static_cast<double>(shown) / static_cast<double>(total_));
        text += " [";
        for (int i = 0; i < kWidth; ++i) text += i < filled ? '=' : (i == filled ? '>' : ' ');
        text += "]";
    } else if (!final) {
        static const char kSpinner[] = {'|', '/', '-', '\\'};
        text += std::string(" ") + kSpinner[spin_ % 4];
    }
    std::string counts;
    if (bytes) {
        counts = format_bytes(done_) + (total_ > 0 ? " / " + format_bytes(total_) : "");
        const double rate = seconds > 0 ? static_cast<double>(done_ - first_done_) / seconds : 0.0;
        counts += "  " + format_bytes(static_cast<uint64_t>(rate)) + "/s";
    } else if (started_ || total_ > 0) {
        counts = std::to_string(done_) + (total_ > 0 ? "/" + std::to_string(total_) : "") +
                 (style_.items.empty() ? "" : " " + style_.items);
    }
    if (!counts.empty()) text += " " + counts;
    if (!detail_.empty()) text += "  " + detail_;
    if (!bytes) text += "  " + format_seconds(seconds);
    return text;
}

void ProgressBar::draw_locked(bool final) {
    // On a terminal the line is redrawn in place (\r, then erase what a longer earlier line left); elsewhere
    // only the final line is written, as a plain line.
    const std::string text = line(final);
    if (tty_)
        std::fprintf(stderr, "\r%s\033[K", text.c_str());
    else
        std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
    ++spin_;
}

}  // namespace loom
