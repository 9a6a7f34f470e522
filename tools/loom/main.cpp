// loom — run transformer language models. Errors from the library (loom::Error) become one line on stderr
// and exit code 1; command-line mistakes exit with CLI11's code (usually 105/106/109) and its message.
#include <cstdio>
#include <exception>
#include <map>

#include "command.h"
#include "core/error.h"
#include "core/log.h"
#include "core/terminal_text.h"

namespace loom::cli {
std::vector<Command>& command_registry() {
    static std::vector<Command> commands;
    return commands;
}
}  // namespace loom::cli

int main(int argc, char** argv) {
    using namespace loom::cli;
    CLI::App app{"loom: run transformer language models (decoder-only, encoder-only, encoder-decoder)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("loom 0.1.0"));
    bool verbose = false;
    app.add_flag("-v,--verbose", verbose, "log what loom is doing (same as LOOM_LOG=info)");

    std::map<std::string, std::function<int()>> runners;
    for (const Command& command : command_registry()) {
        CLI::App* sub = app.add_subcommand(command.name, command.summary);
        runners[command.name] = command.setup(*sub);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (verbose) loom::set_log_level(loom::LogLevel::Info);
    try {
        for (CLI::App* sub : app.get_subcommands()) return runners.at(sub->get_name())();
    } catch (const loom::Error& e) {
        // Messages quote names and text from files: shown as one line, with no terminal control.
        std::fprintf(stderr, "loom: error: %s\n", loom::terminal_safe(e.what()).c_str());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "loom: error: out of memory\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "loom: error: %s\n", loom::terminal_safe(e.what()).c_str());
        return 1;
    }
    return 0;
}
