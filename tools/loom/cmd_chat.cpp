// `loom chat`: a conversation with an instruction-tuned model through its chat template (docs/chat.md).
// On a terminal: a banner, line editing and history (libedit), slash commands, """ multi-line input, Ctrl-C
// to stop a reply. From a pipe (`echo "Hi" | loom chat`): each stdin line is a user turn, replies on stdout.
// The whole conversation is re-rendered every turn (as apply_chat_template does) and the session only runs
// the tokens after the prefix it already holds.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "chat_commands.h"
#include "chat_template_flag.h"
#include "chat_conversation.h"
#include "chat_line_editor.h"
#include "chat_reply.h"
#include "command.h"
#include "core/error.h"
#include "core/terminal_text.h"
#include "default_model.h"
#include "generation_flags.h"

namespace loom::cli {
namespace {

struct ChatOptions {
    GenerationFlags gen;
    std::string system;
};

constexpr int32_t kChatReplyUntilEnd = -1;  // chat's default -n: until the end of the turn or the context

void print_chat_banner(const LoadedModel& m, int64_t n_ctx) {
    std::string name = std::filesystem::path(m.source.path).lexically_normal().filename().string();
    if (name.empty()) name = m.source.path;
    std::printf("loom chat: %s, context %lld tokens\n", terminal_safe(name).c_str(),
                static_cast<long long>(n_ctx));
    std::printf(
        "/help for commands, \"\"\" for several lines; Ctrl-C stops a reply, /bye or Ctrl-D leaves.\n");
    std::fflush(stdout);
}

void save_chat(const ChatConversation& conversation, const std::string& path) {
    std::ofstream out(path);
    out << conversation.to_json().dump(2) << "\n";
    out.close();
    if (!out) return chat_note("cannot write " + terminal_safe(path));
    chat_note("saved " + std::to_string(conversation.to_json().size()) + " messages to " +
              terminal_safe(path));
}

void load_chat(ChatConversation& conversation, const std::string& path) {
    std::ifstream in(path);
    if (!in) return chat_note("cannot read " + terminal_safe(path));
    try {
        conversation.load_json(nlohmann::ordered_json::parse(in));
    } catch (const nlohmann::json::exception& e) {
        return chat_note(terminal_safe(path) + ": not a JSON conversation: " + terminal_safe(e.what()));
    } catch (const Error& e) {
        return chat_note(terminal_safe(path) + ": " + terminal_safe(e.what()));
    }
    chat_note("loaded " + std::to_string(conversation.to_json().size()) + " messages from " +
              terminal_safe(path));
}

// Runs a slash command; returns false when the chat should end.
bool run_chat_command(const ChatCommand& command, ChatConversation& conversation) {
    switch (command.kind) {
        case ChatCommandKind::Help:
            std::fputs(chat_help_text(), stdout);
            std::fflush(stdout);
            return true;
        case ChatCommandKind::Bye:
            return false;
        case ChatCommandKind::Clear:
            conversation.clear_turns();
            chat_note("conversation cleared");
            return true;
        case ChatCommandKind::System:
            if (command.argument.empty()) {
                chat_note(conversation.system().empty()
                              ? "no system prompt"
                              : "system prompt: " + terminal_safe(conversation.system()));
            } else {
                conversation.set_system(command.argument);
                chat_note("system prompt set");
            }
            return true;
        case ChatCommandKind::Save:
            save_chat(conversation, command.argument);
            return true;
        case ChatCommandKind::Load:
            load_chat(conversation, command.argument);
            return true;
        case ChatCommandKind::Unknown:
            chat_note("unknown command " + terminal_safe(command.argument) + "; /help lists the commands");
            return true;
        case ChatCommandKind::Invalid:
            chat_note(command.argument);
            return true;
        case ChatCommandKind::None:
            return true;
    }
    return true;
}

int run_chat(ChatOptions& o) {
    const int32_t reply_limit = o.gen.n_predict == kChatReplyUntilEnd ? 0 : o.gen.n_predict;
    o.gen.validate_and_finish();
    LoadedModel m = load_model(resolve_or_pull_model_path(o.gen.model));
    apply_chat_template_flag(m, o.gen.chat_template_file);
    if (m.chat_template.empty()) throw_no_chat_template(m);
    Session session(*m.model, choose_context(m.model->config(), o.gen.context));
    auto sampler = make_sampler_chain(o.gen.sampling);
    GenerationOptions options;
    options.stop_strings = o.gen.stop;
    if (!o.gen.ignore_eos) options.end_of_generation = m.end_of_generation;
    ChatReplier replier(m, session, *sampler, options, reply_limit);

    const bool interactive = isatty(STDIN_FILENO);
    std::optional<ChatInterruptCatcher> interrupts;  // only on a terminal: Ctrl-C from a pipe still ends loom
    if (interactive) interrupts.emplace();
    std::atomic<bool>& interrupted = ChatInterruptCatcher::interrupted();
    std::unique_ptr<ChatLineReader> reader =
        interactive ? make_terminal_line_reader() : make_pipe_line_reader();
    if (interactive) print_chat_banner(m, session.n_ctx());

    ChatConversation conversation(o.system);
    MultilineInput multiline;
    bool last_was_interrupt_at_empty_prompt = false;
    while (true) {
        ChatInput input = reader->read(multiline.open() ? "... " : "> ");
        const bool interrupt_at_empty_prompt =
            input.status == ChatInputStatus::Interrupted && input.text.empty() && !multiline.open();
        interrupted.store(false);
        if (input.status == ChatInputStatus::EndOfInput) {
            if (interactive) std::fputs("\n", stdout);
            break;
        }
        if (input.status == ChatInputStatus::Interrupted) {
            multiline.cancel();
            if (interrupt_at_empty_prompt && last_was_interrupt_at_empty_prompt) break;
            if (interrupt_at_empty_prompt) chat_note("Ctrl-C again, /bye or Ctrl-D to leave");
            last_was_interrupt_at_empty_prompt = interrupt_at_empty_prompt;
            continue;
        }
        last_was_interrupt_at_empty_prompt = false;
        if (!input.text.empty()) reader->add_history(input.text);
        std::string message = input.text;
        if (multiline.open() || MultilineInput::starts(input.text)) {
            std::optional<std::string> complete = multiline.add(input.text);
            if (!complete) continue;
            message = *complete;
        } else {
            const ChatCommand command = parse_chat_command(input.text);
            // From a pipe, a line that only looks like a command (/usr/bin ...) is text, as before commands.
            if (command.kind != ChatCommandKind::None &&
                (interactive || command.kind != ChatCommandKind::Unknown)) {
                if (!run_chat_command(command, conversation)) break;
                continue;
            }
        }
        if (message.empty()) continue;
        conversation.add("user", message);
        replier.reply(conversation, interactive ? &interrupted : nullptr);
    }
    return 0;
}

CommandRegistrar chat_registrar(
    {"chat",
     "chat with an instruction-tuned model (interactive on a terminal, or one user turn per stdin line)",
     [](CLI::App& app) -> std::function<int()> {
         auto o = std::make_shared<ChatOptions>();
         o->gen.n_predict = kChatReplyUntilEnd;
         o->gen.add_to(app);
         add_offline_flag(app);
         app.add_option("--system", o->system, "system prompt");
         return [o] { return run_chat(*o); };
     }});

}  // namespace
}  // namespace loom::cli
