#include "quiet_flag.h"

#include "store/progress_bar.h"

namespace loom::cli {

void add_quiet_flag(CLI::App& app) {
    app.add_flag_callback(
        "-q,--quiet", [] { set_progress_quiet(true); }, "no progress bar on stderr");
}

}  // namespace loom::cli
