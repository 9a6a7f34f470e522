// `loom chat`'s conversation without a model (issue 16): when the next turn does not fit the context window
// the oldest turns are dropped (the system prompt kept, the turns still starting with a user message); a
// turn that cannot fit even alone is refused without losing the history; /save and /load's JSON.
#include <gtest/gtest.h>

#include "chat_conversation.h"
#include "core/error.h"

namespace loom::cli {
namespace {

// A stand-in for template + tokenizer: each message costs 4 tokens plus one per character, the generation
// prompt 2. The ids are the message index, so a test can see which messages made the prompt.
std::vector<int32_t> fake_encode(const nlohmann::ordered_json& messages) {
    std::vector<int32_t> ids;
    for (size_t i = 0; i < messages.size(); ++i)
        ids.insert(ids.end(), 4 + messages[i]["content"].get<std::string>().size(), static_cast<int32_t>(i));
    ids.insert(ids.end(), 2, -1);
    return ids;
}

ChatConversation conversation_of_turns(int n_turns, const std::string& system) {
    ChatConversation c(system);
    for (int i = 0; i < n_turns; ++i) {
        c.add("user", "question " + std::to_string(i));     // 10 characters: 14 tokens
        c.add("assistant", "answer " + std::to_string(i));  // 8 characters: 12 tokens
    }
    return c;
}

TEST(ChatConversation, FitsWithoutDroppingWhenThereIsRoom) {
    ChatConversation c = conversation_of_turns(2, "be brief");  // 12 + 2 * 26 + 2 = 66 tokens
    c.add("user", "question 2");                                // + 14 = 80
    FitResult fit = c.fit(fake_encode, 100, 20);
    ASSERT_TRUE(fit.fits);
    EXPECT_EQ(fit.prompt.size(), 80u);
    EXPECT_EQ(fit.dropped_messages, 0u);
    EXPECT_EQ(c.turns().size(), 5u);
}

TEST(ChatConversation, DropsTheOldestTurnsKeepingTheSystemPrompt) {
    ChatConversation c = conversation_of_turns(10, "be brief");  // 12 + 260 + 2
    c.add("user", "question 10");                                // + 15 = 289 tokens
    FitResult fit = c.fit(fake_encode, 200, 20);                 // target: (200 - 20) / 2 = 90 tokens
    ASSERT_TRUE(fit.fits);
    EXPECT_LE(fit.prompt.size(), 90u);
    EXPECT_EQ(fit.prompt, fake_encode(c.to_json()));
    EXPECT_EQ(c.system(), "be brief");
    ASSERT_GE(c.turns().size(), 1u);
    EXPECT_EQ(c.turns().front().role, "user");
    EXPECT_EQ(c.turns().back().content, "question 10");
    EXPECT_EQ(fit.dropped_messages, 21u - c.turns().size());
    // Whole turns went, oldest first: the newest three turns (12 + 2 * 26 + 15 + 2 = 81 tokens) are kept.
    EXPECT_EQ(c.turns().size(), 5u);
    EXPECT_EQ(c.turns().front().content, "question 8");
}

TEST(ChatConversation, ANewestTurnThatFitsOnlyWithoutRoomForTheFullReplyIsStillSent) {
    ChatConversation c = conversation_of_turns(3, "");
    c.add("user", std::string(80, 'x'));  // 84 + 2 tokens alone
    FitResult fit = c.fit(fake_encode, 100, 25);
    ASSERT_TRUE(fit.fits);
    EXPECT_EQ(c.turns().size(), 1u);
    EXPECT_EQ(fit.prompt.size(), 86u);
    EXPECT_EQ(fit.dropped_messages, 6u);
}

TEST(ChatConversation, ATurnThatCannotFitKeepsTheHistory) {
    ChatConversation c = conversation_of_turns(3, "be brief");
    c.add("user", std::string(200, 'x'));
    FitResult fit = c.fit(fake_encode, 100, 10);
    EXPECT_FALSE(fit.fits);
    EXPECT_TRUE(fit.prompt.empty());
    EXPECT_EQ(c.turns().size(), 7u);  // nothing dropped
    c.drop_last();                    // the chat drops the message it could not send
    EXPECT_EQ(c.turns().back().content, "answer 2");
}

TEST(ChatConversation, AnOrphanReplyAtTheStartIsDroppedWithTheOldestTurn) {
    ChatConversation c;
    c.add("assistant", "hello, how can I help?");
    c.add("user", "question 0");
    c.add("assistant", "answer 0");
    c.add("user", "question 1");
    FitResult fit = c.fit(fake_encode, 60, 4);
    ASSERT_TRUE(fit.fits);
    ASSERT_EQ(c.turns().size(), 1u);
    EXPECT_EQ(c.turns().front().content, "question 1");
}

TEST(ChatConversation, JsonRoundTripAndBadInput) {
    ChatConversation c = conversation_of_turns(2, "be brief");
    const nlohmann::ordered_json saved = c.to_json();
    ASSERT_EQ(saved.size(), 5u);
    EXPECT_EQ(saved[0]["role"], "system");
    EXPECT_EQ(saved[4]["content"], "answer 1");

    ChatConversation loaded;
    loaded.load_json(saved);
    EXPECT_EQ(loaded.system(), "be brief");
    EXPECT_EQ(loaded.to_json(), saved);
    loaded.load_json(nlohmann::ordered_json::parse(R"({"messages": [{"role": "user", "content": "hi"}]})"));
    EXPECT_EQ(loaded.system(), "");
    ASSERT_EQ(loaded.turns().size(), 1u);

    ChatConversation kept = conversation_of_turns(1, "s");
    EXPECT_THROW(kept.load_json(nlohmann::ordered_json::parse(R"({"role": "user"})")), Error);
    EXPECT_THROW(kept.load_json(nlohmann::ordered_json::parse(R"([{"role": "user", "content": 3}])")), Error);
    EXPECT_THROW(kept.load_json(nlohmann::ordered_json::parse(R"([{"role": "tool", "content": "x"}])")),
                 Error);
    EXPECT_THROW(kept.load_json(nlohmann::ordered_json::parse(
                     R"([{"role": "user", "content": "x"}, {"role": "system", "content": "late"}])")),
                 Error);
    EXPECT_EQ(kept.to_json().size(), 3u);  // a refused file changes nothing
}

}  // namespace
}  // namespace loom::cli
