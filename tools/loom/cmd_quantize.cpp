// `loom quantize IN.gguf OUT.gguf TYPE [-t THREADS]`: re-encodes a GGUF model (e.g. an f16/f32 conversion)
// to a smaller type on every thread, with a progress bar. Which tensors get which type:
// quantize/type_policy.h. IN is anything -m takes (a path, a store name); OUT may not be IN, and is written to
// a temp file renamed into place when complete (store/safe_output.h).
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "flag_ranges.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "quantize/gguf_quantizer.h"
#include "quantize/type_policy.h"
#include "quiet_flag.h"
#include "store/progress_bar.h"

namespace loom::cli {
namespace {

struct QuantizeArgs {
    std::string input, output, type;
    int threads = 0;
};

int run_quantize(const QuantizeArgs& args) {
    std::optional<DType> type = parse_target_type(args.type);
    if (!type) throw Error("unknown type '" + args.type + "'; loom quantizes to: " + target_type_list());
    if (args.threads > 0) set_num_threads(args.threads);
    // A bar on a terminal (after 2 s), one plain line in a log; -q: nothing.
    ProgressBar bar("quantizing", 0, ProgressStyle{ProgressUnit::Bytes, "", true, true, true});
    const std::string input = resolve_model_path(args.input);
    QuantizeReport r = quantize_gguf_file(input, args.output, *type, [&](uint64_t done, uint64_t total) {
        bar.set_total(total);
        bar.update(done);
    });
    bar.finish();
    std::printf("%s: %lld tensors (%lld re-encoded), %s -> %s in %.2f s on %d threads\n", args.output.c_str(),
                static_cast<long long>(r.tensors), static_cast<long long>(r.tensors_requantized),
                format_bytes(r.bytes_in).c_str(), format_bytes(r.bytes_out).c_str(), r.seconds,
                num_threads());
    return 0;
}

CommandRegistrar quantize_registrar({"quantize",
                            "re-encode a GGUF model to another type (q8_0, q4_0, q4_k, q6_k, ...)",
                            [](CLI::App& sub) -> std::function<int()> {
                                auto args = std::make_shared<QuantizeArgs>();
                                sub.add_option("input", args->input, "GGUF file to read")->required();
                                sub.add_option("output", args->output, "GGUF file to write")->required();
                                sub.add_option("type", args->type, target_type_list())->required();
                                sub.add_option("-t,--threads", args->threads, "threads (default: all)")
                                    ->check(whole_number(0, 4096));
                                add_quiet_flag(sub);
                                return [args] { return run_quantize(*args); };
                            }});

}  // namespace
}  // namespace loom::cli
