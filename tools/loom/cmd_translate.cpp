// `loom translate -m MODEL [--from en --to de] "text"` and `loom summarize -m MODEL "text"`: encoder-decoder
// text-to-text tasks (T5 / FLAN-T5, Marian, BART). Both also read a file (-f FILE, "-" or a pipe: stdin; one
// source per line, blank lines included, one output line per input line, a progress bar on a terminal's
// stderr) and decode --batch-size sources together. Sources longer than the encoder allows are cut with a
// warning (--no-truncate: refused), as in every command.
// Greedy by default; --temp > 0 samples through the sampler chain.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "generation_flags.h"
#include "quiet_flag.h"
#include "shared_flags.h"
#include "store/progress_bar.h"
#include "tasks/translate.h"
#include "text_input.h"

namespace loom::cli {
namespace {

struct TextToTextArgs {
    std::string model, text, input, from, to;
    bool early_stopping = false, timing = false;
    TruncationFlags truncation;
    int threads = 0;
    int64_t seed = -1;
    Seq2SeqTextOptions options;
};

void add_common(CLI::App& sub, TextToTextArgs& a) {
    sub.add_option("-m,--model", a.model, "Hugging Face encoder-decoder folder (T5, Marian, BART)")
        ->required();
    sub.add_option("text", a.text, "the source text (none: -f FILE or a pipe on stdin)");
    add_file_flag(sub, a.input, "sources, one per line (a blank line gives an empty output line)");
    add_hidden_alias(sub, "-i,--input", a.input);
    a.truncation.add_to(sub);
    const CLI::Validator new_tokens = whole_number(1, 1 << 20);
    sub.add_option("-n,--n-predict", a.options.generate.max_new_tokens, "longest output in tokens")
        ->capture_default_str()
        ->check(new_tokens);
    add_hidden_alias(sub, "--max-new-tokens", a.options.generate.max_new_tokens, &new_tokens);
    sub.add_option("--min-new-tokens", a.options.generate.min_new_tokens,
                   "no end of output before this many tokens")
        ->capture_default_str()
        ->check(whole_number(0, 1 << 20));
    sub.add_option("--batch-size", a.options.batch_size, "sources decoded together")
        ->capture_default_str()
        ->check(whole_number(1, 1 << 16));
    sub.add_option("--num-beams", a.options.num_beams,
                   "beam search with this many beams (1: greedy / sampled)")
        ->capture_default_str()
        ->check(whole_number(1, 1024));
    sub.add_option("--num-return-sequences", a.options.num_return_sequences,
                   "beam search: print this many hypotheses per source, best first, as 'score<TAB>text' "
                   "(a blank line between sources)")
        ->capture_default_str()
        ->check(whole_number(1, 1024));
    sub.add_option("--length-penalty", a.options.length_penalty, "beam scores are divided by length^this")
        ->capture_default_str()
        ->check(real_number(-100, 100));
    sub.add_option("--no-repeat-ngram-size", a.options.no_repeat_ngram_size,
                   "beam search: never repeat an n-gram of this size (0: off)")
        ->capture_default_str()
        ->check(whole_number(0, 1 << 20));
    sub.add_flag("--early-stopping", a.early_stopping,
                 "beam search: stop once num_beams hypotheses are finished");
    sub.add_flag("--timing", a.timing,
                 "print the seconds spent translating (after the model is loaded) to stderr, for benchmarks");
    add_quiet_flag(sub);
    add_threads_flag(sub, a.threads);
    add_sampling_flags(sub, a.options.generate.sampling, a.seed);
}

int run_text_to_text(TextToTextArgs& a, bool translate) {
    if (!a.text.empty() && !a.input.empty()) throw Error("give either a text or -f FILE, not both");
    if (a.text.empty() && a.input.empty() && stdin_has_text()) a.input = "-";
    if (a.text.empty() && a.input.empty())
        throw Error("no text").hint("give either a text, -f FILE (one source per line), or a pipe on stdin");
    a.options.generate.sampling.seed =
        a.seed == -1 ? SamplingParams::kRandomSeed : static_cast<uint64_t>(a.seed);
    validate(a.options.generate.sampling);
    a.options.truncate = a.truncation.wanted();
    if (a.early_stopping) a.options.early_stopping = EarlyStopping::WhenFull;
    set_num_threads(a.threads);
    auto pipeline = Seq2SeqTextPipeline::open(resolve_model_path(a.model));
    if (translate) {
        pipeline->set_translation(a.from, a.to);
    } else {
        pipeline->set_summarization();
    }
    const bool from_file = !a.input.empty();
    const std::vector<std::string> texts =
        from_file ? read_input_lines(a.input) : std::vector<std::string>{a.text};
    if (texts.empty()) throw Error("no text: the input has no lines").file(a.input == "-" ? "stdin" : a.input);
    // A file: a bar on a terminal (after 2 s), one plain summary line otherwise.
    ProgressBar bar(translate ? "translating" : "summarizing", texts.size(),
                    ProgressStyle{ProgressUnit::Items, "lines", true, true, true}, from_file);
    size_t done = 0;
    const auto progress = [&](size_t) { bar.update(++done); };
    if (a.options.num_return_sequences > 1) {
        if (a.options.num_return_sequences > a.options.num_beams)
            throw Error("--num-return-sequences " + std::to_string(a.options.num_return_sequences) +
                        " needs --num-beams >= it (got " + std::to_string(a.options.num_beams) + ")");
        const auto beams = pipeline->run_beams(texts, a.options, progress);
        bar.finish();
        for (size_t i = 0; i < beams.size(); ++i) {
            if (i > 0) std::printf("\n");
            for (const ScoredText& h : beams[i]) std::printf("%.6f\t%s\n", h.score, h.text.c_str());
        }
        return 0;
    }
    // Timed from after the load to the last output (tokenizing, encoding, decoding, detokenizing), as
    // benchmarks time other engines around their translate call.
    const auto t0 = std::chrono::steady_clock::now();
    const auto outputs = pipeline->run(texts, a.options, progress);
    if (a.timing)
        std::fprintf(stderr, "translate seconds: %.4f\n",
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    bar.finish();
    for (const std::string& line : outputs) std::printf("%s\n", line.c_str());
    return 0;
}

CommandRegistrar translate_registrar(
    {"translate", "translate text with an encoder-decoder model (Marian, T5)",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<TextToTextArgs>();
         add_common(sub, *a);
         sub.add_option("--from", a->from, "source language code (T5: required; Marian: checked)");
         sub.add_option("--to", a->to, "target language code (T5: required; Marian: checked)");
         return [a] { return run_text_to_text(*a, true); };
     }});

CommandRegistrar summarize_registrar({"summarize", "summarise text with an encoder-decoder model (BART, T5)",
                                      [](CLI::App& sub) -> std::function<int()> {
                                          auto a = std::make_shared<TextToTextArgs>();
                                          add_common(sub, *a);
                                          return [a] { return run_text_to_text(*a, false); };
                                      }});

}  // namespace
}  // namespace loom::cli
