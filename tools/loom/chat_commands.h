// What a line typed into `loom chat` means: a slash command (/help, /bye, /clear, /system, /save, /load) or
// text, and the """ multi-line input that gathers several lines into one message. No terminal here.
#pragma once

#include <optional>
#include <string>

namespace loom::cli {

enum class ChatCommandKind { None, Help, Bye, Clear, System, Save, Load, Unknown, Invalid };

struct ChatCommand {
    ChatCommandKind kind = ChatCommandKind::None;  // None: the line is text for the model
    std::string argument;  // System: the new prompt ("" shows the current one); Save/Load: the file;
                           // Unknown: the word typed; Invalid: what is wrong
};

// "/name [argument]" (leading and trailing blanks ignored). A line that does not start with '/' is None.
ChatCommand parse_chat_command(const std::string& line);

// The /help text (one command a line).
const char* chat_help_text();

// Gathers """ multi-line input: a line starting with """ opens it (the rest of that line is its first line),
// a line ending with """ closes it; the quotes are not part of the message. A line both opening and closing
// (""" text """) is a one-line message.
class MultilineInput {
  public:
    bool open() const { return open_; }
    // Returns the whole message once complete; nullopt while the input is open or when the line is not
    // multi-line input at all (check starts() first).
    std::optional<std::string> add(const std::string& line);
    static bool starts(const std::string& line);
    void cancel() {
        open_ = false;
        text_.clear();
        lines_ = 0;
    }

  private:
    bool open_ = false;
    std::string text_;
    int lines_ = 0;
};

}  // namespace loom::cli
