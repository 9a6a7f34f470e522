#include "shared_flags.h"

namespace loom::cli {

CLI::Option* add_threads_flag(CLI::App& app, int& threads) {
    return app.add_option("-t,--threads", threads, "compute threads (0: all cores)")
        ->capture_default_str()
        ->check(whole_number(0, 4096));
}

CLI::Option* add_file_flag(CLI::App& app, std::string& file, const std::string& what, bool stdin_allowed) {
    return app.add_option("-f,--file", file, stdin_allowed ? what + " (-: stdin)" : what);
}

CLI::Validator named_check(const std::string& name, CLI::Validator check) {
    const std::string shown = name.substr(name.rfind(',') + 1);  // "-i,--input": "--input"
    return CLI::Validator(
        [shown, check](std::string& value) -> std::string {
            const std::string problem = check(value);
            return problem.empty() ? problem : shown + ": " + problem;
        },
        "", "named_check");
}

void TruncationFlags::add_to(CLI::App& app) {
    CLI::Option* on = app.add_flag("--truncate", truncate,
                                   "cut inputs longer than the model allows, with a warning (the default)");
    CLI::Option* off =
        app.add_flag("--no-truncate", no_truncate, "fail on inputs longer than the model allows instead");
    on->excludes(off);
}

}  // namespace loom::cli
