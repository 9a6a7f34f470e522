// loom — run transformer language models. Errors from the library (loom::Error) and command-line mistakes
// alike become one "loom: error:" line on stderr and exit code 1 (argument_errors.h); --help exits 0.
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>

#include "argument_errors.h"
#include "command.h"
#include "core/error.h"
#include "core/log.h"
#include "core/terminal_text.h"
#include "store/progress_bar.h"

namespace loom::cli {
std::vector<Command>& command_registry() {
    static std::vector<Command> commands;
    return commands;
}

namespace {

// A repeatable option takes one value per occurrence (`--stop A --stop B`), so it never swallows the
// positional text after it (`--stop . "prompt"`).
void one_value_per_occurrence(CLI::App& command) {
    for (CLI::Option* option : command.get_options())
        if (!option->get_positional() && option->get_expected_max() > 1) option->allow_extra_args(false);
}

// -q/--quiet is accepted by every command; those without their own have nothing to silence but notes.
void accept_quiet(CLI::App& command, bool& quiet) {
    if (command.get_option_no_throw("--quiet") == nullptr)
        command.add_flag("-q,--quiet", quiet, "no progress or timing lines on stderr");
}

// Index of the command word in argv (the first argument that is not a global option), or argc.
int command_word_index(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (argv[i][0] != '-') return i;
    return argc;
}

bool asks_for_help_or_version(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        for (const char* flag : {"-h", "--help", "--help-all", "--version"})
            if (std::strcmp(argv[i], flag) == 0) return true;
    return false;
}

}  // namespace
}  // namespace loom::cli

int main(int argc, char** argv) {
    using namespace loom::cli;
    CLI::App app{"loom: run transformer language models (decoder-only, encoder-only, encoder-decoder)"};
    app.require_subcommand(0, 1);
    app.fallthrough();  // -v works after the command word too
    app.set_version_flag("--version", std::string("loom 0.1.0"));
    bool verbose = false, quiet = false;
    app.add_flag("-v,--verbose", verbose, "log what loom is doing (same as LOOM_LOG=info)");

    std::map<std::string, std::function<int()>> runners;
    std::vector<std::string> names;
    for (const Command& command : command_registry()) {
        CLI::App* sub = app.add_subcommand(command.name, command.summary);
        runners[command.name] = command.setup(*sub);
        one_value_per_occurrence(*sub);
        accept_quiet(*sub, quiet);
        names.push_back(command.name);
    }

    // The command word: `loom`, `loom help [COMMAND]` and unknown commands are answered here.
    std::vector<char*> args(argv, argv + argc);
    const int word = command_word_index(argc, argv);
    std::string help_flag = "--help";
    if (word == argc) {
        if (!asks_for_help_or_version(argc, argv)) {
            print_command_list(app, stdout);
            return 0;
        }
    } else if (std::strcmp(argv[word], "help") == 0) {
        if (word + 1 >= argc) {
            print_command_list(app, stdout);
            return 0;
        }
        args.erase(args.begin() + word);  // `loom help run` is `loom run --help`
        args.push_back(help_flag.data());
    }
    if (word < argc && runners.count(args[word]) == 0) {
        std::string message = std::string("unknown command '") + args[word] + "'";
        const std::string near = closest_name(args[word], names);
        if (!near.empty()) message += "; did you mean '" + near + "'?";
        return report_argument_error(message, "");
    }
    CLI::App* command = word < argc ? app.get_subcommand(args[word]) : nullptr;
    // llama.cpp's two-letter short flag -np (serve --parallel), which CLI11 cannot declare.
    std::string parallel = "--parallel";
    for (size_t i = static_cast<size_t>(word) + 1; command != nullptr && i < args.size(); ++i) {
        if (std::strcmp(args[i], "-np") != 0) continue;
        if (command->get_option_no_throw(parallel) == nullptr)
            return report_argument_error("unknown option '-np' for 'loom " + command->get_name() +
                                             "' (it is 'loom serve --parallel')",
                                         command->get_name());
        args[i] = parallel.data();
    }

    try {
        app.parse(static_cast<int>(args.size()), args.data());
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return report_parse_error(e, app, command);
    }
    if (verbose) loom::set_log_level(loom::LogLevel::Info);
    if (quiet) loom::set_progress_quiet(true);  // commands without their own -q: no progress bars either
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
