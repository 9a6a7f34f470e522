#include "grammar_flags.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "generate/grammar/grammar_sampler.h"
#include "generate/grammar/json_schema.h"

namespace loom::cli {

namespace {
std::string read_grammar_input(const std::string& path, const char* flag) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(std::string(flag) + ": cannot read '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

void GrammarFlags::add_to(CLI::App& app) {
    app.add_option("--grammar", grammar_file, "generate only text the GBNF grammar in FILE accepts (docs/grammar.md)");
    app.add_option("--json-schema", json_schema,
                   "generate only JSON valid under this JSON Schema (a file, or the schema text itself)");
    app.add_flag("--json", json, "generate only a JSON value");
}

std::optional<std::string> GrammarFlags::gbnf() const {
    const int given = (grammar_file.empty() ? 0 : 1) + (json_schema.empty() ? 0 : 1) + (json ? 1 : 0);
    if (given > 1) throw Error("--grammar, --json-schema and --json exclude each other: give one");
    if (!grammar_file.empty()) return read_grammar_input(grammar_file, "--grammar");
    if (json) return std::string(grammar::json_value_gbnf());
    if (json_schema.empty()) return std::nullopt;
    const bool inline_text = json_schema.find_first_not_of(" \t\r\n") != std::string::npos &&
                             json_schema[json_schema.find_first_not_of(" \t\r\n")] == '{';
    const std::string text = inline_text ? json_schema : read_grammar_input(json_schema, "--json-schema");
    nlohmann::ordered_json schema;
    try {
        schema = nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(std::string("--json-schema: not valid JSON (") + e.what() + ")");
    }
    return grammar::json_schema_to_gbnf(schema);
}

}  // namespace loom::cli
