// Parsing and locating of generative NER answers (tasks/generative_ner.h) on hand-written answers.
#include <gtest/gtest.h>

#include "tasks/generative_ner.h"

namespace loom {
namespace {

std::vector<GeneratedPiece> pieces(std::initializer_list<std::pair<const char*, float>> list) {
    std::vector<GeneratedPiece> out;
    for (auto [text, p] : list) out.push_back({text, p});
    return out;
}

TEST(GenerativeNer, ParsesTypedLinesAndScoresTheNameTokens) {
    // "PER: Angela Merkel\nLOC: Paris" split into tokens with known probabilities.
    auto answer = pieces({{"PER", 0.9f},
                          {":", 0.8f},
                          {" Angela", 0.5f},
                          {" Merkel", 0.7f},
                          {"\n", 0.9f},
                          {"LOC", 0.6f},
                          {":", 0.9f},
                          {" Paris", 0.4f}});
    auto lines = parse_entity_lines(answer);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].type, "PER");
    EXPECT_EQ(lines[0].name, "Angela Merkel");
    EXPECT_NEAR(lines[0].score, (0.5f + 0.7f) / 2, 1e-6);  // the two name tokens, not "PER" or ":"
    EXPECT_EQ(lines[1].type, "LOC");
    EXPECT_EQ(lines[1].name, "Paris");
    EXPECT_NEAR(lines[1].score, 0.4f, 1e-6);
}

TEST(GenerativeNer, IgnoresUnknownTypesMalformedLinesAndDuplicates) {
    auto answer = pieces({{"Here are the entities\n", 0.1f},
                          {"EMALMECRAT: Emmanuel Macron\n", 0.2f},
                          {"LOC: Paris\n", 0.3f},
                          {"LOC: Paris\n", 0.3f},
                          {"ORG:\n", 0.3f},
                          {"MISC: French", 0.3f}});
    auto lines = parse_entity_lines(answer);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].name, "Paris");
    EXPECT_EQ(lines[1].type, "MISC");
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
