// `loom perplexity -m MODEL -f TEXT [-c CTX] [--chunks N]`: perplexity of a decoder model on a text file, in
// non-overlapping windows of CTX tokens (tasks/perplexity.h). The text is tokenized without special tokens,
// so two files with the same vocabulary (e.g. two quantizations of one model) score the same tokens.
//
// Fidelity, as llama-perplexity does it: `--save-logits FILE` also writes the tokens and every scored
// position's distribution (tasks/logits_file.h); `--kl-divergence FILE` takes tokens and windows from such a
// file instead of -f/-c/--chunks and reports KL(saved || this run), its 99th percentile and max, top-1
// agreement and both perplexities (tasks/kl_divergence.h). Typical use: save with --f32-activations, compare
// the default path.
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
#include "core/error.h"
#include "core/mapped_file.h"
#include "core/parallel.h"
#include "default_model.h"
#include "shared_flags.h"
#include "text_input.h"
#include "kernels/cpu/matmul.h"
#include "quiet_flag.h"
#include "store/progress_bar.h"
#include "tasks/kl_divergence.h"
#include "tasks/logits_file.h"
#include "tasks/perplexity.h"

namespace loom::cli {
namespace {

struct PerplexityArgs {
    std::string model, text_file, save_logits, kl_divergence, kl_values;
    int64_t context = 512, chunks = 0;
    int threads = 0;
    bool json = false, f32_activations = false;
    bool context_given = false, chunks_given = false;
};

// The windows scored so far and the running perplexity: a bar on a terminal, nothing in a log.
struct WindowProgress {
    ProgressBar bar{"perplexity", 0, ProgressStyle{ProgressUnit::Items, "windows", true, true, false}};
    void operator()(int64_t done, int64_t total, double ppl) {
        char detail[32];
        std::snprintf(detail, sizeof detail, "ppl %.4f", ppl);
        bar.set_total(static_cast<uint64_t>(total));
        bar.set_detail(detail);
        bar.update(static_cast<uint64_t>(done));
        if (done == total) bar.finish();
    }
};

int run_kl_divergence(const PerplexityArgs& args, LoadedModel& m) {
    LogitsFileReader reference(args.kl_divergence);
    const int64_t n_vocab = m.model->config().n_vocab;
    if (reference.n_vocab() != n_vocab)
        throw Error("the logits file has a vocabulary of " + std::to_string(reference.n_vocab()) +
                    ", the model " + std::to_string(n_vocab))
            .file(args.kl_divergence);
    KlAccumulator kl;
    ReferenceRow row;
    const std::vector<int32_t>& tokens = reference.tokens();
    WindowProgress progress;
    PerplexityResult r = compute_perplexity(*m.model, tokens, reference.n_ctx(), std::ref(progress),
                                            [&](int64_t begin, int64_t len, const float* logits) {
                                                for (int64_t i = 0; i + 1 < len; ++i) {
                                                    reference.read_row(row);
                                                    kl.add(row, logits + i * n_vocab,
                                                           tokens[static_cast<size_t>(begin + i + 1)]);
                                                }
                                            });
    if (reference.rows_read() != reference.rows())
        throw Error("the run scored " + std::to_string(reference.rows_read()) +
                    " positions, the logits file has " + std::to_string(reference.rows()))
            .file(args.kl_divergence);
    const KlStats s = kl.finish();
    if (!args.kl_values.empty()) {  // one KL per scored position, for paired comparisons with another engine
        std::FILE* out = std::fopen(args.kl_values.c_str(), "w");
        if (!out) throw Error("cannot create the file for --kl-values").file(args.kl_values);
        for (double k : kl.per_position()) std::fprintf(out, "%.9g\n", k);
        if (std::fclose(out) != 0) throw Error("cannot write the file for --kl-values").file(args.kl_values);
    }
    if (args.json) {
        std::printf(
            "{\"model\": \"%s\", \"perplexity\": %.6f, \"ref_perplexity\": %.6f, \"kl_mean\": %.8f, "
            "\"kl_stderr\": %.8f, \"kl_p99\": %.8f, \"kl_max\": %.8f, \"top1_agreement\": %.6f, "
            "\"scored_tokens\": %lld, \"windows\": %lld, \"context\": %lld}\n",
            args.model.c_str(), s.perplexity, s.ref_perplexity, s.mean_kl, s.kl_stderr, s.p99_kl, s.max_kl,
            s.top1_agreement, static_cast<long long>(s.positions), static_cast<long long>(r.windows),
            static_cast<long long>(reference.n_ctx()));
    } else {
        std::printf("%lld positions in %lld windows of %lld\n", static_cast<long long>(s.positions),
                    static_cast<long long>(r.windows), static_cast<long long>(reference.n_ctx()));
        std::printf("perplexity: %.4f (reference %.4f)\n", s.perplexity, s.ref_perplexity);
        std::printf("KL(reference || this): mean %.6f +- %.6f, p99 %.6f, max %.6f nats\n", s.mean_kl,
                    s.kl_stderr, s.p99_kl, s.max_kl);
        std::printf("top-1 agreement: %.2f%%\n", 100.0 * s.top1_agreement);
    }
    return 0;
}

int run_perplexity(PerplexityArgs& args) {
    if (args.text_file.empty() && args.kl_divergence.empty() && stdin_has_text()) args.text_file = "-";
    set_num_threads(args.threads);
    if (args.f32_activations) set_activation_precision(ActivationPrecision::F32);
    if (!args.kl_divergence.empty()) {
        if (!args.text_file.empty() || args.context_given || args.chunks_given || !args.save_logits.empty())
            throw Error("--kl-divergence takes its tokens and windows from the logits file")
                .hint("drop -f, -c, --chunks and --save-logits");
    } else if (!args.kl_values.empty()) {
        throw Error("--kl-values goes with --kl-divergence");
    } else if (args.text_file.empty()) {
        throw Error("perplexity needs a text file (-f) or a logits file (--kl-divergence)");
    }
    LoadedModel m = load_model(resolve_model_path(args.model));
    if (!args.kl_divergence.empty()) return run_kl_divergence(args, m);

    const std::string text = read_whole_input(args.text_file);
    std::vector<int32_t> tokens = m.tokenizer->encode(text, /*add_special_tokens=*/false).ids;
    if (args.chunks > 0 && static_cast<int64_t>(tokens.size()) > args.chunks * args.context)
        tokens.resize(static_cast<size_t>(args.chunks * args.context));
    const int64_t n_vocab = m.model->config().n_vocab;
    std::optional<LogitsFileWriter> writer;
    WindowLogitsFn save;
    if (!args.save_logits.empty() && args.context >= 2) {
        writer.emplace(args.save_logits, n_vocab, args.context, tokens);
        save = [&](int64_t begin, int64_t len, const float* logits) {
            for (int64_t i = 0; i + 1 < len; ++i)
                writer->write_row(logits + i * n_vocab, tokens[static_cast<size_t>(begin + i + 1)]);
        };
    }
    WindowProgress progress;
    PerplexityResult r = compute_perplexity(*m.model, tokens, args.context, std::ref(progress), save);
    if (writer) writer->finish();
    if (args.json) {
        std::printf(
            "{\"model\": \"%s\", \"perplexity\": %.6f, \"mean_nll\": %.6f, \"windows\": %lld, "
            "\"scored_tokens\": %lld, \"context\": %lld}\n",
            args.model.c_str(), r.perplexity, r.mean_nll, static_cast<long long>(r.windows),
            static_cast<long long>(r.scored_tokens), static_cast<long long>(args.context));
    } else {
        std::printf("perplexity: %.4f (%lld tokens scored in %lld windows of %lld)\n", r.perplexity,
                    static_cast<long long>(r.scored_tokens), static_cast<long long>(r.windows),
                    static_cast<long long>(args.context));
    }
    return 0;
}

CommandRegistrar perplexity_registrar(
    {"perplexity",
     "perplexity of a model on a text file (compare quantized types; KL divergence from saved logits)",
     [](CLI::App& sub) -> std::function<int()> {
         auto args = std::make_shared<PerplexityArgs>();
         sub.add_option("-m,--model", args->model, "model (.gguf or HF folder)");
         add_file_flag(sub, args->text_file, "the text to score (none: a pipe on stdin)");
         CLI::Option* ctx = sub.add_option("-c,--ctx-size", args->context, "window length in tokens")
                                ->capture_default_str()
                                ->check(whole_number(1, 1 << 24));
         CLI::Option* chunks = sub.add_option("--chunks", args->chunks, "score at most this many windows (0: all)")
                                   ->capture_default_str()
                                   ->check(whole_number(0, kNoUpperBound));
         add_threads_flag(sub, args->threads);
         add_quiet_flag(sub);
         sub.add_flag("--json", args->json, "print one JSON object");
         sub.add_flag("--f32-activations", args->f32_activations,
                      "dequantize weights and keep activations f32 (the reference numerics)");
         sub.add_option("--save-logits", args->save_logits,
                        "also write the tokens and every scored distribution to FILE (16-bit log-probs)");
         sub.add_option("--kl-divergence", args->kl_divergence,
                        "compare with a --save-logits FILE: its tokens and windows, KL and top-1 agreement");
         sub.add_option("--kl-values", args->kl_values,
                        "with --kl-divergence: also write each position's KL to FILE, one per line");
         return [args, ctx, chunks] {
             args->context_given = ctx->count() > 0;
             args->chunks_given = chunks->count() > 0;
             return run_perplexity(*args);
         };
     }});

}  // namespace
}  // namespace loom::cli
