// `loom convert HF_FOLDER -o model.gguf [--type f16]`: a Hugging Face folder (decoders: llama, mistral,
// qwen2, gpt2, bloom; encoders: the BERT family; encoder-decoders: T5, BART, mBART, Marian) as one GGUF file,
// tokenizer included, matrices stored as --type. HF_FOLDER is anything -m takes (a path, a store name); the
// output may not be a file of the folder, and is written to a temp file renamed into place when complete.
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "convert/hf_to_gguf.h"
#include "core/error.h"
#include "default_model.h"
#include "quantize/type_policy.h"
#include "quiet_flag.h"
#include "store/progress_bar.h"

namespace loom::cli {
namespace {

struct ConvertArgs {
    std::string folder, output, type = "f16", name;
};

int run_convert(const ConvertArgs& args) {
    std::optional<DType> type = parse_target_type(args.type);
    if (!type) throw Error("unknown type '" + args.type + "'; loom converts to: " + target_type_list());
    ConvertOptions options;
    options.type = *type;
    options.model_name = args.name;
    options.warn = [](const std::string& note) { std::fprintf(stderr, "loom convert: %s\n", note.c_str()); };
    // A bar on a terminal (after 2 s), one plain line in a log; -q: nothing.
    ProgressBar bar("converting", 0, ProgressStyle{ProgressUnit::Items, "tensors", true, true, true});
    options.progress = [&](int64_t done, int64_t total) {
        bar.set_total(static_cast<uint64_t>(total));
        bar.update(static_cast<uint64_t>(done));
    };
    ConvertReport r = convert_hf_to_gguf(resolve_model_path(args.folder), args.output, options);
    bar.finish();
    std::printf("%s: %s, %lld tensors, %s of tensor data, type %s, tokenizer %s\n", args.output.c_str(),
                r.architecture.c_str(), static_cast<long long>(r.tensors), format_bytes(r.bytes).c_str(),
                dtype_name(*type),
                r.has_tokenizer
                    ? (r.tokenizer_pre.empty() ? "yes" : ("yes (pre " + r.tokenizer_pre + ")").c_str())
                    : "none");
    return 0;
}

CommandRegistrar convert_registrar(
    {"convert", "write a Hugging Face model folder as a GGUF file",
     [](CLI::App& sub) -> std::function<int()> {
         auto args = std::make_shared<ConvertArgs>();
         sub.add_option("folder", args->folder, "Hugging Face model folder")->required();
         sub.add_option("-o,--output", args->output, "GGUF file to write")->required();
         sub.add_option("--type", args->type,
                        std::string("matrix type: ") + target_type_list() + " (default f16)");
         sub.add_option("--name", args->name, "general.name (default: the folder name)");
         add_quiet_flag(sub);
         return [args] { return run_convert(*args); };
     }});

}  // namespace
}  // namespace loom::cli
