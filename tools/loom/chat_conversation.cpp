#include "chat_conversation.h"

#include "core/error.h"

namespace loom::cli {
namespace {

nlohmann::ordered_json conversation_messages_json(const std::string& system,
                                                  const std::vector<ChatMessage>& turns) {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
    for (const ChatMessage& m : turns) messages.push_back({{"role", m.role}, {"content", m.content}});
    return messages;
}

// Drops the oldest message and any replies after it, so the turns still begin with a user message.
void drop_oldest_chat_turn(std::vector<ChatMessage>& turns) {
    size_t end = 1;
    while (end < turns.size() && turns[end].role != "user") ++end;
    turns.erase(turns.begin(), turns.begin() + static_cast<std::ptrdiff_t>(end));
}

}  // namespace

nlohmann::ordered_json ChatConversation::to_json() const {
    return conversation_messages_json(system_, turns_);
}

void ChatConversation::load_json(const nlohmann::ordered_json& document) {
    const nlohmann::ordered_json& messages =
        document.is_object() && document.contains("messages") ? document["messages"] : document;
    if (!messages.is_array()) throw Error("expected a JSON array of {\"role\", \"content\"} messages");
    std::string system;
    std::vector<ChatMessage> turns;
    for (size_t i = 0; i < messages.size(); ++i) {
        const auto& m = messages[i];
        const std::string where = "message " + std::to_string(i + 1);
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
            !m["content"].is_string())
            throw Error(where + " is not {\"role\": string, \"content\": string}");
        const std::string role = m["role"].get<std::string>();
        std::string content = m["content"].get<std::string>();
        if (role == "system" && i == 0)
            system = std::move(content);
        else if (role == "user" || role == "assistant")
            turns.push_back({role, std::move(content)});
        else
            throw Error(where + " has role \"" + role + "\"; expected user or assistant (system only first)");
    }
    system_ = std::move(system);
    turns_ = std::move(turns);
}

FitResult ChatConversation::fit(const PromptEncoder& encode, int64_t n_ctx, int64_t reply_room) {
    FitResult result;
    result.prompt = encode(to_json());
    auto size = [&] { return static_cast<int64_t>(result.prompt.size()); };
    if (size() + reply_room <= n_ctx) {
        result.fits = true;
        return result;
    }
    std::vector<ChatMessage> kept = turns_;
    const int64_t target = (n_ctx - reply_room) / 2;
    size_t dropped = 0;
    while (size() > target && kept.size() > 1) {
        const size_t before = kept.size();
        drop_oldest_chat_turn(kept);
        dropped += before - kept.size();
        result.prompt = encode(conversation_messages_json(system_, kept));
    }
    if (size() >= n_ctx) return FitResult{};
    turns_ = std::move(kept);
    result.fits = true;
    result.dropped_messages = dropped;
    return result;
}

}  // namespace loom::cli
