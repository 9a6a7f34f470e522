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
    const nlohmann::ordered_json schema = read_json_schema_argument(json_schema, "--json-schema");
    return grammar::json_schema_to_gbnf(schema);
}

nlohmann::ordered_json read_json_schema_argument(const std::string& file_or_json, const std::string& flag) {
    const size_t first = file_or_json.find_first_not_of(" \t\r\n");
    const bool inline_text = first != std::string::npos && file_or_json[first] == '{';
    const std::string text = inline_text ? file_or_json : read_grammar_input(file_or_json, flag.c_str());
    try {
        return nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(flag + ": not valid JSON (" + e.what() + ")");
    }
}

}  // namespace loom::cli
