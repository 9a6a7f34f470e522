// Reading what the user types into `loom chat`: on a terminal through libedit (line editing, history), from
// a pipe one plain line at a time. Ctrl-C is caught here (a SIGINT handler that only sets a flag): it
// interrupts the line being typed, and the chat loop hands the same flag to generate() to stop a reply.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace loom::cli {

enum class ChatInputStatus { Line, Interrupted, EndOfInput };

struct ChatInput {
    ChatInputStatus status = ChatInputStatus::EndOfInput;
    std::string text;  // Line: the line without its newline; Interrupted: what had been typed
};

class ChatLineReader {
  public:
    virtual ~ChatLineReader() = default;
    virtual ChatInput read(const std::string& prompt) = 0;
    virtual void add_history(const std::string& entry) = 0;
};

// libedit on the terminal (stdin and stdout).
std::unique_ptr<ChatLineReader> make_terminal_line_reader();
// std::getline on stdin; no prompt, no history.
std::unique_ptr<ChatLineReader> make_pipe_line_reader();

// While alive, SIGINT sets interrupted() instead of ending the process (restored afterwards).
class ChatInterruptCatcher {
  public:
    ChatInterruptCatcher();
    ~ChatInterruptCatcher();
    ChatInterruptCatcher(const ChatInterruptCatcher&) = delete;
    ChatInterruptCatcher& operator=(const ChatInterruptCatcher&) = delete;

    static std::atomic<bool>& interrupted();
};

}  // namespace loom::cli
