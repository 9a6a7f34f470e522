// Command-line mistakes in loom's own format: one "loom: error: ... (run 'loom CMD --help' for its options)"
// line on stderr, exit code 1 (as loom::Error messages, whose hints also go in parentheses). Unknown commands and options get the closest known name ("did you mean ...").
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

namespace loom::cli {

// The name among `known` closest to `typed` by edit distance, or "" when none is close enough to be a likely
// typo (distance <= 2, and less than half of the typed name).
std::string closest_name(const std::string& typed, const std::vector<std::string>& known);

// Every option name of `command` that --help shows ("-m", "--model", ...).
std::vector<std::string> visible_option_names(const CLI::App& command);

// Prints `loom: error: MESSAGE (HINT)`; returns 1 (the exit code).
int report_argument_error(const std::string& message, const std::string& command_name);

// Turns a CLI11 parse failure of `command` (nullptr: the top level) into report_argument_error.
int report_parse_error(const CLI::ParseError& e, const CLI::App& top, CLI::App* command);

// `loom` / `loom help`: usage and every command with its summary.
void print_command_list(const CLI::App& top, std::FILE* out);

}  // namespace loom::cli
