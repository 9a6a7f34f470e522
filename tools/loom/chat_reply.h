// One reply of `loom chat`: fits the conversation into the context window (dropping the oldest turns, and
// saying so once), streams the model's reply to stdout, and records it as the assistant's turn. Notes for
// the user ("[...]" lines) go to stderr, so a pipe's stdout holds only the replies.
#pragma once

#include <atomic>
#include <cstdint>

#include "chat_conversation.h"
#include "default_model.h"
#include "generate/chat_template.h"
#include "generate/generator.h"

namespace loom::cli {

void chat_note(const std::string& text);  // "[text]" on its own line on stderr

class ChatReplier {
  public:
    // reply_limit: the most tokens a reply may have; <= 0: until the end of the turn or of the context.
    ChatReplier(LoadedModel& model, Session& session, SamplerChain& sampler, GenerationOptions options,
                int32_t reply_limit);

    // Answers the conversation's last (user) turn. When `cancel` becomes true the reply stops; what was
    // generated is kept as the assistant's turn (a reply stopped before any text drops the user's turn too).
    // A turn that cannot fit the context window, or that the chat template refuses, is dropped with a note;
    // the conversation before it is kept.
    void reply(ChatConversation& conversation, const std::atomic<bool>* cancel);

    int64_t n_ctx() const;

  private:
    LoadedModel& model_;
    ChatTemplate template_;
    Session& session_;
    SamplerChain& sampler_;
    GenerationOptions options_;
    int32_t reply_limit_;
    bool told_about_dropping_ = false;
};

}  // namespace loom::cli
