#include "store/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace loom {

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
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
    finish();
}

void ProgressBar::update(uint64_t done) {
    if (!started_) {
        first_done_ = done;  // a resumed download starts part way: the speed counts new bytes only
        started_ = true;
    }
    done_ = done;
    const auto now = std::chrono::steady_clock::now();
    if (tty_ && now - last_draw_ >= std::chrono::milliseconds(100)) {
        last_draw_ = now;
        draw(false);
    }
}

void ProgressBar::finish() {
    if (finished_) return;
    finished_ = true;
    draw(true);
}

void ProgressBar::draw(bool final) {
    if (!enabled_) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done_ - first_done_) / seconds : 0.0;
    std::string bar;
    if (total_ > 0) {
        constexpr int kWidth = 30;
        const int filled =
            static_cast<int>(kWidth * static_cast<double>(done_) / static_cast<double>(total_));
        bar = "[";
        for (int i = 0; i < kWidth; ++i) bar += i < filled ? '=' : (i == filled ? '>' : ' ');
        bar += "] ";
    }
    std::string counts = format_bytes(done_);
    if (total_ > 0) counts += " / " + format_bytes(total_);
    std::fprintf(stderr, "%s%s %s%s  %s/s%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(), counts.c_str(),
                 format_bytes(static_cast<uint64_t>(rate)).c_str(), final ? "\n" : "");
    std::fflush(stderr);
}

}  // namespace loom
