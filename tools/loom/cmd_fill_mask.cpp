// `loom fill-mask -m FOLDER "Paris is the [MASK] of France." [-k 5]`: the top-k tokens for each mask with
// their probabilities, as JSON (one list per mask, fields as Hugging Face pipeline("fill-mask")). The text may
// come from -f FILE or a pipe instead.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "shared_flags.h"
#include "tasks/fill_mask.h"
#include "text_input.h"

namespace loom::cli {
namespace {

struct FillMaskArgs {
    std::string model, text, file;
    size_t k = 5;
    TruncationFlags truncation;
    int threads = 0;
};

int run_fill_mask(const FillMaskArgs& a) {
    const std::string text = single_text_input(a.text, a.file, false);
    if (text.empty()) throw Error("no text").hint("give the text as an argument, -f FILE, or pipe it on stdin");
    set_num_threads(a.threads);
    EncoderInputOptions options;
    options.truncate = a.truncation.wanted();
    auto pipeline = FillMaskPipeline::open(resolve_model_path(a.model), options);
    auto results = pipeline->run(text, a.k);
    nlohmann::json out = fill_mask_to_json(results);
    std::printf("%s\n", (results.size() == 1 ? out[0] : out).dump().c_str());
    return 0;
}

CommandRegistrar fill_mask_registrar(
    {"fill-mask", "predict the masked token(s) of a text with a masked-LM encoder",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<FillMaskArgs>();
         sub.add_option("-m,--model", a->model, "Hugging Face masked-LM folder")->required();
         sub.add_option("text", a->text, "text with [MASK] (or <mask>); none: -f or a pipe on stdin");
         add_file_flag(sub, a->file, "read the text from this file");
         sub.add_option("-k,--top-k", a->k, "candidates per mask")
             ->capture_default_str()
             ->check(whole_number(1, 1 << 30));
         a->truncation.add_to(sub);
         add_threads_flag(sub, a->threads);
         return [a] { return run_fill_mask(*a); };
     }});

}  // namespace
}  // namespace loom::cli
