// The flags that constrain what `loom run` may generate: a GBNF grammar, a JSON Schema, or any JSON value
// (docs/grammar.md). At most one of them.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace loom::cli {

struct GrammarFlags {
    std::string grammar_file;  // --grammar FILE (GBNF)
    std::string json_schema;   // --json-schema FILE|JSON
    bool json = false;         // --json

    void add_to(CLI::App& app);
    // The GBNF text to generate under, or nullopt when none was asked for; throws loom::Error for an unreadable
    // file, an invalid schema (naming its JSON pointer) or more than one of the flags.
    std::optional<std::string> gbnf() const;
};

// A JSON Schema given on the command line: the schema text itself when it starts with '{', else a file to
// read. Throws loom::Error (naming `flag`) for an unreadable file or text that is not JSON.
nlohmann::ordered_json read_json_schema_argument(const std::string& file_or_json, const std::string& flag);

}  // namespace loom::cli
