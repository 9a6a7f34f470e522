#include "beam_flags.h"

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "flag_ranges.h"
#include "generate/beam_decoder_adapter.h"

namespace loom::cli {

void BeamFlags::add_to(CLI::App& app) {
    app.add_option("--num-beams", num_beams, "beam search with this many beams (1: sample instead)")
        ->capture_default_str()
        ->check(whole_number(1, 1024));
    app.add_option("--length-penalty", length_penalty,
                   "beam scores are sum(logprob) / length^this (> 0 favours longer outputs)")
        ->capture_default_str()
        ->check(real_number(-100, 100));
    app.add_option("--no-repeat-ngram-size", no_repeat_ngram_size,
                   "beam search: no n-gram of this size occurs twice (0: off)")
        ->capture_default_str()
        ->check(whole_number(0, 1 << 20));
    app.add_option("--num-return-sequences", num_return_sequences,
                   "beam search: print the N best hypotheses with their scores")
        ->capture_default_str()
        ->check(whole_number(1, 1024));
    app.add_flag("--early-stopping", early_stopping,
                 "beam search: stop as soon as num-beams hypotheses are finished");
    app.add_flag("--early-stopping-never", early_stopping_never,
                 "beam search: go on while a running beam could still win at the longest length");
    app.add_option("--min-new-tokens", min_new_tokens, "beam search: no end-of-generation before this many")
        ->capture_default_str()
        ->check(whole_number(0, 1 << 30));
}

BeamSearchOptions BeamFlags::options(int32_t n_predict, std::vector<int32_t> eos,
                                     float repetition_penalty) const {
    if (early_stopping && early_stopping_never)
        throw Error("--early-stopping and --early-stopping-never exclude each other");
    BeamSearchOptions o;
    o.num_beams = num_beams;
    o.num_return_sequences = num_return_sequences;
    o.length_penalty = length_penalty;
    o.early_stopping = early_stopping         ? EarlyStopping::WhenFull
                       : early_stopping_never ? EarlyStopping::Never
                                              : EarlyStopping::Heuristic;
    o.max_new_tokens = n_predict;
    o.eos_token_ids = std::move(eos);
    o.no_repeat_ngram_size = no_repeat_ngram_size;
    o.min_new_tokens = min_new_tokens;
    o.repetition_penalty = repetition_penalty;
    return o;
}

int run_beam_search(LoadedModel& m, const std::string& prompt, std::span<const int32_t> prompt_ids,
                    const BeamSearchOptions& options, const BeamRunOutput& output) {
    validate(options, m.model->config().n_vocab);
    const int64_t needed = static_cast<int64_t>(prompt_ids.size()) + options.max_new_tokens;
    if (output.n_ctx > 0 && needed > output.n_ctx)
        throw Error("prompt (" + std::to_string(prompt_ids.size()) + " tokens) + -n " +
                    std::to_string(options.max_new_tokens) + " exceed the context window of " +
                    std::to_string(output.n_ctx) + " tokens (-c)");
    DecoderBeamModel beams(*m.model);
    // A progress line that rewrites itself, only on a terminal (a log file would get one line per step).
    const bool progress = !output.quiet && isatty(fileno(stderr));
    const auto t0 = std::chrono::steady_clock::now();
    BeamSearchResult r = beam_search(beams, prompt_ids, options, [&](const BeamSearchProgress& p) {
        if (!progress) return;
        std::fprintf(stderr, "\rbeam search: step %lld/%lld, %d/%d hypotheses finished",
                     static_cast<long long>(p.step), static_cast<long long>(p.max_steps), p.n_finished,
                     options.num_beams);
        std::fflush(stderr);
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (progress) std::fputs("\n", stderr);

    const bool several = r.sequences.size() > 1;
    for (size_t i = 0; i < r.sequences.size(); ++i) {
        std::vector<int32_t> ids = r.sequences[i].tokens;
        const bool ended =
            !ids.empty() && std::find(options.eos_token_ids.begin(), options.eos_token_ids.end(),
                                      ids.back()) != options.eos_token_ids.end();
        if (ended) ids.pop_back();  // the end-of-generation id is not text
        const std::string text = (output.display_prompt ? prompt : std::string()) + m.tokenizer->decode(ids);
        if (several)
            std::printf("[%zu] score %.4f%s\n%s\n", i + 1, r.sequences[i].score,
                        ended ? "" : " (length limit)", text.c_str());
        else
            std::printf("%s\n", text.c_str());
    }
    std::fflush(stdout);
    if (!output.quiet)
        std::fprintf(stderr, "loom: beam search (%d beams) ran %lld steps in %.2f s, best score %.4f\n",
                     options.num_beams, static_cast<long long>(r.n_steps), seconds, r.sequences[0].score);
    return 0;
}

}  // namespace loom::cli
