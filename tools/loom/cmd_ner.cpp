// `loom ner -m FOLDER "text" [--aggregation none|simple|first|average|max]`: named entities as a JSON array,
// with the fields and grouping of Hugging Face pipeline("token-classification") (tasks/ner.h); start/end are
// character offsets into the text.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "tasks/ner.h"

namespace loom::cli {
namespace {

struct NerArgs {
    std::string model, text, aggregation = "simple";
    bool no_truncate = false;
};

int run_ner(const NerArgs& a) {
    const Aggregation strategy = parse_aggregation(a.aggregation);
    EncoderInputOptions options;
    options.truncate = !a.no_truncate;
    auto pipeline = NerPipeline::open(a.model, options);
    std::printf("%s\n", ner_to_json(pipeline->run(a.text, strategy), strategy).dump().c_str());
    return 0;
}

CommandRegistrar registrar(
    {"ner", "named entities (token classification) in a text, as JSON",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<NerArgs>();
         sub.add_option("-m,--model", a->model, "Hugging Face token-classification folder")->required();
         sub.add_option("text", a->text, "the text")->required();
         sub.add_option("--aggregation", a->aggregation,
                        "none | simple | first | average | max (default simple)");
         sub.add_flag("--no-truncate", a->no_truncate,
                      "fail on texts longer than the model's limit instead of cutting");
         return [a] { return run_ner(*a); };
     }});

}  // namespace
}  // namespace loom::cli
