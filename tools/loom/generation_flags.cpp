#include "generation_flags.h"

#include "chat_template_flag.h"

#include <algorithm>
#include <climits>

#include "core/error.h"
#include "core/parallel.h"
#include "flag_ranges.h"
#include "kernels/cpu/matmul.h"
#include "shared_flags.h"

namespace loom::cli {

void add_sampling_flags(CLI::App& app, SamplingParams& sampling, int64_t& seed) {
    app.add_option("--temp", sampling.temperature, "temperature (0: greedy)")
        ->capture_default_str()
        ->check(real_number(0, 1e6));
    app.add_option("--top-k", sampling.top_k, "top-k (0: off)")->capture_default_str()->check(whole_number(0, 1 << 30));
    app.add_option("--top-p", sampling.top_p, "top-p in (0, 1] (1: off)")
        ->capture_default_str()
        ->check(real_number(0, 1, true));
    app.add_option("--min-p", sampling.min_p, "min-p in [0, 1] (0: off)")
        ->capture_default_str()
        ->check(real_number(0, 1));
    app.add_option("--repeat-penalty", sampling.repeat_penalty, "repetition penalty (1: off)")
        ->capture_default_str()
        ->check(real_number(0, 1e6, true));
    app.add_option("--repeat-last-n", sampling.repeat_last_n, "penalty window (-1: whole history, 0: off)")
        ->capture_default_str()
        ->check(whole_number(-1, 1 << 30));
    app.add_option("-s,--seed", seed, "random seed (-1: random)")->capture_default_str()->check(whole_number(-1, 0xFFFFFFFELL));
}

void GenerationFlags::add_to(CLI::App& app) {
    app.add_option("-m,--model", model,
                   "model file (.gguf) or Hugging Face folder (default: $LOOM_MODEL or "
                   "models/SmolLM2-135M-Instruct.Q4_1.gguf)");
    app.add_option("-n,--n-predict", n_predict, "tokens to generate (-1: until the context window is full)")
        ->capture_default_str()
        ->check(tokens_to_generate());
    add_threads_flag(app, threads);
    app.add_option("-c,--ctx-size", context, "context window in tokens (0: min(trained, 4096))")
        ->capture_default_str()
        ->check(whole_number(0, 1 << 24));
    add_sampling_flags(app, sampling, seed);
    app.add_option("-r,--reverse-prompt,--stop", stop,
                   "stop when the output contains this string (repeatable, one string each time)");
    app.add_flag("--allow-context-overflow", allow_context_overflow,
                 "start even if prompt + n-predict exceed the context window; stop when it is full");
    app.add_flag("--ignore-eos", ignore_eos, "keep generating past end-of-generation tokens");
    app.add_flag("--f32-activations", f32_activations,
                 "multiply quantized weights with f32 activations (slower; matches a reference that "
                 "dequantizes the model token for token) instead of 8-bit ones");
    add_chat_template_flag(app, chat_template_file);
}

void GenerationFlags::validate_and_finish() {
    if (n_predict == 0 || n_predict < -1)
        throw Error("-n must be -1 (until the context window is full) or >= 1, got " + std::to_string(n_predict));
    if (threads < 0) throw Error("-t must be >= 0, got " + std::to_string(threads));
    if (context < 0) throw Error("-c must be >= 0, got " + std::to_string(context));
    if (seed < -1) throw Error("--seed must be >= -1, got " + std::to_string(seed));
    sampling.seed = seed == -1 ? SamplingParams::kRandomSeed : static_cast<uint64_t>(seed);
    validate(sampling);
    set_num_threads(threads);
    if (f32_activations) set_activation_precision(ActivationPrecision::F32);
}

int32_t GenerationFlags::tokens_to_predict(int64_t n_ctx, size_t n_prompt) const {
    if (n_predict != -1) return n_predict;
    const int64_t room = n_ctx - static_cast<int64_t>(n_prompt);
    if (room <= 0)
        throw Error("the prompt (" + std::to_string(n_prompt) + " tokens) fills the context window of " +
                    std::to_string(n_ctx) + " tokens: nothing is left to generate")
            .hint("raise -c or shorten the prompt");
    return static_cast<int32_t>(std::min<int64_t>(room, INT32_MAX));
}

}  // namespace loom::cli
