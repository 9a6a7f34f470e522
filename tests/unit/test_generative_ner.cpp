// Parsing and locating of generative NER answers (tasks/generative_ner.h) on hand-written answers.
#include <gtest/gtest.h>

#include "core/error.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_matcher.h"
#include "generate/grammar/json_schema.h"
#include "tasks/generative_ner.h"

namespace loom {
namespace {

std::vector<GeneratedPiece> pieces(std::initializer_list<std::pair<const char*, float>> list) {
    std::vector<GeneratedPiece> out;
    for (auto [text, p] : list) out.push_back({text, p});
    return out;
}

TEST(GenerativeNer, ParsesTheJsonAnswerAndScoresTheNameTokens) {
    // {"entities": [{"text": "Angela Merkel", "type": "PER"}, {"text": "Paris", "type": "LOC"}]} in tokens.
    auto answer = pieces({{"{\"entities\": [{\"text\": \"", 0.9f},
                          {"Angela", 0.5f},
                          {" Merkel", 0.7f},
                          {"\", \"type\": \"PER\"}, {\"text\": \"", 0.8f},
                          {"Paris", 0.4f},
                          {"\", \"type\": \"LOC\"}]}", 0.9f}});
    auto lines = parse_entity_json(answer);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].type, "PER");
    EXPECT_EQ(lines[0].name, "Angela Merkel");
    EXPECT_NEAR(lines[0].score, (0.5f + 0.7f) / 2, 1e-6);  // the two name tokens, not the JSON around them
    EXPECT_EQ(lines[1].type, "LOC");
    EXPECT_EQ(lines[1].name, "Paris");
    EXPECT_NEAR(lines[1].score, 0.4f, 1e-6);
}

TEST(GenerativeNer, SkipsUnknownTypesEmptyNamesAndDuplicates) {
    auto answer = pieces({{R"({"entities": [{"text": "Emmanuel Macron", "type": "EMALMECRAT"}, )", 0.2f},
                          {R"({"text": "Paris", "type": "LOC"}, {"text": "Paris", "type": "LOC"}, )", 0.3f},
                          {R"({"text": " ", "type": "ORG"}, {"text": "French", "type": "MISC"}]})", 0.3f}});
    auto lines = parse_entity_json(answer);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].name, "Paris");
    EXPECT_EQ(lines[1].type, "MISC");
}

TEST(GenerativeNer, AnAnswerThatIsNotJsonIsAnError) {
    EXPECT_THROW(parse_entity_json(pieces({{"PER: Angela Merkel", 0.5f}})), Error);
    EXPECT_THROW(parse_entity_json(pieces({{R"({"people": []})", 0.5f}})), Error);
}

TEST(GenerativeNer, TheSchemaGrammarAcceptsTheWorkedExampleAndRefusesOtherTypes) {
    const grammar::Grammar g = grammar::parse_gbnf(grammar::json_schema_to_gbnf(generative_ner_schema()));
    const std::string example = generative_ner_messages("x")[2]["content"];
    grammar::GrammarMatcher good(g);
    ASSERT_TRUE(good.accept(example));
    EXPECT_TRUE(good.can_end());
    grammar::GrammarMatcher bad(g);
    EXPECT_FALSE(bad.accept(R"({"entities": [{"text": "Obama", "type": "PERSON"}]})"));
}

TEST(GenerativeNer, LocatesEveryWholeWordMentionWithCharacterOffsets) {
    const std::string text = "Zürich and Paris; Parisians love Paris.";
    std::vector<EntityLine> lines = {
        {"LOC", "Paris", 0.5f}, {"LOC", "Zürich", 0.25f}, {"PER", "Nobody", 1.0f}};
    auto entities = locate_entities(lines, text);
    ASSERT_EQ(entities.size(), 3u);  // "Parisians" is not a mention; "Nobody" is not in the text
    EXPECT_EQ(entities[0].word, "Zürich");
    EXPECT_EQ(entities[0].start, 0u);
    EXPECT_EQ(entities[0].end, 6u);  // characters, though "ü" is two bytes
    EXPECT_EQ(entities[1].word, "Paris");
    EXPECT_EQ(entities[1].start, 11u);
    EXPECT_EQ(entities[1].end, 16u);
    EXPECT_EQ(entities[2].start, 33u);
    EXPECT_FLOAT_EQ(entities[2].score, 0.5f);
}

TEST(GenerativeNer, OverlappingMentionsKeepTheLongerName) {
    const std::string text = "Paris Hilton arrived.";
    std::vector<EntityLine> lines = {{"LOC", "Paris", 0.5f}, {"PER", "Paris Hilton", 0.9f}};
    auto entities = locate_entities(lines, text);
    ASSERT_EQ(entities.size(), 1u);
    EXPECT_EQ(entities[0].label, "PER");
    EXPECT_EQ(entities[0].word, "Paris Hilton");
}

TEST(GenerativeNer, MessagesEndWithTheUserText) {
    auto messages = generative_ner_messages("Some text.");
    ASSERT_GE(messages.size(), 2u);
    EXPECT_EQ(messages.back()["role"], "user");
    EXPECT_EQ(messages.back()["content"], "Some text.");
}

}  // namespace
}  // namespace loom
