#include "generation_flags.h"

#include "core/error.h"
#include "core/parallel.h"
#include "kernels/cpu/matmul.h"

namespace loom::cli {

void GenerationFlags::add_to(CLI::App& app) {
    app.add_option("-m,--model", model,
                   "model file (.gguf) or Hugging Face folder (default: $LOOM_MODEL or "
                   "models/SmolLM2-135M-Instruct.Q4_1.gguf)");
    app.add_option("-n,--n-predict", n_predict, "tokens to generate (> 0)")->capture_default_str();
    app.add_option("-t,--threads", threads, "threads (0: all cores)")->capture_default_str();
    app.add_option("-c,--ctx-size", context, "context window in tokens (0: min(trained, 4096))")
        ->capture_default_str();
    app.add_option("--temp", sampling.temperature, "temperature (0: greedy)")->capture_default_str();
    app.add_option("--top-k", sampling.top_k, "top-k (0: off)")->capture_default_str();
    app.add_option("--top-p", sampling.top_p, "top-p in (0, 1] (1: off)")->capture_default_str();
    app.add_option("--min-p", sampling.min_p, "min-p in [0, 1] (0: off)")->capture_default_str();
    app.add_option("--repeat-penalty", sampling.repeat_penalty, "repetition penalty (1: off)")
        ->capture_default_str();
    app.add_option("--repeat-last-n", sampling.repeat_last_n, "penalty window (-1: whole history)")
        ->capture_default_str();
    app.add_option("-s,--seed", seed, "random seed (-1: random)")->capture_default_str();
    app.add_option("-r,--reverse-prompt,--stop", stop,
                   "stop when the output contains this string (repeatable)");
    app.add_flag("--allow-context-overflow", allow_context_overflow,
                 "start even if prompt + n-predict exceed the context window; stop when it is full");
    app.add_flag("--ignore-eos", ignore_eos, "keep generating past end-of-generation tokens");
    app.add_flag("--f32-activations", f32_activations,
                 "multiply quantized weights with f32 activations (slower; matches a reference that "
                 "dequantizes the model token for token) instead of 8-bit ones");
}

void GenerationFlags::validate_and_finish() {
    if (n_predict <= 0) throw Error("-n must be positive, got " + std::to_string(n_predict));
    if (threads < 0) throw Error("-t must be >= 0, got " + std::to_string(threads));
    if (context < 0) throw Error("-c must be >= 0, got " + std::to_string(context));
    if (seed < -1) throw Error("--seed must be >= -1, got " + std::to_string(seed));
    sampling.seed = seed == -1 ? SamplingParams::kRandomSeed : static_cast<uint64_t>(seed);
    validate(sampling);
    set_num_threads(threads);
    if (f32_activations) set_activation_precision(ActivationPrecision::F32);
}

}  // namespace loom::cli
