// The NER aggregation rules of HF pipeline("token-classification") on hand-made tokens, where the expected
// entities follow from the rules (tasks/ner.h) by hand. End-to-end parity with HF is in
// tests/parity/test_encoder_tiny.cpp.
#include <gtest/gtest.h>

#include "core/error.h"
#include "tasks/ner.h"

namespace loom {
namespace {

const std::vector<std::string> kLabels = {"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "MISC"};

// A token whose most likely label is `label` with probability p (the rest shared equally).
NerToken token(const std::string& word, size_t label, float p, size_t start, size_t end,
               bool subword = false) {
    NerToken t;
    t.word = word;
    t.scores.assign(kLabels.size(), (1.0f - p) / static_cast<float>(kLabels.size() - 1));
    t.scores[label] = p;
    t.start = start;
    t.end = end;
    t.is_subword = subword;
    return t;
}

// WordPiece joining, as the BERT decoder does it (without cleanup): "##" glues, otherwise a space.
std::string join(const std::vector<std::string>& tokens) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i].starts_with("##"))
            out += tokens[i].substr(2);
        else
            out += (i ? " " : "") + tokens[i];
    }
    return out;
}

TEST(NerAggregation, SimpleGroupsBioRuns) {
    // "john smith visited acme": B-PER I-PER O B-ORG
    std::vector<NerToken> tokens = {token("john", 1, 0.9f, 0, 4), token("smith", 2, 0.7f, 5, 10),
                                    token("visited", 0, 0.8f, 11, 18), token("acme", 3, 0.6f, 19, 23)};
    auto e = aggregate_ner(tokens, kLabels, Aggregation::Simple, join);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].label, "PER");
    EXPECT_EQ(e[0].word, "john smith");
    EXPECT_NEAR(e[0].score, 0.8f, 1e-6);
    EXPECT_EQ(e[0].start, 0u);
    EXPECT_EQ(e[0].end, 10u);
    EXPECT_EQ(e[1].label, "ORG");
    EXPECT_EQ(e[1].word, "acme");
}

TEST(NerAggregation, NoneKeepsTokensAndIndexDropsO) {
    std::vector<NerToken> tokens = {token("john", 1, 0.9f, 0, 4), token("visited", 0, 0.8f, 5, 12)};
    tokens[0].index = 1;
    auto e = aggregate_ner(tokens, kLabels, Aggregation::None, join);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].label, "B-PER");
    ASSERT_TRUE(e[0].index.has_value());
    EXPECT_EQ(*e[0].index, 1);
}

TEST(NerAggregation, BStartsANewGroupAndBareLabelsContinue) {
    // B-PER B-PER: two groups. MISC MISC: one group (a bare label continues like I-).
    std::vector<NerToken> tokens = {token("ann", 1, 0.9f, 0, 3), token("bob", 1, 0.9f, 4, 7),
                                    token("x", 5, 0.5f, 8, 9), token("y", 5, 0.7f, 10, 11)};
    auto e = aggregate_ner(tokens, kLabels, Aggregation::Simple, join);
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0].word, "ann");
    EXPECT_EQ(e[1].word, "bob");
    EXPECT_EQ(e[2].label, "MISC");
    EXPECT_EQ(e[2].word, "x y");
    EXPECT_NEAR(e[2].score, 0.6f, 1e-6);
}

TEST(NerAggregation, WordStrategiesDisagreeOnASplitWord) {
    // "microsoft" = micro (B-ORG 0.5) + ##soft (I-PER 0.9, subword).
    std::vector<NerToken> tokens = {token("micro", 3, 0.5f, 0, 5), token("##soft", 2, 0.9f, 5, 9, true)};
    auto first = aggregate_ner(tokens, kLabels, Aggregation::First, join);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].label, "ORG");
    EXPECT_EQ(first[0].word, "microsoft");
    EXPECT_NEAR(first[0].score, 0.5f, 1e-6);
    EXPECT_EQ(first[0].end, 9u);

    auto max = aggregate_ner(tokens, kLabels, Aggregation::Max, join);
    ASSERT_EQ(max.size(), 1u);
    EXPECT_EQ(max[0].label, "PER");  // the token with the highest score wins; an I- word starts a group
    EXPECT_NEAR(max[0].score, 0.9f, 1e-6);

    // Average of the two score vectors: B-ORG (0.5 + 0.02) / 2 = 0.26, I-PER (0.1 + 0.9) / 2 = 0.5.
    auto average = aggregate_ner(tokens, kLabels, Aggregation::Average, join);
    ASSERT_EQ(average.size(), 1u);
    EXPECT_EQ(average[0].label, "PER");
    EXPECT_NEAR(average[0].score, 0.5f, 1e-6);

    // Simple ignores words: two groups (B-ORG, then I-PER which does not continue ORG).
    auto simple = aggregate_ner(tokens, kLabels, Aggregation::Simple, join);
    ASSERT_EQ(simple.size(), 2u);
    EXPECT_EQ(simple[1].word, "soft");
}

TEST(NerAggregation, BadInput) {
    EXPECT_THROW(parse_aggregation("greedy"), Error);
    std::vector<NerToken> tokens = {token("a", 1, 0.9f, 0, 1)};
    tokens[0].scores.pop_back();
    EXPECT_THROW(aggregate_ner(tokens, kLabels, Aggregation::Simple, join), Error);
    EXPECT_TRUE(aggregate_ner({}, kLabels, Aggregation::First, join).empty());
}

}  // namespace
}  // namespace loom
