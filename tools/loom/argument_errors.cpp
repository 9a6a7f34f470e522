#include "argument_errors.h"

#include <algorithm>

#include "core/terminal_text.h"

namespace loom::cli {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// "unknown option '--tmep' for 'loom run'; did you mean '--temp'?" for the first unknown option, else "".
// Unknown options fall through to the top level (app.fallthrough()): both lists are looked at.
std::string unknown_option_message(const CLI::App& top, const CLI::App& command) {
    std::vector<std::string> extras = command.remaining();
    for (const std::string& arg : top.remaining()) extras.push_back(arg);
    for (const std::string& arg : extras) {
        if (arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9') || arg[1] == '.') continue;
        const std::string name = arg.substr(0, arg.find('='));
        std::string message = "unknown option '" + name + "' for 'loom " + command.get_name() + "'";
        const std::string near = closest_name(name, visible_option_names(command));
        if (!near.empty()) message += "; did you mean '" + near + "'?";
        return message;
    }
    return {};
}

// CLI11's own wording, where it is unclear, in loom's words. An unknown option is named first: CLI11 would
// report a missing required option before it.
std::string reworded(const CLI::ParseError& e, const CLI::App& top, CLI::App* command) {
    if (command != nullptr) {
        const std::string unknown = unknown_option_message(top, *command);
        if (!unknown.empty()) return unknown;
    }
    std::string what = first_line(e.what());
    if (what.rfind(": ", 0) == 0) what.erase(0, 2);  // a hidden alias: its check names it (shared_flags.h)
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
        const std::string name = what.substr(0, what.find(':'));
        if (what.find("missing") != std::string::npos || what.find("at least") != std::string::npos)
            return name + " needs a value";
        return what;
    }
    if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
        // "Could not convert: --port = abc"
        const size_t colon = what.find(": ");
        return colon == std::string::npos ? what : "bad value for " + what.substr(colon + 2);
    }
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
        std::vector<std::string> extras = command != nullptr ? command->remaining() : std::vector<std::string>{};
        for (const std::string& arg : top.remaining()) extras.push_back(arg);
        if (!extras.empty())
            return "unexpected argument '" + extras.front() + "' (quote a text that has spaces: it is one argument)";
    }
    return what;
}

}  // namespace

std::string closest_name(const std::string& typed, const std::vector<std::string>& known) {
    std::string best;
    size_t best_distance = 3;
    for (const std::string& name : known) {
        const size_t d = edit_distance(typed, name);
        if (d < best_distance && 2 * d < std::max<size_t>(typed.size(), 2)) {
            best = name;
            best_distance = d;
        }
    }
    return best;
}

std::vector<std::string> visible_option_names(const CLI::App& command) {
    std::vector<std::string> names;
    for (const CLI::Option* option : command.get_options()) {
        if (option->get_group().empty() || option->get_positional()) continue;
        for (const std::string& s : option->get_snames()) names.push_back("-" + s);
        for (const std::string& l : option->get_lnames()) names.push_back("--" + l);
    }
    return names;
}

int report_argument_error(const std::string& message, const std::string& command_name) {
    const std::string hint = command_name.empty() ? "run 'loom help' for the list of commands"
                                                   : "run 'loom " + command_name + " --help' for its options";
    std::fprintf(stderr, "loom: error: %s (%s)\n", terminal_safe(message).c_str(), hint.c_str());
    return 1;
}

int report_parse_error(const CLI::ParseError& e, const CLI::App& top, CLI::App* command) {
    return report_argument_error(reworded(e, top, command), command ? command->get_name() : std::string());
}

void print_command_list(const CLI::App& top, std::FILE* out) {
    std::fprintf(out, "loom: run transformer language models\n\nusage: loom [-v] COMMAND [OPTIONS] [ARGS]\n\n");
    std::fprintf(out, "commands:\n");
    std::vector<const CLI::App*> commands;
    for (const CLI::App* sub : top.get_subcommands([](const CLI::App*) { return true; })) commands.push_back(sub);
    std::sort(commands.begin(), commands.end(),
              [](const CLI::App* a, const CLI::App* b) { return a->get_name() < b->get_name(); });
    size_t width = 4;
    for (const CLI::App* sub : commands) width = std::max(width, sub->get_name().size());
    std::fprintf(out, "  %-*s  %s\n", static_cast<int>(width), "help", "this list; 'loom help COMMAND': its options");
    for (const CLI::App* sub : commands)
        std::fprintf(out, "  %-*s  %s\n", static_cast<int>(width), sub->get_name().c_str(),
                     sub->get_description().c_str());
    std::fprintf(out,
                 "\nglobal options: -v/--verbose (log what loom does), --version, -h/--help\n"
                 "run 'loom COMMAND --help' for a command's options; docs/cli.md lists them all\n");
}

}  // namespace loom::cli
