#include "generate/generator.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/error.h"

namespace loom {

const char* stop_reason_name(StopReason reason) {
    switch (reason) {
        case StopReason::EndOfGeneration:
            return "eog";
        case StopReason::StopString:
            return "stop string";
        case StopReason::MaxTokens:
            return "max tokens";
        case StopReason::ContextFull:
            return "context full";
        case StopReason::Cancelled:
            return "cancelled";
    }
    return "?";
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// Holds back the tail of the generated text that could still grow into a stop string.
class StopStringFilter {
  public:
    explicit StopStringFilter(const std::vector<std::string>& stops) : stops_(stops) {}

    // Adds text; returns what is safe to show. Sets `stopped` when a stop string completed.
    std::string push(const std::string& text, bool& stopped) {
        pending_ += text;
        size_t cut = std::string::npos;
        for (const std::string& s : stops_) {
            if (s.empty()) continue;
            size_t at = pending_.find(s);
            if (at != std::string::npos) cut = std::min(cut, at);
        }
        if (cut != std::string::npos) {
            stopped = true;
            std::string out = pending_.substr(0, cut);
            pending_.clear();
            return out;
        }
        // Keep the longest suffix that is a proper prefix of some stop string.
        size_t hold = 0;
        for (const std::string& s : stops_)
            for (size_t len = std::min(s.size() - (s.empty() ? 0 : 1), pending_.size()); len > hold; --len)
                if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
                    hold = len;
                    break;
                }
        std::string out = pending_.substr(0, pending_.size() - hold);
        pending_.erase(0, pending_.size() - hold);
        return out;
    }
    std::string flush() { return std::exchange(pending_, {}); }

  private:
    const std::vector<std::string>& stops_;
    std::string pending_;
};

}  // namespace

GenerationResult generate(Session& session, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                          SamplerChain& sampler, const GenerationOptions& options,
                          const std::function<void(const GenerationStep&)>& on_step) {
    if (options.n_predict <= 0)
        throw Error("number of tokens to predict must be positive, got " + std::to_string(options.n_predict));
    const int64_t n_prompt = static_cast<int64_t>(prompt.size());
    if (n_prompt == 0) throw Error("empty prompt: nothing to run");
    if (n_prompt > session.n_ctx())
        throw Error("prompt is " + std::to_string(n_prompt) + " tokens, longer than the context window of " +
                    std::to_string(session.n_ctx()) + " tokens");
    if (!options.allow_context_overflow && n_prompt + options.n_predict > session.n_ctx())
        throw Error("prompt (" + std::to_string(n_prompt) + " tokens) + " +
                    std::to_string(options.n_predict) + " tokens to predict exceed the context window of " +
                    std::to_string(session.n_ctx()) + " tokens")
            .hint("raise -c, lower -n, or allow stopping when the window is full");

    GenerationResult result;
    result.n_prompt = n_prompt;
    const auto t0 = Clock::now();
    std::span<const float> logits = session.prefill(prompt);
    result.prefill_seconds = seconds_since(t0);

    const auto t1 = Clock::now();
    DecodeStream stream(tokenizer, /*skip_special_tokens=*/true);
    StopStringFilter filter(options.stop_strings);
    for (int32_t i = 0; i < options.n_predict; ++i) {
        if (options.cancel && options.cancel->load()) {
            result.stop = StopReason::Cancelled;
            break;
        }
        GenerationStep step;
        if (options.top_probs > 0) step.top = top_probabilities(logits, options.top_probs);
        step.token = sampler.sample(logits);
        sampler.accept(step.token);
        if (std::find(options.end_of_generation.begin(), options.end_of_generation.end(), step.token) !=
            options.end_of_generation.end()) {
            result.stop = StopReason::EndOfGeneration;
            bool stopped = false;
            step.text = filter.push(stream.flush(), stopped);
            if (!stopped) step.text += filter.flush();
            result.text += step.text;
            if (on_step) on_step(step);
            break;
        }
        result.tokens.push_back(step.token);
        bool stopped = false;
        step.text = filter.push(stream.step(step.token), stopped);
        result.text += step.text;
        if (on_step) on_step(step);
        if (stopped) {
            result.stop = StopReason::StopString;
            break;
        }
        if (i + 1 == options.n_predict) break;  // no need to run the last token
        if (session.n_past() >= session.n_ctx()) {
            result.stop = StopReason::ContextFull;
            break;
        }
        logits = session.decode(step.token);
    }
    if (result.stop != StopReason::StopString && result.stop != StopReason::EndOfGeneration) {
        bool stopped = false;
        std::string tail = filter.push(stream.flush(), stopped);
        tail += stopped ? "" : filter.flush();
        result.text += tail;
        if (!tail.empty() && on_step) on_step(GenerationStep{-1, tail, {}});
    }
    result.decode_seconds = seconds_since(t1);
    return result;
}

}  // namespace loom
