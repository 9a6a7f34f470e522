// The `loom` command's subcommands. Each lives in its own tools/loom/cmd_<name>.cpp and registers itself
// with a static CommandRegistrar, so adding a subcommand touches no other file.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace loom::cli {

struct Command {
    std::string name;
    std::string summary;
    // Adds the subcommand's options to `sub`; returns the function that runs it (returns the exit code).
    std::function<std::function<int()>(CLI::App& sub)> setup;
};

std::vector<Command>& command_registry();

struct CommandRegistrar {
    explicit CommandRegistrar(Command command) { command_registry().push_back(std::move(command)); }
};

}  // namespace loom::cli
