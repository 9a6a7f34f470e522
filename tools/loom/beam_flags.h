// `loom run --num-beams N`: beam search (Hugging Face generate semantics, src/generate/beam_search.h) instead
// of the sampler chain, for decoder-only models. The flags are named as transformers names the options.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "default_model.h"
#include "generate/beam_search.h"

namespace loom::cli {

struct BeamFlags {
    int32_t num_beams = 1;  // > 1 turns beam search on
    float length_penalty = 1.0f;
    int32_t no_repeat_ngram_size = 0;
    int32_t num_return_sequences = 1;
    bool early_stopping = false;  // HF early_stopping=True; --early-stopping-never for "never"
    bool early_stopping_never = false;
    int32_t min_new_tokens = 0;

    void add_to(CLI::App& app);
    bool enabled() const { return num_beams > 1; }
    // The search options for n_predict new tokens ending on any of `eos` (empty: only at n_predict).
    // Throws loom::Error for a bad combination (both early-stopping flags, num_return_sequences > num_beams).
    BeamSearchOptions options(int32_t n_predict, std::vector<int32_t> eos, float repetition_penalty) const;
};

struct BeamRunOutput {
    bool display_prompt = true;
    bool quiet = false;  // no progress or timings on stderr
    int64_t n_ctx = 0;   // > 0: prompt + max_new_tokens must fit this window (as for sampling)
};

// Runs the search over `prompt_ids` and prints each returned sequence (with its score when more than one).
int run_beam_search(LoadedModel& model, const std::string& prompt, std::span<const int32_t> prompt_ids,
                    const BeamSearchOptions& options, const BeamRunOutput& output);

}  // namespace loom::cli
