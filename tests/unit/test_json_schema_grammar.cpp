// JSON Schema -> grammar (generate/grammar/json_schema.h): for every case in
// tests/data/grammar/json_schema_cases.json (made by scripts/goldens/make_json_schema_cases.py), the compiled
// grammar accepts exactly the instances the Python `jsonschema` validator calls valid; keywords the converter
// cannot enforce are errors naming them.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_matcher.h"
#include "generate/grammar/json_schema.h"

namespace loom::grammar {
namespace {

nlohmann::ordered_json load_cases() {
    std::ifstream in("tests/data/grammar/json_schema_cases.json");
    if (!in) throw std::runtime_error("tests/data/grammar/json_schema_cases.json is missing");
    return nlohmann::ordered_json::parse(in);
}

TEST(JsonSchemaGrammar, AcceptsExactlyWhatJsonschemaCallsValid) {
    const nlohmann::ordered_json all = load_cases();
    ASSERT_GE(all["cases"].size(), 15u);
    for (const auto& c : all["cases"]) {
        SCOPED_TRACE(c["name"].get<std::string>());
        std::string gbnf;
        ASSERT_NO_THROW(gbnf = json_schema_to_gbnf(c["schema"])) << c["schema"].dump();
        Grammar g;
        ASSERT_NO_THROW(g = parse_gbnf(gbnf)) << gbnf;
        for (const auto& inst : c["instances"]) {
            GrammarMatcher m(g);
            const std::string text = inst["text"];
            const bool accepted = m.accept(text) && m.can_end();
            EXPECT_EQ(accepted, inst["valid"].get<bool>()) << text << "\n" << gbnf;
        }
    }
}

TEST(JsonSchemaGrammar, KeywordsItCannotEnforceAreErrorsNamingThem) {
    const nlohmann::ordered_json all = load_cases();
    for (const auto& schema : all["unsupported"]) {
        try {
            json_schema_to_gbnf(schema);
            ADD_FAILURE() << "accepted " << schema.dump();
        } catch (const Error& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find("json schema at #"), std::string::npos) << msg;
            EXPECT_NE(msg.find("not supported"), std::string::npos) << msg;
        }
    }
    try {
        json_schema_to_gbnf(nlohmann::ordered_json::parse(R"js({"type":"object","properties":{"a":{"type":"string","pattern":"(?=x)"}}})js"));
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("#/properties/a/pattern"), std::string::npos) << e.what();
    }
    EXPECT_THROW(json_schema_to_gbnf(nlohmann::ordered_json::parse(R"({"$ref":"#/$defs/missing"})")), Error);
    EXPECT_THROW(json_schema_to_gbnf(nlohmann::ordered_json::parse(R"({"type":"array","minItems":3,"maxItems":2})")), Error);
}

}  // namespace
}  // namespace loom::grammar
