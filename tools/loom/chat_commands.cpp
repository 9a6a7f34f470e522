#include "chat_commands.h"

#include <utility>

namespace loom::cli {
namespace {

constexpr const char* kChatTripleQuote = "\"\"\"";

std::string trim_chat_blanks(const std::string& s) {
    const size_t begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    const size_t end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

bool ends_with_triple_quote(const std::string& s) {
    return s.size() >= 3 && s.compare(s.size() - 3, 3, kChatTripleQuote) == 0;
}

}  // namespace

ChatCommand parse_chat_command(const std::string& line) {
    const std::string text = trim_chat_blanks(line);
    if (text.empty() || text[0] != '/') return {};
    const size_t space = text.find_first_of(" \t");
    const std::string name = text.substr(0, space);
    const std::string argument = space == std::string::npos ? "" : trim_chat_blanks(text.substr(space));
    auto without_argument = [&](ChatCommandKind kind) -> ChatCommand {
        if (!argument.empty()) return {ChatCommandKind::Invalid, name + " takes no argument"};
        return {kind, ""};
    };
    auto with_file = [&](ChatCommandKind kind) -> ChatCommand {
        if (argument.empty())
            return {ChatCommandKind::Invalid, name + " needs a file name: " + name + " FILE"};
        return {kind, argument};
    };
    if (name == "/help" || name == "/?") return without_argument(ChatCommandKind::Help);
    if (name == "/bye" || name == "/exit" || name == "/quit") return without_argument(ChatCommandKind::Bye);
    if (name == "/clear") return without_argument(ChatCommandKind::Clear);
    if (name == "/system") return {ChatCommandKind::System, argument};
    if (name == "/save") return with_file(ChatCommandKind::Save);
    if (name == "/load") return with_file(ChatCommandKind::Load);
    return {ChatCommandKind::Unknown, name};
}

const char* chat_help_text() {
    return "/help          this list\n"
           "/bye           leave (also /exit, Ctrl-D, or Ctrl-C twice at an empty prompt)\n"
           "/clear         forget the conversation (the system prompt stays)\n"
           "/system TEXT   set the system prompt (/system alone shows it)\n"
           "/save FILE     write the conversation as JSON messages\n"
           "/load FILE     read a conversation written by /save\n"
           "\"\"\"            start or end a message of several lines\n"
           "Ctrl-C stops a reply; Up/Down recall earlier lines.\n";
}

bool MultilineInput::starts(const std::string& line) {
    return line.rfind(kChatTripleQuote, 0) == 0;
}

std::optional<std::string> MultilineInput::add(const std::string& line) {
    std::string rest = line;
    bool opening = false;
    if (!open_) {
        if (!starts(line)) return std::nullopt;
        open_ = opening = true;
        text_.clear();
        lines_ = 0;
        rest = line.substr(3);
    }
    const bool closes = ends_with_triple_quote(rest);
    if (closes) rest.resize(rest.size() - 3);
    // The quotes' own lines add no empty first or last line.
    const bool quote_only_line = rest.empty() && (opening || closes);
    if (!quote_only_line) {
        if (lines_++ > 0) text_ += "\n";
        text_ += rest;
    }
    if (!closes) return std::nullopt;
    open_ = false;
    return std::exchange(text_, {});
}

}  // namespace loom::cli
