// `loom perplexity -m MODEL -f TEXT [-c CTX] [--chunks N]`: perplexity of a decoder model on a text file, in
// non-overlapping windows of CTX tokens (tasks/perplexity.h). The text is tokenized without special tokens,
// so two files with the same vocabulary (e.g. two quantizations of one model) score the same tokens.
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "core/error.h"
#include "core/mapped_file.h"
#include "core/parallel.h"
#include "default_model.h"
#include "tasks/perplexity.h"

namespace loom::cli {
namespace {

struct PerplexityArgs {
    std::string model, text_file;
    int64_t context = 512, chunks = 0;
    int threads = 0;
    bool json = false;
};

int run_perplexity(const PerplexityArgs& args) {
    if (args.threads > 0) set_num_threads(args.threads);
    LoadedModel m = load_model(resolve_model_path(args.model));
    const std::string text = read_text_file(args.text_file);
    std::vector<int32_t> tokens = m.tokenizer->encode(text, /*add_special_tokens=*/false).ids;
    if (args.chunks > 0 && static_cast<int64_t>(tokens.size()) > args.chunks * args.context)
        tokens.resize(static_cast<size_t>(args.chunks * args.context));
    PerplexityResult r =
        compute_perplexity(*m.model, tokens, args.context, [](int64_t done, int64_t total, double ppl) {
            std::fprintf(stderr, "\rwindow %lld/%lld  ppl %.4f", static_cast<long long>(done),
                         static_cast<long long>(total), ppl);
            if (done == total) std::fprintf(stderr, "\n");
        });
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

CommandRegistrar perplexity_registrar({"perplexity", "perplexity of a model on a text file (compare quantized types)",
                            [](CLI::App& sub) -> std::function<int()> {
                                auto args = std::make_shared<PerplexityArgs>();
                                sub.add_option("-m,--model", args->model, "model (.gguf or HF folder)");
                                sub.add_option("-f,--file", args->text_file, "text file")->required();
                                sub.add_option("-c,--ctx-size", args->context,
                                               "window length in tokens (512)");
                                sub.add_option("--chunks", args->chunks, "score at most this many windows");
                                sub.add_option("-t,--threads", args->threads, "threads (default: all)");
                                sub.add_flag("--json", args->json, "print one JSON object");
                                return [args] { return run_perplexity(*args); };
                            }});

}  // namespace
}  // namespace loom::cli
