#include "chat_line_editor.h"

#include <histedit.h>

#include <cerrno>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "core/error.h"

namespace loom::cli {
namespace {

std::atomic<bool> chat_sigint_seen{false};
struct sigaction chat_previous_sigint;

void on_chat_sigint(int) {
    chat_sigint_seen.store(true);
}

class LibeditLineReader : public ChatLineReader {
  public:
    LibeditLineReader() {
        std::setlocale(LC_CTYPE, "");  // libedit edits multibyte (UTF-8) text by the locale's encoding
        editor_ = el_init("loom", stdin, stdout, stderr);
        history_ = history_init();
        if (!editor_ || !history_) throw Error("cannot start the line editor (libedit)");
        HistEvent event;
        history(history_, &event, H_SETSIZE, 1000);
        history(history_, &event, H_SETUNIQUE, 1);
        el_set(editor_, EL_EDITOR, "emacs");
        el_set(editor_, EL_CLIENTDATA, this);
        el_set(editor_, EL_PROMPT, &LibeditLineReader::prompt_of);
        el_set(editor_, EL_HIST, history, history_);
        el_set(editor_, EL_BIND, "^R", "em-inc-search-prev", nullptr);  // as in shells: search earlier lines
        el_source(editor_, nullptr);  // the user's ~/.editrc, as other libedit programs read it
    }
    ~LibeditLineReader() override {
        el_end(editor_);
        history_end(history_);
    }

    ChatInput read(const std::string& prompt) override {
        prompt_ = prompt;
        int count = 0;
        const char* line = el_gets(editor_, &count);
        if (line && count > 0) {
            std::string text(line, static_cast<size_t>(count));
            if (!text.empty() && text.back() == '\n') text.pop_back();
            return {ChatInputStatus::Line, text};
        }
        if (count < 0 && errno == EINTR) {
            // Ctrl-C: report what was typed, then start the next line empty.
            const LineInfo* typed = el_line(editor_);
            std::string text(typed->buffer, typed->lastchar);
            el_reset(editor_);
            std::fputs("\n", stdout);
            std::fflush(stdout);
            return {ChatInputStatus::Interrupted, text};
        }
        return {ChatInputStatus::EndOfInput, ""};
    }

    void add_history(const std::string& entry) override {
        HistEvent event;
        history(history_, &event, H_ENTER, entry.c_str());
    }

  private:
    static char* prompt_of(EditLine* editor) {
        void* self = nullptr;
        el_get(editor, EL_CLIENTDATA, &self);
        return const_cast<char*>(static_cast<LibeditLineReader*>(self)->prompt_.c_str());
    }

    EditLine* editor_ = nullptr;
    History* history_ = nullptr;
    std::string prompt_;
};

class PipeLineReader : public ChatLineReader {
  public:
    ChatInput read(const std::string&) override {
        std::string line;
        if (!std::getline(std::cin, line)) return {};
        return {ChatInputStatus::Line, line};
    }
    void add_history(const std::string&) override {}
};

}  // namespace

std::unique_ptr<ChatLineReader> make_terminal_line_reader() {
    return std::make_unique<LibeditLineReader>();
}
std::unique_ptr<ChatLineReader> make_pipe_line_reader() {
    return std::make_unique<PipeLineReader>();
}

ChatInterruptCatcher::ChatInterruptCatcher() {
    struct sigaction action {};
    action.sa_handler = on_chat_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a read waiting for the user's line returns EINTR
    sigaction(SIGINT, &action, &chat_previous_sigint);
}

ChatInterruptCatcher::~ChatInterruptCatcher() {
    sigaction(SIGINT, &chat_previous_sigint, nullptr);
}

std::atomic<bool>& ChatInterruptCatcher::interrupted() {
    return chat_sigint_seen;
}

}  // namespace loom::cli
