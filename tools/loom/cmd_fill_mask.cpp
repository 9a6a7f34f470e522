// `loom fill-mask -m FOLDER "Paris is the [MASK] of France." [-k 5]`: the top-k tokens for each mask with
// their probabilities, as JSON (one list per mask, fields as Hugging Face pipeline("fill-mask")).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "default_model.h"
#include "tasks/fill_mask.h"

namespace loom::cli {
namespace {

struct FillMaskArgs {
    std::string model, text;
    size_t k = 5;
    bool no_truncate = false;
};

int run_fill_mask(const FillMaskArgs& a) {
    EncoderInputOptions options;
    options.truncate = !a.no_truncate;
    auto pipeline = FillMaskPipeline::open(resolve_model_path(a.model), options);
    auto results = pipeline->run(a.text, a.k);
    nlohmann::json out = fill_mask_to_json(results);
    std::printf("%s\n", (results.size() == 1 ? out[0] : out).dump().c_str());
    return 0;
}

CommandRegistrar fill_mask_registrar(
    {"fill-mask", "predict the masked token(s) of a text with a masked-LM encoder",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<FillMaskArgs>();
         sub.add_option("-m,--model", a->model, "Hugging Face masked-LM folder")->required();
         sub.add_option("text", a->text, "text with [MASK] (or <mask>)")->required();
         sub.add_option("-k,--top-k", a->k, "candidates per mask")->check(CLI::PositiveNumber);
         sub.add_flag("--no-truncate", a->no_truncate,
                      "fail on texts longer than the model's limit instead of cutting");
         return [a] { return run_fill_mask(*a); };
     }});

}  // namespace
}  // namespace loom::cli
