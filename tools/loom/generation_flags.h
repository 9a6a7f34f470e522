// The flags `loom run` and `loom chat` share (named as llama.cpp names them), and their validation.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "generate/sampling_params.h"

namespace loom::cli {

// --temp --top-k --top-p --min-p --repeat-penalty --repeat-last-n -s/--seed, range-checked as they are parsed
// (shared by run, chat, translate and summarize). seed: -1 for a random one.
void add_sampling_flags(CLI::App& app, SamplingParams& sampling, int64_t& seed);

struct GenerationFlags {
    std::string model;              // -m
    int32_t n_predict = 128;        // -n (-1: until the context window is full; see tokens_to_predict)
    int threads = 0;                // -t (0: all cores)
    int64_t context = 0;            // -c (0: min(trained context, 4096))
    SamplingParams sampling;        // --temp --top-k --top-p --min-p --repeat-penalty --seed
    int64_t seed = -1;              // -1: random
    std::vector<std::string> stop;  // -r / --reverse-prompt / --stop
    bool allow_context_overflow = false;
    bool ignore_eos = false;
    bool f32_activations = false;   // --f32-activations (kernels/cpu/matmul.h ActivationPrecision::F32)
    std::string chat_template_file;  // --chat-template (chat_template_flag.h)

    void add_to(CLI::App& app);
    // Checks every value (throws loom::Error) before the model is loaded, so bad input fails fast.
    void validate_and_finish();
    // The tokens to generate after a prompt of n_prompt tokens in a window of n_ctx: -n, or for -n -1 what
    // is left of the window (throws when nothing is).
    int32_t tokens_to_predict(int64_t n_ctx, size_t n_prompt) const;
};

}  // namespace loom::cli
