// StopStringMatcher: holding back possible stop-string prefixes across streamed chunks.
#include <gtest/gtest.h>

#include "core/error.h"
#include "generate/stop_strings.h"

using namespace loom;

namespace {

// Feeds `chunks` one by one; returns everything emitted (plus flush when no stop) and the stop state.
std::pair<std::string, bool> stream(StopStringMatcher& m, const std::vector<std::string>& chunks) {
    std::string out;
    for (const auto& c : chunks) {
        auto r = m.push(c);
        out += r.text;
        if (r.stopped) return {out, true};
    }
    return {out + m.flush(), false};
}

}  // namespace

TEST(StopStrings, StopsWithinOneChunk) {
    StopStringMatcher m({"</s>"});
    auto r = m.push("Hello</s>ignored");
    EXPECT_EQ(r.text, "Hello");
    EXPECT_TRUE(r.stopped);
    EXPECT_TRUE(m.push("more").stopped);
    EXPECT_EQ(m.push("more").text, "");
}

TEST(StopStrings, HoldsBackAPrefixSplitAcrossChunks) {
    StopStringMatcher m({"<|im_end|>"});
    auto r1 = m.push("Hi there<|im");
    EXPECT_EQ(r1.text, "Hi there");
    EXPECT_FALSE(r1.stopped);
    EXPECT_EQ(m.held_bytes(), 4u);
    auto r2 = m.push("_en");
    EXPECT_EQ(r2.text, "");
    auto r3 = m.push("d|>tail");
    EXPECT_EQ(r3.text, "");
    EXPECT_TRUE(r3.stopped);
}

TEST(StopStrings, ReleasesHeldTextWhenItStopsMatching) {
    StopStringMatcher m({"STOP"});
    EXPECT_EQ(m.push("a ST").text, "a ");
    EXPECT_EQ(m.push("ORM").text, "STORM");
    EXPECT_EQ(m.held_bytes(), 0u);
    EXPECT_EQ(m.push("xS").text, "x");
    EXPECT_EQ(m.flush(), "S");  // generation ended: held text is released
}

TEST(StopStrings, OverlappingPrefixes) {
    StopStringMatcher m({"abc"});
    EXPECT_EQ(stream(m, {"a", "a", "b", "c"}), std::make_pair(std::string("a"), true));
    StopStringMatcher n({"aab"});
    EXPECT_EQ(stream(n, {"a", "a", "a", "b"}), std::make_pair(std::string("a"), true));
}

TEST(StopStrings, EarliestOfSeveralWinsAndIsReported) {
    StopStringMatcher m({"world", "lo"});
    auto r = m.push("hello world");
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(r.text, "hel");
    EXPECT_EQ(r.stop_index, 1u);
}

TEST(StopStrings, NonAsciiStopString) {
    StopStringMatcher m({"<｜end▁of▁sentence｜>"});
    const std::string stop = "<｜end▁of▁sentence｜>";
    auto [text, stopped] = stream(m, {"Grüße ", stop.substr(0, 4), stop.substr(4, 5), stop.substr(9), "x"});
    EXPECT_TRUE(stopped);
    EXPECT_EQ(text, "Grüße ");
}

TEST(StopStrings, NoStopsPassesEverythingThrough) {
    StopStringMatcher m({});
    EXPECT_EQ(stream(m, {"a", "b"}), std::make_pair(std::string("ab"), false));
    EXPECT_THROW(StopStringMatcher({"ok", ""}), Error);
}

TEST(StopStrings, ResetStartsOver) {
    StopStringMatcher m({"x"});
    EXPECT_TRUE(m.push("x").stopped);
    m.reset();
    EXPECT_EQ(m.push("abc").text, "abc");
}
