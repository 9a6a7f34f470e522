// `loom run`: complete a prompt with a decoder model, streaming the text to stdout as it is generated.
//   loom run "The three primary colors are"            (default model, llama.cpp-like sampling defaults)
//   loom run -m model.gguf -p "Once upon" -n 64 --temp 0 --top-probs 5
//   echo "Once upon" | loom run -n 64          (the prompt from a pipe, or -f FILE / -f -; text_input.h)
// The prompt is echoed first (like llama.cpp; --no-display-prompt to omit it), once it is known to fit the
// context window; timings go to stderr.
#include <chrono>
#include <cstdio>
#include <string>

#include "beam_flags.h"
#include "command.h"
#include "core/error.h"
#include "default_model.h"
#include "flag_ranges.h"
#include "generate/generator.h"
#include "generate/grammar/grammar_beam_constraint.h"
#include "generate/grammar/grammar_sampler.h"
#include "grammar_flags.h"
#include "generation_flags.h"
#include "shared_flags.h"
#include "store/memory_estimate.h"
#include "store/progress_bar.h"
#include "text_input.h"

namespace loom::cli {
namespace {

struct RunOptions {
    GenerationFlags gen;
    BeamFlags beam;  // --num-beams > 1: beam search instead of sampling
    GrammarFlags grammar;  // --grammar / --json-schema / --json
    std::string prompt_flag, prompt_positional, prompt_file;
    size_t top_probs = 0;
    bool no_stream = false, no_display_prompt = false, quiet = false;
    bool dry_run = false;  // only say what the model needs and whether it fits
};

std::string quoted_piece(const Tokenizer& tokenizer, int32_t id) {
    std::string text = tokenizer.decode(std::span<const int32_t>(&id, 1), false);
    std::string out = "'";
    for (char c : text) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out + "'";
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// The context checks generate() makes, made before the prompt is echoed, so a failing run prints nothing.
void check_prompt_fits(int64_t n_ctx, size_t n_prompt, int32_t n_predict, bool allow_overflow) {
    const int64_t prompt_tokens = static_cast<int64_t>(n_prompt);
    if (prompt_tokens > n_ctx)
        throw Error("prompt is " + std::to_string(prompt_tokens) + " tokens, longer than the context window of " +
                    std::to_string(n_ctx) + " tokens")
            .hint("raise -c or shorten the prompt");
    if (!allow_overflow && prompt_tokens + n_predict > n_ctx)
        throw Error("prompt (" + std::to_string(prompt_tokens) + " tokens) + " + std::to_string(n_predict) +
                    " tokens to predict exceed the context window of " + std::to_string(n_ctx) + " tokens")
            .hint("raise -c, lower -n (-n -1: until the window is full), or pass --allow-context-overflow");
}

// --dry-run: the memory the model needs at the chosen context and whether it fits; nothing is loaded.
int dry_run(RunOptions& o) {
    const std::string path = resolve_model_path(o.gen.model);
    ModelSource source = open_model_source(path);
    ModelConfig config = read_model_config(source);
    MemoryEstimate e = estimate_memory(source, config, choose_context(config, o.gen.context));
    std::printf("%s: %s\nmemory needed: %s\n", path.c_str(), config.describe().c_str(),
                describe_memory(e).c_str());
    return e.fits() ? 0 : 2;
}

int run(RunOptions& o) {
    if (o.dry_run) return dry_run(o);
    if (!o.prompt_flag.empty() && !o.prompt_positional.empty())
        throw Error("give the prompt either with -p or as an argument, not both");
    const std::string prompt = single_text_input(
        o.prompt_flag.empty() ? o.prompt_positional : o.prompt_flag, o.prompt_file, false);
    if (prompt.empty())
        throw Error("no prompt").hint("pass -p PROMPT, a prompt argument, -f FILE, or pipe it on stdin");
    o.gen.validate_and_finish();
    const auto schema_start = std::chrono::steady_clock::now();
    const std::optional<std::string> gbnf = o.grammar.gbnf();  // a bad grammar or schema fails before loading
    if (gbnf) grammar::parse_gbnf(*gbnf);
    const double schema_ms = milliseconds_since(schema_start);

    if (o.quiet) set_progress_quiet(true);
    LoadedModel m = load_model(resolve_or_pull_model_path(o.gen.model));
    Session session(*m.model, choose_context(m.model->config(), o.gen.context));
    std::vector<int32_t> ids = m.tokenizer->encode(prompt, true).ids;
    const int32_t n_predict = o.gen.tokens_to_predict(session.n_ctx(), ids.size());
    if (o.beam.enabled()) {
        if (!o.gen.stop.empty() || o.top_probs > 0)
            throw Error("--stop and --top-probs are not available with --num-beams");
        const std::vector<int32_t> eos = o.gen.ignore_eos ? std::vector<int32_t>{} : m.end_of_generation;
        BeamSearchOptions options = o.beam.options(n_predict, eos, o.gen.sampling.repeat_penalty);
        std::unique_ptr<grammar::GrammarBeamConstraint> constraint;  // each beam keeps its own grammar state
        if (gbnf) constraint = grammar::make_grammar_beam_constraint(*gbnf, *m.tokenizer, m.end_of_generation);
        options.constraint = constraint.get();
        return run_beam_search(m, prompt, ids, options, {!o.no_display_prompt, o.quiet, session.n_ctx()});
    }
    auto sampler = make_sampler_chain(o.gen.sampling);
    if (gbnf) {
        // Compile time: the schema's grammar (above), then the vocabulary trie and the first step's mask (which
        // the first decode step then finds cached).
        const auto build_start = std::chrono::steady_clock::now();
        auto grammar_stage = grammar::make_grammar_sampler(*gbnf, *m.tokenizer, m.end_of_generation);
        grammar_stage->set_token_budget(n_predict);  // close nested JSON in time instead of cutting it at -n
        CandidateArray first_step = CandidateArray::from_logits(std::vector<float>(m.tokenizer->vocab_size(), 0.0f));
        grammar_stage->apply(first_step);
        const double build_ms = milliseconds_since(build_start);
        if (!o.quiet)
            std::fprintf(stderr, "loom: grammar compiled in %.1f ms (grammar %.1f ms, vocabulary trie and first mask %.1f ms)\n",
                         schema_ms + build_ms, schema_ms, build_ms);
        sampler->add_front(std::move(grammar_stage));
    }

    GenerationOptions options;
    options.n_predict = n_predict;
    options.stop_strings = o.gen.stop;
    options.allow_context_overflow = o.gen.allow_context_overflow;
    options.top_probs = o.top_probs;
    if (!o.gen.ignore_eos) options.end_of_generation = m.end_of_generation;

    check_prompt_fits(session.n_ctx(), ids.size(), n_predict, o.gen.allow_context_overflow);

    const bool stream = !o.no_stream && o.top_probs == 0;
    // A spinner while a long prompt is read (on a terminal, after 2 s), erased before the text; the prompt is
    // echoed once it has been read, so the spinner never overwrites it.
    ProgressBar prefill("reading the prompt (" + std::to_string(ids.size()) + " tokens)", 0,
                        ProgressStyle{ProgressUnit::Items, "", true, false, false});
    bool prompt_read = false;
    const auto end_of_prompt = [&] {
        if (prompt_read) return;
        prompt_read = true;
        prefill.finish();
        if (!o.no_display_prompt && o.top_probs == 0) std::fputs(prompt.c_str(), stdout);
    };
    int64_t step_index = 0;
    GenerationResult result =
        generate(session, *m.tokenizer, ids, *sampler, options, [&](const GenerationStep& step) {
            end_of_prompt();
            if (stream) {
                std::fputs(step.text.c_str(), stdout);
                std::fflush(stdout);
            }
            if (o.top_probs > 0 && step.token >= 0) {
                std::printf("step %lld: %s (id %d) |", static_cast<long long>(step_index++),
                            quoted_piece(*m.tokenizer, step.token).c_str(), step.token);
                for (const TokenProbability& tp : step.top)
                    std::printf(" %s %.4f", quoted_piece(*m.tokenizer, tp.id).c_str(), tp.probability);
                std::printf("\n");
            }
        });
    end_of_prompt();
    if (!stream)
        std::fputs((o.no_display_prompt || o.top_probs > 0 ? result.text : prompt + result.text).c_str(),
                   stdout);
    std::fputs("\n", stdout);
    std::fflush(stdout);  // the timing line on stderr comes after the text
    if (!o.quiet) {
        const double n_gen = static_cast<double>(result.tokens.size());
        std::fprintf(
            stderr,
            "loom: prompt %lld tokens in %.2f s (%.1f tok/s), generated %zu tokens in %.2f s "
            "(%.1f tok/s), stop: %s\n",
            static_cast<long long>(result.n_prompt), result.prefill_seconds,
            result.prefill_seconds > 0 ? static_cast<double>(result.n_prompt) / result.prefill_seconds : 0.0,
            result.tokens.size(), result.decode_seconds,
            result.decode_seconds > 0 ? n_gen / result.decode_seconds : 0.0, stop_reason_name(result.stop));
    }
    return 0;
}

CommandRegistrar run_registrar({"run", "complete a prompt with a decoder model (streams to stdout)",
                            [](CLI::App& app) -> std::function<int()> {
                                auto o = std::make_shared<RunOptions>();
                                o->gen.add_to(app);
                                add_offline_flag(app);
                                o->beam.add_to(app);
                                o->grammar.add_to(app);
                                app.add_option("-p,--prompt", o->prompt_flag, "the prompt");
                                add_file_flag(app, o->prompt_file, "read the prompt from this file");
                                app.add_option("prompt", o->prompt_positional,
                                               "the prompt (instead of -p; none: -f or a pipe on stdin)");
                                app.add_option("--top-probs", o->top_probs,
                                               "print the N most likely next tokens at each step (0: off)")
                                    ->check(whole_number(0, kNoUpperBound));
                                app.add_flag("--no-stream", o->no_stream, "print the completion at the end");
                                app.add_flag("--no-display-prompt", o->no_display_prompt,
                                             "do not echo the prompt");
                                app.add_flag("-q,--quiet", o->quiet, "no timings on stderr");
                                app.add_flag("--dry-run", o->dry_run,
                                             "print the memory the model needs and whether it fits (exit 2 "
                                             "if not), then stop");
                                return [o] { return run(*o); };
                            }});

}  // namespace
}  // namespace loom::cli
