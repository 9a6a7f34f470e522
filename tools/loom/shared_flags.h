// The flags several commands share, declared once so that each has one name, one meaning and one range
// everywhere (docs/cli.md, "Shared flags"). Old spellings stay accepted as hidden aliases.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "flag_ranges.h"

namespace loom::cli {

// -t/--threads: compute threads, 0 = all cores.
CLI::Option* add_threads_flag(CLI::App& app, int& threads);

// -f/--file: the command's text input ("-": stdin unless !stdin_allowed). `what` says what the file holds.
CLI::Option* add_file_flag(CLI::App& app, std::string& file, const std::string& what, bool stdin_allowed = true);

// --truncate / --no-truncate: inputs longer than the model allows are cut (the default, with a warning on
// stderr) or refused. `truncate` starts true; wanted() says which.
struct TruncationFlags {
    bool truncate = false, no_truncate = false;
    void add_to(CLI::App& app);
    bool wanted() const { return !no_truncate; }
};

// `check`, its failures prefixed with the alias' name (main.cpp drops CLI11's empty name before them).
CLI::Validator named_check(const std::string& name, CLI::Validator check);

// A hidden alias of an option (not shown by --help): `name` writes the same variable, with the same check.
// CLI11 does not name hidden options in its errors: the check's message names the alias itself.
template <typename T>
CLI::Option* add_hidden_alias(CLI::App& app, const std::string& name, T& variable,
                              const CLI::Validator* check = nullptr) {
    CLI::Option* alias = app.add_option(name, variable)->group("");
    if (check != nullptr) alias->check(named_check(name, *check));
    return alias;
}

}  // namespace loom::cli
