#include "chat_reply.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "core/log.h"
#include "core/terminal_text.h"

namespace loom::cli {

void chat_note(const std::string& text) {
    std::fflush(stdout);
    std::fprintf(stderr, "[%s]\n", text.c_str());
}

ChatReplier::ChatReplier(LoadedModel& model, Session& session, SamplerChain& sampler,
                         GenerationOptions options, int32_t reply_limit)
    : model_(model),
      template_(model.chat_template),
      session_(session),
      sampler_(sampler),
      options_(std::move(options)),
      reply_limit_(reply_limit) {}

int64_t ChatReplier::n_ctx() const {
    return session_.n_ctx();
}

void ChatReplier::reply(ChatConversation& conversation, const std::atomic<bool>* cancel) {
    const int64_t n_ctx = session_.n_ctx();
    // Room kept free for the reply when old turns must go: the reply limit, at most a quarter of the window.
    const int64_t reply_room = std::min<int64_t>(reply_limit_ > 0 ? reply_limit_ : n_ctx, n_ctx / 4);
    PromptEncoder encode = [this](const nlohmann::ordered_json& messages) {
        const std::string prompt = format_chat(template_, messages, true, model_.bos_token, model_.eos_token);
        // LOOM_LOG=debug shows each rendering, one JSON string per line (tests/e2e/gemma3_cli.sh reads it).
        log_debug("chat prompt: ", nlohmann::json(prompt).dump());
        // The template already holds any BOS/special tokens: encode without adding more.
        return model_.tokenizer->encode(prompt, false).ids;
    };
    FitResult fit;
    try {
        fit = conversation.fit(encode, n_ctx, reply_room);
    } catch (const Error& e) {
        conversation.drop_last();
        chat_note("message not sent: " + terminal_safe(e.what()));
        return;
    }
    if (!fit.fits) {
        conversation.drop_last();
        chat_note("message not sent: with the chat template it does not fit the context window of " +
                  std::to_string(n_ctx) + " tokens (-c); the conversation is kept");
        return;
    }
    if (fit.dropped_messages > 0 && !told_about_dropping_) {
        told_about_dropping_ = true;
        chat_note("the conversation no longer fits the context window of " + std::to_string(n_ctx) +
                  " tokens: the oldest turns are dropped from now on (the system prompt is kept)");
    }

    GenerationOptions options = options_;
    options.n_predict = reply_limit_ > 0 ? reply_limit_ : std::numeric_limits<int32_t>::max();
    options.allow_context_overflow = true;  // the reply stops when the window is full
    options.cancel = cancel;
    GenerationResult reply =
        generate(session_, *model_.tokenizer, fit.prompt, sampler_, options, [](const GenerationStep& s) {
            std::fputs(s.text.c_str(), stdout);
            std::fflush(stdout);
        });
    std::fputs("\n", stdout);
    std::fflush(stdout);

    if (reply.stop == StopReason::Cancelled && reply.text.empty()) {
        conversation.drop_last();
        chat_note("stopped before the reply began; the message was dropped");
        return;
    }
    conversation.add("assistant", reply.text);
    if (reply.stop == StopReason::Cancelled)
        chat_note("reply stopped");
    else if (reply.stop == StopReason::MaxTokens)
        chat_note("reply cut at " + std::to_string(reply_limit_) +
                  " tokens (-n); -n -1: until the turn ends");
    else if (reply.stop == StopReason::ContextFull)
        chat_note("the reply filled the context window of " + std::to_string(n_ctx) + " tokens");
}

}  // namespace loom::cli
