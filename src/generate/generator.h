// The generation loop: prompt -> prefill (one batched pass) -> sample -> decode one token -> ... until an
// end-of-generation token, a stop string, n_predict tokens, (when allowed) a full context window, or a cancel.
// Text is produced incrementally by the tokenizer's DecodeStream, so streamed output never splits a UTF-8
// character; text that could be the start of a stop string is held back until it is known not to be one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "generate/sampler_chain.h"
#include "generate/sampler_top_probs.h"
#include "generate/session.h"
#include "tokenizer/tokenizer.h"

namespace loom {

struct GenerationOptions {
    int32_t n_predict = 128;                 // > 0
    std::vector<int32_t> end_of_generation;  // ids that end the generation (EOS, EOT, <|im_end|>, ...)
    std::vector<std::string> stop_strings;   // the generation ends before the first occurrence of any
    // By default a prompt + n_predict that does not fit the context window is an error before anything runs;
    // with this set, generation starts anyway and stops (reason ContextFull) when the window fills.
    bool allow_context_overflow = false;
    size_t top_probs = 0;  // > 0: report the N most likely tokens at each step
    // When set, read before each new token: true ends the generation (StopReason::Cancelled), e.g. set from a
    // SIGINT handler to stop a reply. The tokens and text so far are kept in the result.
    const std::atomic<bool>* cancel = nullptr;
};

enum class StopReason { EndOfGeneration, StopString, MaxTokens, ContextFull, Cancelled };
const char* stop_reason_name(StopReason reason);

struct GenerationStep {
    int32_t token;     // the sampled id; -1 for the final step that only flushes held-back text
    std::string text;  // new text to show (may be empty; held back or partial UTF-8)
    std::vector<TokenProbability> top;  // [top_probs] before sampling, when asked
};

struct GenerationResult {
    std::vector<int32_t> tokens;  // generated ids (an end-of-generation id is not included)
    std::string text;             // their text, cut before a stop string
    StopReason stop = StopReason::MaxTokens;
    int64_t n_prompt = 0;
    double prefill_seconds = 0.0, decode_seconds = 0.0;
};

// Throws loom::Error for n_predict <= 0, an empty prompt, a prompt longer than the window, or (unless
// allow_context_overflow) prompt + n_predict beyond the window. on_step may be empty.
GenerationResult generate(Session& session, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                          SamplerChain& sampler, const GenerationOptions& options,
                          const std::function<void(const GenerationStep&)>& on_step = {});

}  // namespace loom
