// What a line typed into `loom chat` means (issue 16): slash commands with their arguments and mistakes, and
// """ multi-line input.
#include <gtest/gtest.h>

#include "chat_commands.h"

namespace loom::cli {
namespace {

TEST(ChatCommands, ParsesCommandsAndArguments) {
    EXPECT_EQ(parse_chat_command("/bye").kind, ChatCommandKind::Bye);
    EXPECT_EQ(parse_chat_command("  /bye  ").kind, ChatCommandKind::Bye);
    EXPECT_EQ(parse_chat_command("/exit").kind, ChatCommandKind::Bye);
    EXPECT_EQ(parse_chat_command("/help").kind, ChatCommandKind::Help);
    EXPECT_EQ(parse_chat_command("/clear").kind, ChatCommandKind::Clear);
    ChatCommand system = parse_chat_command("/system   You are a pirate.  ");
    EXPECT_EQ(system.kind, ChatCommandKind::System);
    EXPECT_EQ(system.argument, "You are a pirate.");
    EXPECT_EQ(parse_chat_command("/system").argument, "");
    ChatCommand save = parse_chat_command("/save chats/my chat.json");
    EXPECT_EQ(save.kind, ChatCommandKind::Save);
    EXPECT_EQ(save.argument, "chats/my chat.json");
    EXPECT_EQ(parse_chat_command("/load\tin.json").argument, "in.json");
}

TEST(ChatCommands, TextUnknownCommandsAndMistakes) {
    EXPECT_EQ(parse_chat_command("Hello /bye").kind, ChatCommandKind::None);
    EXPECT_EQ(parse_chat_command("").kind, ChatCommandKind::None);
    ChatCommand unknown = parse_chat_command("/usr/bin is what?");
    EXPECT_EQ(unknown.kind, ChatCommandKind::Unknown);
    EXPECT_EQ(unknown.argument, "/usr/bin");
    ChatCommand no_file = parse_chat_command("/save");
    EXPECT_EQ(no_file.kind, ChatCommandKind::Invalid);
    EXPECT_NE(no_file.argument.find("file name"), std::string::npos);
    EXPECT_EQ(parse_chat_command("/load  ").kind, ChatCommandKind::Invalid);
    EXPECT_EQ(parse_chat_command("/bye now").kind, ChatCommandKind::Invalid);
    EXPECT_NE(std::string(chat_help_text()).find("/save FILE"), std::string::npos);
}

TEST(ChatCommands, MultilineInputGathersLinesBetweenTripleQuotes) {
    MultilineInput input;
    EXPECT_FALSE(MultilineInput::starts("plain text"));
    EXPECT_FALSE(input.add("plain text"));
    EXPECT_FALSE(input.open());

    ASSERT_TRUE(MultilineInput::starts("\"\"\""));
    EXPECT_FALSE(input.add("\"\"\""));
    EXPECT_TRUE(input.open());
    EXPECT_FALSE(input.add("first line"));
    EXPECT_FALSE(input.add(""));
    EXPECT_FALSE(input.add("  indented"));
    EXPECT_EQ(input.add("\"\"\"").value_or("?"), "first line\n\n  indented");
    EXPECT_FALSE(input.open());

    EXPECT_FALSE(input.add("\"\"\"Begin here"));
    EXPECT_EQ(input.add("and end here\"\"\"").value_or("?"), "Begin here\nand end here");
    EXPECT_EQ(input.add("\"\"\"one line\"\"\"").value_or("?"), "one line");

    EXPECT_FALSE(input.add("\"\"\"abandoned"));
    input.cancel();
    EXPECT_FALSE(input.open());
    EXPECT_FALSE(input.add("\"\"\""));
    EXPECT_EQ(input.add("fresh\"\"\"").value_or("?"), "fresh");
}

}  // namespace
}  // namespace loom::cli
