// The conversation of `loom chat`: the system prompt and the turns, their JSON form (/save, /load), and
// fitting them into the context window by dropping the oldest turns. No terminal and no model here: the
// prompt's tokens come from a PromptEncoder, so this is tested with a fake one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace loom::cli {

struct ChatMessage {
    std::string role;  // "user" or "assistant"
    std::string content;
};

// The token ids of the prompt for `messages` (a JSON array of {role, content}, the system prompt first when
// there is one), as the model will see it: chat template with the generation prompt, then the tokenizer.
using PromptEncoder = std::function<std::vector<int32_t>(const nlohmann::ordered_json& messages)>;

struct FitResult {
    bool fits = false;  // false: the newest user turn alone (with the system prompt) fills the window
    std::vector<int32_t> prompt;  // the prompt's ids when it fits
    size_t dropped_messages = 0;  // how many old messages were dropped to make it fit
};

class ChatConversation {
  public:
    explicit ChatConversation(std::string system = {}) : system_(std::move(system)) {}

    const std::string& system() const { return system_; }
    void set_system(std::string system) { system_ = std::move(system); }
    const std::vector<ChatMessage>& turns() const { return turns_; }

    void add(std::string role, std::string content) {
        turns_.push_back({std::move(role), std::move(content)});
    }
    void drop_last() {
        if (!turns_.empty()) turns_.pop_back();
    }
    void clear_turns() { turns_.clear(); }

    // [{role, content}...], the system prompt first when not empty: what /save writes and templates render.
    nlohmann::ordered_json to_json() const;
    // Replaces everything with `messages` (what to_json writes, or an object with such a "messages" array).
    // Throws loom::Error naming the message that is not {role: system|user|assistant, content: string}; a
    // system message is accepted only first.
    void load_json(const nlohmann::ordered_json& messages);

    // Makes the conversation (ending with the newest user turn) fit `n_ctx` tokens with `reply_room` tokens
    // left for the reply. When it does not, the oldest turns are dropped (a user turn with the replies after
    // it; the system prompt is kept) until the prompt takes at most half of n_ctx - reply_room, so that the
    // next turns reuse the cache for a while instead of re-running the whole history each turn. When only
    // the newest turn is left, it is accepted while it leaves room for at least one token of reply.
    // When even that does not fit, nothing is dropped and fits is false.
    FitResult fit(const PromptEncoder& encode, int64_t n_ctx, int64_t reply_room);

  private:
    std::string system_;
    std::vector<ChatMessage> turns_;
};

}  // namespace loom::cli
