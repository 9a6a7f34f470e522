// -q/--quiet for a command whose only chatter is progress: it silences every progress bar
// (store/progress_bar.h). Commands with their own quiet option call set_progress_quiet() themselves.
#pragma once

#include <CLI/CLI.hpp>

namespace loom::cli {

void add_quiet_flag(CLI::App& app);

}  // namespace loom::cli
